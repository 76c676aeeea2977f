/**
 * Atmos's YAML functions in stack manifests. The parser (`parseAtmosYaml`) turns each tagged value
 * into an AtmosTag; this module evaluates, per file as it is read, the ones tfwrap supports:
 *
 * - `!env NAME [default]`: the variable from tfwrap's environment, else the default, else "" (in a
 *   component's sections, the component's `env:` value first: see FunctionRead);
 * - `!exec command`: the command's stdout through `sh -c` (run from the project root), trailing
 *   newlines removed, decoded as JSON when it is JSON (Atmos pkg/utils/yaml_func_exec.go);
 * - `!include path` / `!include.raw path`: a local file relative to the manifest, else to the
 *   project root; `!include` parses it by its extension (include-parsers.ts: YAML, JSON, HCL
 *   attributes, dotenv), anything else is text;
 * - `!repo-root [default]`: the directory holding `.git`, else the default;
 * - `!template value`: a value without template syntax, decoded as JSON when it is JSON.
 *
 * `!terraform.output`, `!terraform.state`, `!store` and `!store.get` stay AtmosTag markers that are
 * evaluated when a component is described or run (deferred.ts). The others (`!template` with `{{`,
 * `!secret`, ...) stay placeholders too: loading works, and resolving a component that uses one is
 * an E_UNSUPPORTED error naming the tag, the file and the line (see `unsupportedFunctionIn`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AtmosTag, TfwrapError, YAML_LIMITS, exceedsDepth, findRepoRoot, parseAtmosYaml } from '@tfwrap/core';
import { isDeferred } from './deferred.js';
import { IncludeParseError, includeFormat, parseDotenv, parseHcl, type IncludeFormat } from './include-parsers.js';
import { DeferredMerge, mapTags } from './merge.js';

/** Bounds on an `!exec` command: a manifest value is small, and reading the stacks must end. */
const EXEC_TIMEOUT_MS = 60_000;
const EXEC_MAX_OUTPUT = 4 * 1024 * 1024;

export interface FunctionContext {
  /** The project root (`base_path`): `!exec` runs here; `!include` falls back to it. */
  rootDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * A function evaluated when its file was read: where it sits in the document, what it gave, and its
 * text. The component pass (stack.ts withEnvLookups, env-lookup.ts) gives a `!env` the component's
 * `env:` value, as Atmos evaluates `!env` after the merge (pkg/utils/yaml_func_env.go ProcessTagEnv).
 */
export interface FunctionRead {
  tag: string;
  /** `!tag argument`, as Atmos keeps an unevaluated function (what `!env` finds in `env:`). */
  text: string;
  /** The variable a `!env` reads. */
  name?: string;
  value: unknown;
  path: readonly string[];
  file: string;
  line?: number;
}

/**
 * The `!env NAME` reads written as the value of NAME itself in an `env:` section (`env: { A: !env A }`):
 * Atmos looks in the component's `env:` first, where NAME is that function's text, so it gives the
 * text `!env NAME` (website/docs/functions/yaml/env.mdx, Single-Pass Processing), not the
 * environment's value the line seems to pass through.
 */
export function selfReadingEnv(reads: readonly FunctionRead[]): FunctionRead[] {
  return reads.filter((read) => {
    const { path: at, name } = read;
    if (read.tag !== '!env' || at.length < 2 || at[at.length - 1] !== name || at[at.length - 2] !== 'env') return false;
    // `env` as a section: at the root, under terraform: or overrides:, or a component's.
    const before = at.slice(0, -2);
    return before.length === 0 || before[before.length - 1] === 'terraform' || before[before.length - 1] === 'overrides'
      || (before.length === 3 && before[0] === 'components' && before[1] === 'terraform');
  });
}

/**
 * `value` with the supported functions evaluated (a new tree where anything changed). `reads`
 * collects each function evaluated (but `!include`, which Atmos evaluates when parsing), with its
 * path in the document.
 */
export function evaluateFunctions(value: unknown, file: string, context: FunctionContext, reads?: FunctionRead[], at: readonly string[] = []): unknown {
  if (value instanceof AtmosTag) {
    const result = evaluate(value, file, context, reads, at);
    if (reads && result !== value && value.tag !== '!include' && value.tag !== '!include.raw') {
      reads.push({
        tag: value.tag, text: `${value.tag} ${value.argument}`.trim(), value: result, path: at, file: value.file, line: value.line,
        ...(value.tag === '!env' ? { name: value.argument.split(/\s+/)[0] ?? '' } : {}),
      });
    }
    return result;
  }
  if (Array.isArray(value)) return value.map((item, index) => evaluateFunctions(item, file, context, reads, [...at, String(index)]));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = evaluateFunctions((value as Record<string, unknown>)[key], file, context, reads, [...at, key]);
      if (key === '__proto__') Object.defineProperty(result, key, { value: item, enumerable: true, writable: true, configurable: true });
      else result[key] = item;
    }
    return result;
  }
  return value;
}

