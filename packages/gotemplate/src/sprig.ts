// The Sprig (github.com/Masterminds/sprig/v3) functions Atmos manifests use, with Sprig's
// signatures (so argument errors read as Go's) and Sprig's edge-case behaviour.
import { createHash, randomUUID } from 'node:crypto';
import type { FuncSpec, ParamType } from './exec.js';
import { formatV, goTypeName, isMap, sortedKeys } from './fmt.js';
import { goQuote } from './parse.js';

const spec = (params: ParamType[], fn: (...a: any[]) => unknown, variadic?: ParamType): FuncSpec =>
  variadic === undefined ? { params, fn } : { params, variadic, fn };

/** Sprig's strval: the string form of any value. */
function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message;
  return formatV(v);
}

/** Sprig's empty(): the zero value of its type. */
function empty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v === 0;
  if (isMap(v)) return Object.keys(v).length === 0;
  return false;
}

/** spf13/cast ToInt64 as Sprig uses it: lenient, 0 when it cannot convert. */
function toInt64(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = /^[+-]?\d+\.0*$/.test(v) ? v.replace(/\.0*$/, '') : v;
    const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)$/.exec(s);
    if (!m) return 0;
    const body = m[2]!.replace(/_/g, '');
    let n: number;
    if (/^0[0-7]+$/.test(body)) n = parseInt(body.slice(1), 8);
    else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
    else n = Number(body);
    return Number.isFinite(n) ? (m[1] === '-' ? -n : n) : 0;
  }
  return 0;
}

function toFloat64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim() === v ? v : '';
    const n = Number(t);
    return t !== '' && Number.isFinite(n) ? n : 0;
  }
  return 0;
}

/** Sprig's strslice: a list of strings from a list (nils dropped) or a single value. */
function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((e) => e !== null && e !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

function asList(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new Error(`Cannot ${what} on type ${kindOf(v)}`);
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Date) return 'struct';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'function') return 'func';
  return goTypeName(v);
}

/** reflect.DeepEqual for template values. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setKey(out, k, deepCopy(v[k]));
    return out as T;
  }
  return v;
}

/** Sets a key without letting "__proto__" reach the prototype. */
function setKey(m: Record<string, unknown>, k: string, v: unknown) {
  if (k === '__proto__') Object.defineProperty(m, k, { value: v, writable: true, enumerable: true, configurable: true });
  else m[k] = v;
}

/** mergo.Merge (with or without WithOverride) on map[string]interface{}, as Sprig's merge uses it. */
function mergeInto(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean) {
  for (const key of Object.keys(src)) {
    const s = src[key];
    const has = Object.hasOwn(dst, key);
    const d = has ? dst[key] : undefined;
    if (s === null || s === undefined) {
      if (overwrite) setKey(dst, key, null);
      continue;
    }
    if (isMap(s)) {
      if (isMap(d)) {
        mergeInto(d, s, overwrite);
        if (!empty(d)) continue;
      } else if (has && !empty(d)) {
        continue;
      }
      setKey(dst, key, s);
      continue;
    }
    if (overwrite || !has || empty(d)) setKey(dst, key, s);
  }
  return dst;
}

// -- strings ------------------------------------------------------------------------------------

function isTitleSeparator(c: string): boolean {
  if (/^[A-Za-z0-9_]$/.test(c)) return false;
  if (c.charCodeAt(0) < 0x80) return true;
  if (/^[\p{L}\p{Nd}]$/u.test(c)) return false;
  return /^\s$/u.test(c);
}

/** strings.Title. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isTitleSeparator(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

function cutset(s: string, set: string, left: boolean, right: boolean): string {
  const chars = new Set([...set]);
  const a = [...s];
  let i = 0;
  let j = a.length;
  if (left) while (i < j && chars.has(a[i]!)) i++;
  if (right) while (j > i && chars.has(a[j - 1]!)) j--;
  return a.slice(i, j).join('');
}

const bytesOf = (s: string) => Buffer.from(s, 'utf8');

function substr(start: number, end: number, s: string): string {
  const b = bytesOf(s);
  const bounds = (i: number, j: number) => {
    if (i < 0 || j > b.length || i > j) throw new Error(`runtime error: slice bounds out of range [${i}:${j}]`);
    return b.subarray(i, j).toString('utf8');
  };
  if (start < 0) return bounds(0, end);
  if (end < 0 || end > b.length) return bounds(start, b.length);
  return bounds(start, end);
}

function trunc(c: number, s: string): string {
  const b = bytesOf(s);
  if (c < 0 && b.length + c > 0) return b.subarray(b.length + c).toString('utf8');
  if (c >= 0 && b.length > c) return b.subarray(0, c).toString('utf8');
  return s;
}

/** strings.Split (empty separator: one element per character). */
function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  let parts = sep === '' ? [...s] : s.split(sep);
  if (n > 0 && parts.length > n) parts = [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
  return parts;
}

