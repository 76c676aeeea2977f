// Go text/template's predefined functions (funcs.go).
import { AND, OR, truth, type FuncSpec } from './exec.js';
import { formatV, goTypeName, isMap, sprint, sprintf, sprintln } from './fmt.js';

const indirect = (v: unknown) => (v === null ? undefined : v);

function length(item: unknown): number {
  const v = indirect(item);
  if (v === undefined) throw new Error('len of nil pointer');
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

function indexArg(index: unknown, cap: number): number {
  const x = indirect(index);
  if (x === undefined) throw new Error('cannot index slice/array with nil');
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`cannot index slice/array with type ${goTypeName(x)}`);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  let v: unknown = indirect(item);
  if (v === undefined) throw new Error('index of untyped nil');
  for (const raw of indexes) {
    if (v === undefined || v === null) throw new Error('index of nil pointer');
    if (typeof v === 'string' || Array.isArray(v)) {
      const bytes: Buffer | undefined = typeof v === 'string' ? Buffer.from(v, 'utf8') : undefined;
      const len: number = bytes ? bytes.length : (v as unknown[]).length;
      const x = indexArg(raw, len);
      if (x === len) throw new Error(`index out of range: ${x}`);
      v = bytes ? bytes[x] : (v as unknown[])[x];
    } else if (isMap(v)) {
      const key = indirect(raw);
      if (key === undefined) throw new Error('value is nil; should be of type string');
      if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key)}; should be string`);
      v = Object.hasOwn(v, key) ? v[key] : null;
    } else {
      throw new Error(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  const v = indirect(item);
  if (v === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Buffer | undefined;
  if (typeof v === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    bytes = Buffer.from(v, 'utf8');
    len = bytes.length;
  } else if (Array.isArray(v)) {
    len = v.length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(v)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, len);
  });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return bytes ? bytes.subarray(idx[0], idx[1]).toString('utf8') : (v as unknown[]).slice(idx[0], idx[1]);
}

type Kind = 'nil' | 'bool' | 'number' | 'string' | 'other';
const basicKind = (v: unknown): Kind => {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'string') return 'string';
  return 'other';
};

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new Error('incompatible types for comparison');
    } else if (k1 === 'nil') {
      t = true;
    } else if (k1 === 'other') {
      if (goTypeName(arg1) !== goTypeName(arg)) {
        throw new Error(`non-comparable types ${formatV(arg1)}: ${goTypeName(arg1)}, ${goTypeName(arg)}: ${formatV(arg)}`);
      }
      throw new Error(`non-comparable type ${formatV(arg)}: ${goTypeName(arg)}`);
    } else {
      t = arg1 == arg;
    }
    if (t) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 !== 'number' && k1 !== 'string') throw new Error('invalid type for comparison');
  return (a as number) < (b as number);
}

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  // Go passes nil through printableValue here, which names it "<no value>".
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    switch (c) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
    }
    if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c)) out += c;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export const builtins: Record<string, FuncSpec> = {
  and: AND,
  or: OR,
  not: { params: ['value'], fn: (a: unknown) => !truth(a) },
  len: { params: ['value'], fn: length },
  index: { params: ['value'], variadic: 'value', fn: index },
  slice: { params: ['value'], variadic: 'value', fn: slice },
  print: { params: [], variadic: 'any', fn: (...a: unknown[]) => sprint(a) },
  printf: { params: ['string'], variadic: 'any', fn: (f: string, ...a: unknown[]) => sprintf(f, a) },
  println: { params: [], variadic: 'any', fn: (...a: unknown[]) => sprintln(a) },
  eq: { params: ['value'], variadic: 'value', fn: eq },
  ne: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !eq(a, b) },
  lt: { params: ['value', 'value'], fn: lt },
  le: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => lt(a, b) || eq(a, b) },
  gt: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !(lt(a, b) || eq(a, b)) },
  ge: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !lt(a, b) },
  html: { params: [], variadic: 'any', fn: (...a: unknown[]) => htmlEscape(evalArgs(a)) },
  js: { params: [], variadic: 'any', fn: (...a: unknown[]) => jsEscape(evalArgs(a)) },
  urlquery: { params: [], variadic: 'any', fn: (...a: unknown[]) => queryEscape(evalArgs(a)) },
  call: {
    params: ['value'],
    variadic: 'value',
    fn: (f: unknown, ...a: unknown[]) => {
      if (f === undefined || f === null) throw new Error('call of nil');
      if (typeof f !== 'function') throw new Error(`non-function of type ${goTypeName(f)}`);
      return f(...a.map((x) => (x === undefined ? null : x)));
    },
  },
};