const formatNames: Record<IncludeFormat, string> = { json: 'JSON', yaml: 'YAML', hcl: 'HCL', dotenv: 'dotenv', text: 'text' };

function unquote(text: string): string {
  return text.replace(/^(["'])(.*)\1$/s, '$2');
}

function evaluate(tag: AtmosTag, file: string, context: FunctionContext, reads: FunctionRead[] | undefined, at: readonly string[]): unknown {
  const fail = (message: string, hint?: string) =>
    new TfwrapError('E_STACK_INVALID', `${tag.tag} ${message}`, { location: { file, line: tag.line }, hint });
  switch (tag.tag) {
    case '!env': {
      const [name, ...rest] = tag.argument.split(/\s+/);
      if (!name) throw fail('needs the name of an environment variable', 'write !env NAME or !env NAME default');
      return context.env[name] ?? unquote(rest.join(' '));
    }
    case '!exec': {
      if (tag.argument === '') throw fail('needs a command', 'write !exec echo hello');
      let output: string;
      try {
        output = execFileSync('sh', ['-c', tag.argument], { cwd: context.rootDir, env: context.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: EXEC_TIMEOUT_MS, maxBuffer: EXEC_MAX_OUTPUT });
      } catch (err) {
        // The command's output is not repeated: it may hold secrets.
        const { status, code } = err as { status?: number | null; code?: string };
        if (code === 'ENOBUFS') throw fail(`printed more than ${EXEC_MAX_OUTPUT / 1024 / 1024} MiB (stdout or stderr); tfwrap stopped it`, 'print only the value the manifest needs');
        if (code === 'ETIMEDOUT') throw fail(`did not finish within ${EXEC_TIMEOUT_MS / 1000} s; tfwrap stopped it`, 'run the command by hand from the project root to see where it waits (for input, or on the network)');
        throw fail(`command failed${typeof status === 'number' ? ` (exit ${status})` : ''}`, 'run the command by hand from the project root to see why');
      }
      const text = output.replace(/\n+$/, '');
      let decoded: unknown;
      try {
        decoded = JSON.parse(text);
      } catch {
        return text;
      }
      if (exceedsDepth(decoded)) throw fail(`printed JSON nested more than ${YAML_LIMITS.maxDepth} levels deep, more than a manifest may`, 'print a flatter value');
      return decoded;
    }
    case '!include':
    case '!include.raw': {
      const [target, ...query] = tag.argument.split(/\s+/);
      if (!target) throw fail('needs a file', `write ${tag.tag} path/to/file.yaml`);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.includes('::')) {
        throw new TfwrapError('E_UNSUPPORTED', `${tag.tag} of a remote file (${target}) is not supported: tfwrap reads local files only`, {
          location: { file, line: tag.line }, hint: 'vendor the file into the repository and include it by its path',
        });
      }
      if (query.length > 0) {
        throw new TfwrapError('E_UNSUPPORTED', `${tag.tag} with a yq expression is not supported`, {
          location: { file, line: tag.line }, hint: 'include the whole file, or a file holding just the part you need',
        });
      }
      const candidates = path.isAbsolute(target) ? [target] : [path.resolve(path.dirname(file), target), path.resolve(context.rootDir, target)];
      const found = candidates.find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
      if (!found) throw fail(`found no file ${target} (looked beside the manifest and under the project root)`);
      // A manifest's own bound: an included file is part of it.
      const size = statSync(found).size;
      if (size > YAML_LIMITS.maxBytes) throw fail(`${target} is ${(size / 1024 / 1024).toFixed(1)} MiB, more than the ${YAML_LIMITS.maxBytes / 1024 / 1024} MiB tfwrap reads`, 'include a smaller file holding just the part you need');
      const text = readFileSync(found, 'utf8');
      if (tag.tag === '!include.raw') return text;
      // By the extension, as Atmos's filetype.ParseFileByExtension: never by the content.
      const format = includeFormat(found);
      let included: unknown;
      try {
        switch (format) {
          // Its functions land where it is included: Atmos evaluates them after the merge too.
          case 'yaml': return evaluateFunctions(parseAtmosYaml(text, found), found, context, reads, at);
          case 'json': included = JSON.parse(text) as unknown; break;
          case 'hcl': included = parseHcl(text, target); break;
          case 'dotenv': return parseDotenv(text);
          default: return text;
        }
      } catch (err) {
        if (err instanceof IncludeParseError && err.unsupported) {
          throw new TfwrapError('E_UNSUPPORTED', `${tag.tag} ${target}: ${err.message}`, {
            location: { file, line: tag.line }, hint: 'write the value itself in the file, convert the file to .json or .yaml, or use !include.raw for its text',
          });
        }
        if (err instanceof IncludeParseError || (format === 'json' && err instanceof SyntaxError)) {
          throw fail(`cannot parse ${target} as ${formatNames[format]}: ${err.message}`);
        }
        throw err;
      }
      // YAML has this bound when parsed; JSON and HCL here.
      if (exceedsDepth(included)) throw fail(`${target} is nested more than ${YAML_LIMITS.maxDepth} levels deep, more than a manifest may`, 'include a flatter file, or the part you need');
      return included;
    }
    case '!repo-root': {
      const root = findRepoRoot(context.rootDir);
      if (root) return root;
      if (tag.argument !== '') return unquote(tag.argument);
      throw fail('found no git repository above the project root', 'give a default: !repo-root /path');
    }
    case '!template': {
      if (tag.argument.includes('{{')) return tag;
      try {
        return JSON.parse(tag.argument);
      } catch {
        return unquote(tag.argument);
      }
    }
    default:
      return tag;
  }
}

/**
 * `!template` values whose text held Go template syntax, once the component section pass has run
 * (or when templates are off): Atmos's processTagTemplate decodes the text as JSON, else keeps it.
 */
export function evaluateTemplateTags(value: unknown): unknown {
  // Most sections hold no tag: taken as they are instead of copied (resolving every component pays for each copy).
  if (!hasTag(value)) return value;
  return mapTags(value, (tag) => {
    if (tag.tag !== '!template') return tag;
    try {
      return JSON.parse(tag.argument);
    } catch {
      return tag.argument;
    }
  });
}

/** Whether a data tree holds an Atmos tag anywhere. */
export function hasTag(value: unknown): boolean {
  if (value instanceof AtmosTag || value instanceof DeferredMerge) return true;
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  if (Array.isArray(value)) return value.some(hasTag);
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && hasTag((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** An E_UNSUPPORTED error for the first unevaluated function in `value`, naming its file:line. */
export function unsupportedFunctionIn(value: unknown, where: string): TfwrapError | undefined {
  const tag = firstTag(value);
  if (!tag) return undefined;
  const what = tag.tag === '!template' ? '!template with Go template syntax' : tag.tag;
  return new TfwrapError('E_UNSUPPORTED', `${what} (${where}) is not supported by tfwrap yet`, {
    location: { file: tag.file, line: tag.line },
    hint: 'replace it with a plain value (tfwrap evaluates !env, !exec, !include, !include.raw, !repo-root, !terraform.output, !terraform.state, !store, !store.get)',
  });
}

/** The first tag that is neither evaluated at load nor deferred (deferred.ts). */
function firstTag(value: unknown): AtmosTag | undefined {
  if (value instanceof AtmosTag) return isDeferred(value) ? undefined : value;
  if (value instanceof DeferredMerge) return firstTag(value.parts());
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstTag(item);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const item of Object.values(value)) {
      const found = firstTag(item);
      if (found) return found;
    }
  }
  return undefined;
}