function goReplaceAll(src: string, old: string, nw: string): string {
  if (old === '') {
    const chars = [...src];
    return nw + chars.join(nw) + (chars.length > 0 ? nw : '');
  }
  return src.split(old).join(nw);
}

function indexMap(parts: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  parts.forEach((p, i) => {
    m[`_${i}`] = p;
  });
  return m;
}

// -- regular expressions (RE2 syntax mapped onto JavaScript's) ------------------------------------

function compileRegex(expr: string): RegExp {
  let src = expr;
  let flags = 'g';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  src = src.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$(?![\\s\\S])').replace(/\\A/g, '^');
  try {
    return new RegExp(src, flags + 'u');
  } catch {
    try {
      return new RegExp(src, flags);
    } catch (e) {
      throw new Error(`regexp: Compile(${goQuote(expr)}): error parsing regexp: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Go's FindAll: at most n matches (n < 0: all); an empty match right after a match is skipped. */
function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n === 0) return out;
  re.lastIndex = 0;
  let prevEnd = -1;
  for (;;) {
    if (n > 0 && out.length >= n) break;
    const m = re.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      if (m.index === prevEnd) {
        if (m.index >= s.length) break;
        continue;
      }
    }
    out.push(m);
    prevEnd = end;
    if (re.lastIndex > s.length) break;
  }
  return out;
}

/** regexp.Expand for ReplaceAllString: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all, braced, bare) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

function regexSplit(regex: string, s: string, n: number): string[] {
  if (n === 0) return [];
  if (regex.length > 0 && s.length === 0) return [''];
  const matches = findAll(compileRegex(regex), s, n);
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of matches) {
    if (n > 0 && parts.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) parts.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

// -- numbers ----------------------------------------------------------------------------------

/** Most numbers until/untilStep give (Sprig: no bound): a list made to exhaust memory is an error instead. */
const MAX_UNTIL = 1_000_000;

function untilStep(start: number, stop: number, step: number): number[] {
  const counts = (stop > start && step > 0) || (stop < start && step < 0);
  if (counts && (stop - start) / step > MAX_UNTIL) throw new Error(`more than ${MAX_UNTIL} numbers`);
  const v: number[] = [];
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function seq(...p: number[]): string {
  let list: number[] = [];
  if (p.length === 1) {
    const end = p[0]!;
    const inc = end < 1 ? -1 : 1;
    list = untilStep(1, end + inc, inc);
  } else if (p.length === 2) {
    const [start, end] = p as [number, number];
    const step = end < start ? -1 : 1;
    list = untilStep(start, end + step, step);
  } else if (p.length === 3) {
    const [start, step, end] = p as [number, number, number];
    let inc = 1;
    if (end < start) {
      inc = -1;
      if (step > 0) return '';
    }
    list = untilStep(start, end + inc, step);
  }
  return list.join(' ');
}

const intDiv = (a: number, b: number) => {
  if (b === 0) throw new Error('runtime error: integer divide by zero');
  return Math.trunc(a / b);
};

// -- JSON as Go's encoding/json writes it ------------------------------------------------------

function jsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (cp < 0x20 || (escapeHTML && (c === '<' || c === '>' || c === '&')) || cp === 0x2028 || cp === 0x2029) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else out += c;
  }
  return out + '"';
}

function goJson(v: unknown, escapeHTML: boolean, indent = '', level = 0): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return jsonString(v, escapeHTML);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${formatV(v)}`);
    return String(v);
  }
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return jsonString(v.toISOString(), escapeHTML);
  if (typeof v === 'function') throw new Error(`json: unsupported type: ${goTypeName(v)}`);
  const nl = indent ? '\n' + indent.repeat(level + 1) : '';
  const close = indent ? '\n' + indent.repeat(level) : '';
  const sep = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((e) => nl + goJson(e, escapeHTML, indent, level + 1)).join(',') + close + ']';
  }
  const m = v as Record<string, unknown>;
  const keys = sortedKeys(m);
  if (keys.length === 0) return '{}';
  return '{' + keys.map((k) => nl + jsonString(k, escapeHTML) + sep + goJson(m[k], escapeHTML, indent, level + 1)).join(',') + close + '}';
}

