/**
 * "Did you mean" for names the user typed: stack, component and identity names, and the keys a
 * strict schema rejects (`principle:` where `principal:` is meant).
 */
import { distance } from 'fastest-levenshtein';
import type * as v from 'valibot';
import type { YamlPath } from './yaml.js';

/**
 * Names close to `wanted`, for "did you mean" hints: those containing it, and those at the
 * smallest edit distance found, if that is within a few edits (scaled to the length).
 */
export function similarNames(wanted: string, candidates: Iterable<string>, max = 3): string[] {
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

/** A schema issue in words: where (the key path), what is wrong, and for an unknown key the keys it could be. */
export interface SchemaProblem {
  path: YamlPath;
  message: string;
  issue: v.BaseIssue<unknown>;
  /** Set when the issue is a key the schema does not know. */
  unknownKey?: { key: string; suggestion?: string; known: string[] };
}

/**
 * The issues of a strict schema, with an unknown key named and the nearest known key suggested:
 * `unknown field "principle" (did you mean "principal"?)`. valibot reports a misspelt required key
 * twice, as unknown and as missing; the missing one is dropped when the unknown one suggests it.
 * Other issues keep their message.
 */
export function schemaProblems(schema: v.GenericSchema, issues: readonly v.BaseIssue<unknown>[]): SchemaProblem[] {
  const problems: SchemaProblem[] = issues.map((issue) => {
    const path = (issue.path ?? []).map((item) => item.key as string | number);
    const key = path[path.length - 1];
    if (!isKeyIssue(issue) || issue.expected !== 'never' || typeof key !== 'string') return { path, message: issue.message, issue };
    const parent = path.slice(0, -1);
    const present = new Set(Object.keys((issue.path?.[issue.path.length - 1]?.input ?? {}) as object));
    const known = Object.keys(entriesAt(schema, parent) ?? {});
    const suggestion = similarNames(key, known.filter((name) => !present.has(name)), 1)[0];
    return {
      path,
      message: `unknown field "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      issue,
      unknownKey: { key, suggestion, known },
    };
  });
  const suggested = new Set(problems.flatMap((p) => (p.unknownKey?.suggestion ? [[...p.path.slice(0, -1), p.unknownKey.suggestion].join('\0')] : [])));
  return problems
    .filter((p) => !(isMissingKey(p.issue) && suggested.has(p.path.join('\0'))))
    .map((p) => (isMissingKey(p.issue) ? (misspelt(schema, p) ?? p) : p));
}

function isMissingKey(issue: v.BaseIssue<unknown>): boolean {
  return isKeyIssue(issue) && issue.received === 'undefined';
}

/**
 * A required key that is missing where a loose schema let a near spelling of it through
 * (`principle:` for `principal:`): reported as that unknown key.
 */
function misspelt(schema: v.GenericSchema, problem: SchemaProblem): SchemaProblem | undefined {
  const wanted = problem.path[problem.path.length - 1];
  if (typeof wanted !== 'string') return undefined;
  const parent = problem.path.slice(0, -1);
  const input = problem.issue.path?.[problem.issue.path.length - 1]?.input;
  if (!input || typeof input !== 'object') return undefined;
  const known = Object.keys(entriesAt(schema, parent) ?? {});
  const strays = Object.keys(input).filter((key) => !known.includes(key));
  const key = strays.find((stray) => similarNames(stray, [wanted], 1).length > 0);
  if (key === undefined) return undefined;
  return { path: [...parent, key], message: `unknown field "${key}" (did you mean "${wanted}"?)`, issue: problem.issue, unknownKey: { key, suggestion: wanted, known } };
}

function isKeyIssue(issue: v.BaseIssue<unknown>): boolean {
  return (issue.type === 'strict_object' || issue.type === 'object' || issue.type === 'loose_object') && issue.path !== undefined && issue.path.length > 0;
}

interface SchemaShape {
  type?: string;
  entries?: Record<string, SchemaShape>;
  wrapped?: SchemaShape;
  value?: SchemaShape;
  item?: SchemaShape;
}

/** The entries of the object schema at `path` (through optional, record and array schemas). */
function entriesAt(schema: v.GenericSchema, path: YamlPath): Record<string, SchemaShape> | undefined {
  const unwrap = (s: SchemaShape | undefined) => {
    while (s?.wrapped) s = s.wrapped;
    return s;
  };
  let current = unwrap(schema as SchemaShape);
  for (const key of path) {
    if (current?.entries && typeof key === 'string') current = unwrap(current.entries[key]);
    else if (current?.type === 'record') current = unwrap(current.value);
    else if (current?.type === 'array') current = unwrap(current.item);
    else return undefined;
  }
  return current?.entries;
}
