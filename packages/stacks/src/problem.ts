/**
 * Errors found while reading manifests.
 *
 * Loading is synchronous inside this package (small files, read once, cached), but finding the line
 * of a value needs `locateInYaml`, which is asynchronous and only worth paying for when something is
 * wrong. So the loading code throws a `ManifestProblem` that says *where in the YAML tree* the fault
 * is, and the public (async) entry points turn it into a `TfwrapError` with file, line and column.
 */
import { distance } from 'fastest-levenshtein';
import { TfwrapError, TfwrapErrors, locateInYaml, type ErrorCode, type SourceLocation, type YamlPath } from '@tfwrap/core';

export class ManifestProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The manifest at fault; absent for problems with no file (an unknown stack name). */
    readonly file: string | undefined,
    /** Path of the offending node inside that manifest. */
    readonly yamlPath: YamlPath = [],
    readonly hint?: string,
    /** The file's text, when at hand, so that locating the node need not read it again. */
    readonly text?: string,
  ) {
    super(message);
  }
}

/** Several problems of one manifest, found at once (two or more). */
export class ManifestProblems extends Error {
  constructor(readonly problems: ManifestProblem[]) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}

/**
 * Run `work`; a ManifestProblem it throws comes out as a located TfwrapError, and
 * ManifestProblems as a TfwrapErrors, in the order of their lines.
 */
export async function withLocatedErrors<T>(work: () => T): Promise<T> {
  try {
    return work();
  } catch (err) {
    if (err instanceof ManifestProblem) throw await toTfwrapError(err);
    if (err instanceof ManifestProblems) {
      const located = await Promise.all(err.problems.map(toTfwrapError));
      throw new TfwrapErrors(located.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0)));
    }
    throw err;
  }
}

export async function toTfwrapError(problem: ManifestProblem): Promise<TfwrapError> {
  let location: SourceLocation | undefined;
  if (problem.file !== undefined) {
    location = problem.yamlPath.length === 0 && problem.text !== undefined
      ? documentStart(problem.file, problem.text)
      : await locateInYaml(problem.file, problem.yamlPath, problem.text);
  }
  return new TfwrapError(problem.code, problem.message, { hint: problem.hint, location });
}

/** Where the document itself starts (locateInYaml has no line for the root): its first content line. */
function documentStart(file: string, text: string): SourceLocation {
  const index = text.split('\n').findIndex((line) => !/^\s*(#.*)?$/.test(line) && !/^(---|%)/.test(line));
  return index >= 0 ? { file, line: index + 1, column: 1 } : { file };
}

/**
 * Names close to `wanted`, for "did you mean" hints: those containing it, and those at the
 * smallest edit distance found, if that is within a few edits (scaled to the length).
 */
function similarNames(wanted: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: Array<{ name: string; score: number; contains: boolean }> = [];
  for (const name of candidates) {
    if (name === wanted) continue;
    const score = distance(wanted, name);
    const contains = wanted.length >= 3 && name.includes(wanted);
    if (score <= limit || contains) scored.push({ name, score, contains });
  }
  const best = Math.min(...scored.filter((entry) => !entry.contains).map((entry) => entry.score));
  return scored
    .filter((entry) => entry.contains || entry.score === best)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((entry) => entry.name);
}

/** `Did you mean 'a' or 'b'?`, or undefined when there is nothing close. */
export function didYouMean(wanted: string, candidates: Iterable<string>): string | undefined {
  const names = similarNames(wanted, candidates).map((name) => `'${name}'`);
  if (names.length === 0) return undefined;
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `Did you mean ${list}?`;
}

/** Join hint sentences, skipping absent ones: `Did you mean 'dev'? Run ...`. */
export function hints(...parts: Array<string | undefined>): string | undefined {
  const present = parts.filter((part): part is string => Boolean(part));
  if (present.length === 0) return undefined;
  return present.map((part, index) => (index < present.length - 1 && !/[.?!]$/.test(part) ? `${part}.` : part)).join(' ');
}