// -- time -------------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** time.Time.Format for the common layout elements, in the process's local time zone. */
function goTimeFormat(d: Date, layout: string): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const oh = p2(Math.floor(Math.abs(off) / 60));
  const om = p2(Math.abs(off) % 60);
  const h = d.getHours();
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  const tokens: Array<[string, () => string]> = [
    ['January', () => MONTHS[d.getMonth()]!],
    ['Monday', () => DAYS[d.getDay()]!],
    ['2006', () => String(d.getFullYear())],
    ['Z07:00', () => (off === 0 ? 'Z' : `${sign}${oh}:${om}`)],
    ['-07:00', () => `${sign}${oh}:${om}`],
    ['Z0700', () => (off === 0 ? 'Z' : `${sign}${oh}${om}`)],
    ['-0700', () => `${sign}${oh}${om}`],
    ['.000000000', () => '.' + ms + '000000'],
    ['.000000', () => '.' + ms + '000'],
    ['.000', () => '.' + ms],
    ['.999999999', () => (ms.replace(/0+$/, '') ? '.' + ms.replace(/0+$/, '') : '')],
    ['.999', () => (ms.replace(/0+$/, '') ? '.' + ms.replace(/0+$/, '') : '')],
    ['Jan', () => MONTHS[d.getMonth()]!.slice(0, 3)],
    ['Mon', () => DAYS[d.getDay()]!.slice(0, 3)],
    ['MST', () => (off === 0 ? 'UTC' : `${sign}${oh}${om === '00' ? '' : om}`)],
    ['-07', () => `${sign}${oh}`],
    ['06', () => p2(d.getFullYear() % 100)],
    ['01', () => p2(d.getMonth() + 1)],
    ['02', () => p2(d.getDate())],
    ['_2', () => String(d.getDate()).padStart(2, ' ')],
    ['15', () => p2(h)],
    ['03', () => p2(h % 12 === 0 ? 12 : h % 12)],
    ['04', () => p2(d.getMinutes())],
    ['05', () => p2(d.getSeconds())],
    ['PM', () => (h >= 12 ? 'PM' : 'AM')],
    ['pm', () => (h >= 12 ? 'pm' : 'am')],
    ['1', () => String(d.getMonth() + 1)],
    ['2', () => String(d.getDate())],
    ['3', () => String(h % 12 === 0 ? 12 : h % 12)],
    ['4', () => String(d.getMinutes())],
    ['5', () => String(d.getSeconds())],
  ];
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    for (const [tok, f] of tokens) {
      if (layout.startsWith(tok, i)) {
        out += f();
        i += tok.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  return new Date();
}

// -- semver (Masterminds/semver constraints, without pre-release special cases) ----------------

function parseVersion(v: string): [number, number, number, string] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), m[4] ?? ''];
}

function cmpVersion(a: [number, number, number, string], b: [number, number, number, string]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  if (a[3] === b[3]) return 0;
  if (a[3] === '') return 1;
  if (b[3] === '') return -1;
  return a[3] < b[3] ? -1 : 1;
}

