/**
 * What every describe command does with its answer, as Atmos's describe commands do:
 * `--query <yq expression>` picks a part of it (Atmos: a persistent flag of `describe`, evaluated
 * with yq on the result), `--file <path>` writes it to a file instead of stdout (Atmos:
 * printOrWriteToFile). tfwrap embeds no yq: it reads the path subset platform engineers use
 * (`.vars.cidr`, `.["key-with-dash"]`, `.list[0]`, `.a // "default"`), as `!store ... | query`
 * does; anything richer is E_UNSUPPORTED naming the expression. A path that finds nothing is
 * `null`, as yq prints it.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TfwrapError, stringifyYaml } from '@tfwrap/core';
import type { PathExpression } from '@tfwrap/stacks';

export interface DescribeOutputOptions {
  query?: string;
  file?: string;
}

/** The query, parsed before any work is done: a bad one fails at once. */
export async function parseDescribeQuery(query: string | undefined): Promise<PathExpression | undefined> {
  if (query === undefined) return undefined;
  const { parsePathExpression } = await import('@tfwrap/stacks');
  return parsePathExpression(query, (message) => {
    throw new TfwrapError('E_UNSUPPORTED', `--query "${query}" ${message.startsWith(`expression "${query}" `) ? message.slice(`expression "${query}" `.length) : message}`, {
      hint: 'tfwrap reads yq paths (.components.terraform.vpc.vars, .["key-with-dash"], .list[0], .a // "default"), not pipes, functions or select: pipe --format json into yq or jq for more',
    });
  });
}

/** The value (or its part at the query) as YAML or JSON, on stdout or written to `file`. */
export async function writeDescribeOutput(value: unknown, format: 'yaml' | 'json', options: { query?: PathExpression; file?: string }): Promise<void> {
  let picked = value;
  if (options.query) {
    const { valueAtPath } = await import('@tfwrap/stacks');
    const hit = valueAtPath(value, options.query.path);
    picked = hit.found ? hit.value : options.query.default ? options.query.default.value : null;
  }
  const text = format === 'json' ? `${JSON.stringify(picked ?? null, null, 2)}\n` : stringifyYaml(picked ?? null);
  await writeText([text], options.file);
}

/**
 * A mapping whose entries are made one at a time (describe stacks: a stack each), written as
 * writeDescribeOutput writes the whole mapping, byte for byte. Without `--query` each entry is
 * turned into text as it comes and let go, so a hundred thousand components are never held as
 * objects at once; the text is written when every entry is made (a failure writes nothing).
 * `entries` must come in the order a JavaScript object keeps keys (inPropertyOrder).
 * `beforeWriting`: called once every entry is made, before anything is written (a progress line
 * to clear).
 */
export async function writeDescribeEntries(entries: AsyncIterable<[string, unknown]>, format: 'yaml' | 'json', options: { query?: PathExpression; file?: string },
  beforeWriting?: () => void): Promise<void> {
  if (options.query) {
    const whole: Record<string, unknown> = {};
    for await (const [key, value] of entries) setEntry(whole, key, value);
    beforeWriting?.();
    return writeDescribeOutput(whole, format, options);
  }
  const chunks: string[] = [];
  for await (const [key, value] of entries) {
    // `{\n  "key": ...\n}` without its braces: the entry as the whole mapping would indent it.
    if (format === 'json') chunks.push(`${chunks.length === 0 ? '{' : ','}\n${JSON.stringify(setEntry({}, key, value ?? null), null, 2).slice(2, -2)}`);
    else chunks.push(stringifyYaml(setEntry({}, key, value)));
  }
  if (chunks.length === 0) chunks.push(format === 'json' ? '{}\n' : stringifyYaml({}));
  else if (format === 'json') chunks.push('\n}\n');
  beforeWriting?.();
  await writeText(chunks, options.file);
}

/** `keys` in the order an object holding them lists them: integer-like keys first, ascending (ECMAScript OrdinaryOwnPropertyKeys). */
export function inPropertyOrder(keys: readonly string[]): string[] {
  const index = (key: string) => (/^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1 ? Number(key) : undefined);
  const integers = keys.filter((key) => index(key) !== undefined).sort((a, b) => index(a)! - index(b)!);
  return [...integers, ...keys.filter((key) => index(key) === undefined)];
}

function setEntry(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

async function writeText(chunks: readonly string[], file: string | undefined): Promise<void> {
  if (file !== undefined) return writeFileAtomically(file, chunks);
  for (const chunk of chunks) await writeStdout(chunk);
}

/**
 * Write and wait until it is handed to the OS: a large answer on a pipe must not be cut at exit.
 * A failed write ends the output, not the command here: a reader that went away (`| head`) is no
 * error, as for a short answer, and any other failure is reported once by the CLI's stdout watch
 * (main.ts), as for every command.
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolvePromise) => process.stdout.write(text, () => resolvePromise()));
}

/**
 * A temp file beside the target, flushed, then renamed over it: a reader sees the old file or the
 * whole new one, never a half-written one (an interrupted or failed write leaves no temp file).
 */
async function writeFileAtomically(file: string, chunks: readonly string[]): Promise<void> {
  const target = resolve(file);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let written = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      for (const chunk of chunks) await handle.write(chunk, null, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    written = true;
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw new TfwrapError('E_USAGE', `--file ${file}: cannot write it: ${code ?? message}`, {
      hint: code === 'ENOENT' ? 'its directory does not exist: create it first' : code === 'EISDIR' ? 'name a file, not a directory' : 'check the path and its permissions',
      cause: err,
    });
  } finally {
    if (!written) await rm(temp, { force: true });
  }
}