function semverCompare(constraint: string, version: string): boolean {
  const v = parseVersion(version);
  if (!v) throw new Error('Invalid Semantic Version');
  return constraint.split('||').some((group) => {
    const parts = group.replace(/([<>=!~^]+)\s+/g, '$1').trim().split(/\s*,\s*|\s+/).filter(Boolean);
    return parts.every((c) => {
      const m = /^(!=|>=|=>|<=|=<|~>|[=<>~^])?\s*v?([0-9xX*]+)(?:\.([0-9xX*]+))?(?:\.([0-9xX*]+))?(-[0-9A-Za-z.-]+)?$/.exec(c.trim());
      if (!m) throw new Error(`improper constraint: ${c}`);
      const op = m[1] ?? '=';
      const wild = (s: string | undefined) => s === undefined || /^[xX*]$/.test(s);
      const nums = [m[2], m[3], m[4]];
      const fixed = nums.findIndex(wild);
      const given = fixed < 0 ? 3 : fixed;
      const base: [number, number, number, string] = [Number(wild(m[2]) ? 0 : m[2]), Number(wild(m[3]) ? 0 : m[3]), Number(wild(m[4]) ? 0 : m[4]), (m[5] ?? '').slice(1)];
      const upper = (level: number): [number, number, number, string] => {
        const u: [number, number, number, string] = [base[0], base[1], base[2], ''];
        if (level <= 0) return [u[0] + 1, 0, 0, ''];
        if (level === 1) return [u[0], u[1] + 1, 0, ''];
        return [u[0], u[1], u[2] + 1, ''];
      };
      const c0 = cmpVersion(v, base);
      switch (op) {
        case '=': return given === 3 ? c0 === 0 : c0 >= 0 && cmpVersion(v, upper(given - 1)) < 0;
        case '!=': return given === 3 ? c0 !== 0 : !(c0 >= 0 && cmpVersion(v, upper(given - 1)) < 0);
        case '>': return given === 3 ? c0 > 0 : cmpVersion(v, upper(given - 1)) >= 0;
        case '<': return c0 < 0;
        case '>=': case '=>': return c0 >= 0;
        case '<=': case '=<': return given === 3 ? c0 <= 0 : cmpVersion(v, upper(given - 1)) < 0;
        case '~': case '~>': return c0 >= 0 && cmpVersion(v, upper(given <= 1 ? given - 1 : 1)) < 0;
        case '^': {
          const level = base[0] > 0 || given === 1 ? 0 : base[1] > 0 || given === 2 ? 1 : 2;
          return c0 >= 0 && cmpVersion(v, upper(level)) < 0;
        }
      }
      return false;
    });
  });
}

// -- the function map -------------------------------------------------------------------------

export interface SprigOptions {
  /** Where env / expandenv read variables (default: process.env). */
  env?: Record<string, string | undefined>;
}

export function sprigFunctions(options: SprigOptions = {}): Record<string, FuncSpec> {
  const envOf = () => options.env ?? process.env;
  const list = (v: unknown, what: string) => (v === null || v === undefined ? [] : asList(v, what));
  return {
    // defaults and flow
    default: spec(['any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? d : given[0]), 'any'),
    empty: spec(['any'], empty),
    coalesce: spec([], (...v: unknown[]) => v.find((x) => !empty(x)) ?? null, 'any'),
    all: spec([], (...v: unknown[]) => v.every((x) => !empty(x)), 'any'),
    any: spec([], (...v: unknown[]) => v.length === 0 || v.some((x) => !empty(x)), 'any'),
    ternary: spec(['any', 'any', 'bool'], (vt: unknown, vf: unknown, c: boolean) => (c ? vt : vf)),
    required: spec(['string', 'any'], (warn: string, val: unknown) => {
      if (val === null || val === undefined || val === '') throw new Error(warn);
      return val;
    }),
    fail: spec(['string'], (msg: string) => {
      throw new Error(msg);
    }),
    // conversion
    toString: spec(['any'], strval),
    toStrings: spec(['any'], strslice),
    toJson: spec(['any'], (v: unknown) => {
      try {
        return goJson(v, true);
      } catch {
        return '';
      }
    }),
    mustToJson: spec(['any'], (v: unknown) => goJson(v, true)),
    toPrettyJson: spec(['any'], (v: unknown) => {
      try {
        return goJson(v, true, '  ');
      } catch {
        return '';
      }
    }),
    toRawJson: spec(['any'], (v: unknown) => {
      try {
        return goJson(v, false);
      } catch {
        return '';
      }
    }),
    fromJson: spec(['string'], (s: string) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return null;
      }
    }),
    mustFromJson: spec(['string'], (s: string) => JSON.parse(s) as unknown),
    atoi: spec(['string'], (s: string) => (/^[+-]?\d+$/.test(s) ? Number(s) : 0)),
    int: spec(['any'], toInt64),
    int64: spec(['any'], toInt64),
    float64: spec(['any'], toFloat64),
    typeOf: spec(['any'], goTypeName),
    kindOf: spec(['any'], kindOf),
    typeIs: spec(['string', 'any'], (t: string, v: unknown) => t === goTypeName(v)),
    kindIs: spec(['string', 'any'], (k: string, v: unknown) => k === kindOf(v)),
    deepEqual: spec(['any', 'any'], deepEqual),
    deepCopy: spec(['any'], deepCopy),
    // strings
    upper: spec(['string'], (s: string) => s.toUpperCase()),
    lower: spec(['string'], (s: string) => s.toLowerCase()),
    title: spec(['string'], title),
    trim: spec(['string'], (s: string) => s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '')),
    trimAll: spec(['string', 'string'], (set: string, s: string) => cutset(s, set, true, true)),
    trimPrefix: spec(['string', 'string'], (p: string, s: string) => (p !== '' && s.startsWith(p) ? s.slice(p.length) : s)),
    trimSuffix: spec(['string', 'string'], (p: string, s: string) => (p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s)),
    replace: spec(['string', 'string', 'string'], (o: string, n: string, src: string) => goReplaceAll(src, o, n)),
    contains: spec(['string', 'string'], (sub: string, s: string) => s.includes(sub)),
    hasPrefix: spec(['string', 'string'], (p: string, s: string) => s.startsWith(p)),
    hasSuffix: spec(['string', 'string'], (p: string, s: string) => s.endsWith(p)),
    repeat: spec(['int', 'string'], (n: number, s: string) => {
      if (n < 0) throw new Error('strings: negative Repeat count');
      return s.repeat(n);
    }),
    substr: spec(['int', 'int', 'string'], substr),
    trunc: spec(['int', 'string'], trunc),
    nospace: spec(['string'], (s: string) => s.replace(/[\s\u0085]/gu, '')),
    quote: spec([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => goQuote(strval(x))).join(' '), 'any'),
    squote: spec([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => `'${strval(x)}'`).join(' '), 'any'),
    cat: spec([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map(formatV).join(' '), 'any'),
    indent: spec(['int', 'string'], (n: number, s: string) => ' '.repeat(n) + s.replaceAll('\n', '\n' + ' '.repeat(n))),
    nindent: spec(['int', 'string'], (n: number, s: string) => '\n' + ' '.repeat(n) + s.replaceAll('\n', '\n' + ' '.repeat(n))),
    split: spec(['string', 'string'], (sep: string, s: string) => indexMap(goSplit(s, sep))),
    splitList: spec(['string', 'string'], (sep: string, s: string) => goSplit(s, sep)),
    splitn: spec(['string', 'int', 'string'], (sep: string, n: number, s: string) => indexMap(goSplit(s, sep, n))),
    join: spec(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep)),
    sortAlpha: spec(['any'], (v: unknown) => (Array.isArray(v) ? strslice(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [strval(v)])),
    plural: spec(['string', 'string', 'int'], (one: string, many: string, n: number) => (n === 1 ? one : many)),
    b64enc: spec(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64')),
    b64dec: spec(['string'], (s: string) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return `illegal base64 data at input byte ${Math.max(0, s.search(/[^A-Za-z0-9+/=]/))}`;
      return Buffer.from(s, 'base64').toString('utf8');
    }),
    sha1sum: spec(['string'], (s: string) => createHash('sha1').update(s, 'utf8').digest('hex')),
    sha256sum: spec(['string'], (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')),
    uuidv4: spec([], () => randomUUID()),
    // regular expressions
    regexMatch: spec(['string', 'string'], (re: string, s: string) => {
      try {
        const r = compileRegex(re);
        r.lastIndex = 0;
        return r.test(s);
      } catch {
        return false;
      }
    }),
    regexFind: spec(['string', 'string'], (re: string, s: string) => findAll(compileRegex(re), s, 1)[0]?.[0] ?? ''),
    regexFindAll: spec(['string', 'string', 'int'], (re: string, s: string, n: number) => findAll(compileRegex(re), s, n).map((m) => m[0])),
    regexReplaceAll: spec(['string', 'string', 'string'], (re: string, s: string, repl: string) => {
      const r = compileRegex(re);
      let out = '';
      let last = 0;
      for (const m of findAll(r, s, -1)) {
        out += s.slice(last, m.index) + expand(repl, m);
        last = m.index + m[0].length;
      }
      return out + s.slice(last);
    }),
    regexReplaceAllLiteral: spec(['string', 'string', 'string'], (re: string, s: string, repl: string) => {
      let out = '';
      let last = 0;
      for (const m of findAll(compileRegex(re), s, -1)) {
        out += s.slice(last, m.index) + repl;
        last = m.index + m[0].length;
      }
      return out + s.slice(last);
    }),
    regexSplit: spec(['string', 'string', 'int'], regexSplit),
    regexQuoteMeta: spec(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
    // lists
    list: spec([], (...v: unknown[]) => v, 'any'),
    tuple: spec([], (...v: unknown[]) => v, 'any'),
    append: spec(['any', 'any'], (l: unknown, v: unknown) => [...list(l, 'push'), v]),
    push: spec(['any', 'any'], (l: unknown, v: unknown) => [...list(l, 'push'), v]),
    prepend: spec(['any', 'any'], (l: unknown, v: unknown) => [v, ...list(l, 'prepend')]),
    first: spec(['any'], (l: unknown) => list(l, 'find first')[0] ?? null),
    last: spec(['any'], (l: unknown) => {
      const a = list(l, 'find last');
      return a.length === 0 ? null : a[a.length - 1];
    }),
    rest: spec(['any'], (l: unknown) => {
      const a = list(l, 'find rest');
      return a.length === 0 ? null : a.slice(1);
    }),
    initial: spec(['any'], (l: unknown) => {
      const a = list(l, 'find initial');
      return a.length === 0 ? null : a.slice(0, -1);
    }),
    reverse: spec(['any'], (l: unknown) => [...list(l, 'find reverse')].reverse()),
    uniq: spec(['any'], (l: unknown) => {
      const out: unknown[] = [];
      for (const x of list(l, 'find uniq')) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }),
    compact: spec(['any'], (l: unknown) => list(l, 'compact').filter((x) => !empty(x))),
    without: spec(['any'], (l: unknown, ...omit: unknown[]) => list(l, 'find without').filter((x) => !omit.some((o) => deepEqual(x, o))), 'any'),
    has: spec(['any', 'any'], (needle: unknown, hay: unknown) => (hay === null || hay === undefined ? false : asList(hay, 'find has').some((x) => deepEqual(x, needle)))),
    concat: spec([], (...lists: unknown[]) => lists.flatMap((l) => {
      if (!Array.isArray(l)) throw new Error(`Cannot concat type ${kindOf(l)} as list`);
      return l;
    }), 'any'),
    slice: spec(['any'], (l: unknown, ...idx: unknown[]) => {
      if (!Array.isArray(l)) throw new Error(`list should be type of slice or array but ${kindOf(l)}`);
      const a = idx.length > 0 ? toInt64(idx[0]) : 0;
      const b = idx.length > 1 ? toInt64(idx[1]) : l.length;
      if (a < 0 || b > l.length || a > b) throw new Error(`runtime error: slice bounds out of range [${a}:${b}]`);
      return l.slice(a, b);
    }, 'any'),
    until: spec(['int'], (n: number) => untilStep(0, n, n < 0 ? -1 : 1)),
    untilStep: spec(['int', 'int', 'int'], untilStep),
    seq: spec([], seq, 'int'),
    // dictionaries
    dict: spec([], (...v: unknown[]) => {
      const d: Record<string, unknown> = {};
      for (let i = 0; i < v.length; i += 2) setKey(d, strval(v[i]), i + 1 < v.length ? v[i + 1] : '');
      return d;
    }, 'any'),
    get: spec(['map', 'string'], (d: Record<string, unknown> | null, k: string) => (d && Object.hasOwn(d, k) ? d[k] : '')),
    set: spec(['map', 'string', 'any'], (d: Record<string, unknown> | null, k: string, v: unknown) => {
      const m = d ?? {};
      setKey(m, k, v);
      return m;
    }),
    unset: spec(['map', 'string'], (d: Record<string, unknown> | null, k: string) => {
      const m = d ?? {};
      delete m[k];
      return m;
    }),
    hasKey: spec(['map', 'string'], (d: Record<string, unknown> | null, k: string) => d !== null && Object.hasOwn(d, k)),
    pluck: spec(['string'], (k: string, ...ds: Array<Record<string, unknown> | null>) => ds.filter((d) => d && Object.hasOwn(d, k)).map((d) => d![k]), 'map'),
    // Go's map order is random; sorted here so output is stable.
    keys: spec([], (...ds: Array<Record<string, unknown> | null>) => ds.flatMap((d) => (d ? sortedKeys(d) : [])), 'map'),
    values: spec(['map'], (d: Record<string, unknown> | null) => (d ? sortedKeys(d).map((k) => d[k]) : [])),
    pick: spec(['map'], (d: Record<string, unknown> | null, ...ks: string[]) => {
      const out: Record<string, unknown> = {};
      for (const k of ks) if (d && Object.hasOwn(d, k)) setKey(out, k, d[k]);
      return out;
    }, 'string'),
    omit: spec(['map'], (d: Record<string, unknown> | null, ...ks: string[]) => {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(d ?? {})) if (!ks.includes(k)) setKey(out, k, d![k]);
      return out;
    }, 'string'),
    merge: spec(['map'], (dst: Record<string, unknown> | null, ...srcs: Array<Record<string, unknown> | null>) => {
      const d = dst ?? {};
      for (const s of srcs) if (s) mergeInto(d, s, false);
      return d;
    }, 'map'),
    mergeOverwrite: spec(['map'], (dst: Record<string, unknown> | null, ...srcs: Array<Record<string, unknown> | null>) => {
      const d = dst ?? {};
      for (const s of srcs) if (s) mergeInto(d, s, true);
      return d;
    }, 'map'),
    dig: spec([], (...ps: unknown[]) => {
      if (ps.length < 3) throw new Error('dig needs at least three arguments');
      let d = ps[ps.length - 1];
      const def = ps[ps.length - 2];
      const ks = ps.slice(0, -2);
      for (let i = 0; i < ks.length; i++) {
        if (!isMap(d)) throw new Error(`interface conversion: interface {} is ${goTypeName(d)}, not map[string]interface {}`);
        const k = ks[i];
        if (typeof k !== 'string') throw new Error(`interface conversion: interface {} is ${goTypeName(k)}, not string`);
        if (!Object.hasOwn(d, k)) return def;
        d = d[k];
      }
      return d;
    }, 'any'),
    // arithmetic (integers, as Sprig's cast.ToInt64)
    add: spec([], (...v: unknown[]) => v.reduce<number>((a, b) => a + toInt64(b), 0), 'any'),
    add1: spec(['any'], (v: unknown) => toInt64(v) + 1),
    sub: spec(['any', 'any'], (a: unknown, b: unknown) => toInt64(a) - toInt64(b)),
    mul: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => x * toInt64(y), toInt64(a)), 'any'),
    div: spec(['any', 'any'], (a: unknown, b: unknown) => intDiv(toInt64(a), toInt64(b))),
    mod: spec(['any', 'any'], (a: unknown, b: unknown) => {
      const y = toInt64(b);
      if (y === 0) throw new Error('runtime error: integer divide by zero');
      return toInt64(a) % y;
    }),
    max: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => Math.max(x, toInt64(y)), toInt64(a)), 'any'),
    biggest: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => Math.max(x, toInt64(y)), toInt64(a)), 'any'),
    min: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => Math.min(x, toInt64(y)), toInt64(a)), 'any'),
    addf: spec([], (...v: unknown[]) => v.reduce<number>((a, b) => a + toFloat64(b), 0), 'any'),
    subf: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => x - toFloat64(y), toFloat64(a)), 'any'),
    mulf: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => x * toFloat64(y), toFloat64(a)), 'any'),
    divf: spec(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => x / toFloat64(y), toFloat64(a)), 'any'),
    floor: spec(['any'], (v: unknown) => Math.floor(toFloat64(v))),
    ceil: spec(['any'], (v: unknown) => Math.ceil(toFloat64(v))),
    // environment
    env: spec(['string'], (k: string) => envOf()[k] ?? ''),
    expandenv: spec(['string'], (s: string) =>
      s.replace(/\$(\{([^}]*)\}|([A-Za-z0-9_]+)|([*#$@!?-]))/g, (_w, _a, braced, bare, special) => envOf()[(braced ?? bare ?? special) as string] ?? '')),
    // versions and time
    semverCompare: spec(['string', 'string'], semverCompare),
    now: spec([], () => new Date()),
    date: spec(['string', 'any'], (layout: string, d: unknown) => goTimeFormat(toDate(d), layout)),
    unixEpoch: spec(['any'], (d: unknown) => String(Math.floor(toDate(d).getTime() / 1000))),
  };
}
