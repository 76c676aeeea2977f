// Go's fmt for the values a template sees (strings, numbers, bools, nil, []interface{},
// map[string]interface{}): Sprint, Sprintln, Sprintf and the %v rendering of composites.
//
// JavaScript has one number type. An integral number is treated as Go's int and any other as
// float64 (what YAML and JSON decoding give Go for the same input); %f/%e/%g also accept integral
// numbers, where Go would print %!f(int=5), because JavaScript cannot tell 5 from 5.0.
import { goQuote } from './parse.js';

export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Go's %T for template values. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string': return 'string';
    case 'number': return Number.isInteger(v) ? 'int' : 'float64';
    case 'bigint': return 'int64';
    case 'boolean': return 'bool';
    case 'function': return 'func(...interface {}) interface {}';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  return 'map[string]interface {}';
}

/** Keys in Go's map order for printing and ranging (sorted). */
export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}
const noFlags: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };

const runeLength = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function pad(s: string, f: Flags, zeroOk = true): string {
  if (f.width === undefined) return s;
  const n = f.width - runeLength(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && zeroOk) {
    // Zeros go after a sign.
    if (s[0] === '-' || s[0] === '+' || s[0] === ' ') return s[0] + '0'.repeat(n) + s.slice(1);
    return '0'.repeat(n) + s;
  }
  return ' '.repeat(n) + s;
}

function signed(neg: boolean, digits: string, f: Flags): string {
  if (neg) return '-' + digits;
  if (f.plus) return '+' + digits;
  if (f.space) return ' ' + digits;
  return digits;
}

/** strconv.FormatFloat for 'e', 'f', 'g' with Go's conventions (two-digit exponents, shortest %v). */
function formatFloat(v: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number, f: Flags = noFlags): string {
  if (Number.isNaN(v)) return pad(f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN', f, false);
  if (!Number.isFinite(v)) return pad(v < 0 ? '-Inf' : f.space && !f.plus ? ' Inf' : '+Inf', f, false);
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  const exp2 = (e: number, upper: boolean) => (upper ? 'E' : 'e') + (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
  let body: string;
  if (verb === 'f' || verb === 'F') {
    body = a.toFixed(prec < 0 ? 6 : Math.min(prec, 100));
  } else if (verb === 'e' || verb === 'E') {
    const s = prec < 0 ? a.toExponential() : a.toExponential(Math.min(prec, 100));
    const [m, e] = s.split('e') as [string, string];
    body = m + exp2(Number(e), verb === 'E');
  } else {
    const shortest = prec < 0;
    const p = prec === 0 ? 1 : prec;
    const s = shortest ? a.toExponential() : a.toExponential(Math.min(p, 101) - 1);
    const [m, e] = s.split('e') as [string, string];
    let digits = m.replace('.', '');
    const exp = a === 0 ? 0 : Number(e);
    digits = digits.replace(/0+$/, '') || '0';
    const nd = digits.length;
    const dp = exp + 1;
    let eprec = p;
    if (!shortest && eprec > nd && nd >= dp) eprec = nd;
    if (shortest) eprec = 6;
    if (exp < -4 || exp >= eprec) {
      body = digits[0] + (nd > 1 ? '.' + digits.slice(1) : '') + exp2(exp, verb === 'G');
    } else {
      body = a.toFixed(Math.max(nd - dp, 0));
    }
    if (f.sharp && !body.includes('.')) body += '.';
  }
  const s = signed(neg, body, f);
  return pad(s, f);
}

function formatInt(v: number, verb: string, f: Flags): string {
  const neg = v < 0;
  const a = Math.abs(v);
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'b': digits = a.toString(2); if (f.sharp) prefix = '0b'; break;
    case 'o': digits = a.toString(8); if (f.sharp) prefix = '0'; break;
    case 'O': digits = a.toString(8); prefix = '0o'; break;
    case 'x': digits = a.toString(16); if (f.sharp) prefix = '0x'; break;
    case 'X': digits = a.toString(16).toUpperCase(); if (f.sharp) prefix = '0X'; break;
    default: digits = BigInt(a).toString(10);
  }
  if (f.prec !== undefined) {
    digits = f.prec === 0 && a === 0 ? '' : digits.padStart(f.prec, '0');
    return pad(signed(neg, prefix + digits, f), { ...f, zero: false });
  }
  if (f.zero && !f.minus && f.width !== undefined) {
    const sign = neg || f.plus || f.space ? 1 : 0;
    digits = digits.padStart(f.width - sign - prefix.length, '0');
  }
  return pad(signed(neg, prefix + digits, f), { ...f, zero: false });
}

function hexString(s: string, verb: 'x' | 'X', f: Flags): string {
  const bytes = [...Buffer.from(s, 'utf8')];
  const parts = bytes.map((b) => {
    const h = b.toString(16).padStart(2, '0');
    return verb === 'X' ? h.toUpperCase() : h;
  });
  const pre = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
  if (f.space) return parts.map((p) => pre + p).join(' ');
  return pre + parts.join('');
}

function truncateRunes(s: string, prec: number | undefined): string {
  if (prec === undefined) return s;
  return [...s].slice(0, prec).join('');
}

function quoteASCII(s: string): string {
  const q = goQuote(s);
  return q.replace(/[^\x00-\x7f]/gu, (c) => {
    const cp = c.codePointAt(0) as number;
    return cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
  });
}

function quoteRune(cp: number): string {
  const s = String.fromCodePoint(cp);
  if (s === "'") return "'\\''";
  if (s === '"') return `'"'`;
  return `'${goQuote(s).slice(1, -1)}'`;
}

/** Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
function timeString(d: Date): string {
  const iso = d.toISOString();
  let frac = String(d.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '');
  if (frac) frac = '.' + frac;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

/** One operand under one verb, as fmt prints it; `depth` > 0 inside a slice or map. */
function fmtValue(v: unknown, verb: string, f: Flags, depth: number): string {
  if (verb === 'T') return pad(goTypeName(v), f);
  if (v === null || v === undefined) {
    if (depth > 0 || verb === 'v') return pad('<nil>', f);
    return badVerb(v, verb);
  }
  if (typeof v === 'boolean') {
    if (verb === 'v' || verb === 't') return pad(String(v), f);
    return badVerb(v, verb);
  }
  if (typeof v === 'bigint') return fmtValue(Number(v), verb, f, depth);
  if (typeof v === 'number') {
    const isInt = Number.isInteger(v) && Math.abs(v) < 2 ** 63;
    switch (verb) {
      case 'v':
        return isInt ? formatInt(v, 'd', f) : formatFloat(v, 'g', f.prec ?? -1, f);
      case 'd': case 'b': case 'o': case 'O': case 'x': case 'X':
        if (isInt) return formatInt(v, verb, f);
        if (verb === 'x' || verb === 'X' || verb === 'b') break;
        return badVerb(v, verb);
      case 'c':
        return isInt ? pad(String.fromCodePoint(v), f) : badVerb(v, verb);
      case 'q':
        return isInt ? pad(quoteRune(v), f) : badVerb(v, verb);
      case 'U':
        return isInt ? pad('U+' + v.toString(16).toUpperCase().padStart(4, '0'), f) : badVerb(v, verb);
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        return formatFloat(v, verb, f.prec ?? (verb === 'g' || verb === 'G' ? -1 : 6), f);
    }
    return badVerb(v, verb);
  }
  if (typeof v === 'string') {
    switch (verb) {
      case 'v': case 's': return pad(truncateRunes(v, f.prec), f);
      case 'q': {
        const s = truncateRunes(v, f.prec);
        if (f.sharp && !s.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return pad('`' + s + '`', f);
        return pad(f.plus ? quoteASCII(s) : goQuote(s), f);
      }
      case 'x': case 'X': return pad(hexString(truncateRunes(v, f.prec), verb, f), f);
    }
    return badVerb(v, verb);
  }
  if (v instanceof Date) return verb === 'v' || verb === 's' ? pad(timeString(v), f) : badVerb(v, verb);
  if (typeof v === 'function') return verb === 'v' || verb === 'p' ? pad('0x1', f) : badVerb(v, verb);
  if (Array.isArray(v)) {
    const inner = v.map((e) => fmtValue(e, verb, { ...f, width: f.width }, depth + 1)).join(' ');
    return '[' + inner + ']';
  }
  const m = v as Record<string, unknown>;
  const parts = sortedKeys(m).map((k) => `${fmtValue(k, verb, f, depth + 1)}:${fmtValue(m[k], verb, f, depth + 1)}`);
  return 'map[' + parts.join(' ') + ']';
}

function badVerb(v: unknown, verb: string): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${fmtValue(v, 'v', noFlags, 0)})`;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += fmtValue(a, 'v', noFlags, 0);
  }
  return out;
}

/** fmt.Sprintln: spaces always, newline at the end. */
export function sprintln(args: unknown[]): string {
  return args.map((a) => fmtValue(a, 'v', noFlags, 0)).join(' ') + '\n';
}

/** %v of one value (Go's fmt.Sprint(v)). */
export function formatV(v: unknown): string {
  return fmtValue(v, 'v', noFlags, 0);
}

/** fmt.Sprintf with flags, width, precision, `*`, explicit argument indexes and Go's error marks. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum: boolean;
  const end = format.length;
  let i = 0;
  const parseNum = (): number | undefined => {
    let j = i;
    while (j < end && format[j]! >= '0' && format[j]! <= '9') j++;
    if (j === i) return undefined;
    const n = Number(format.slice(i, j));
    i = j;
    return n;
  };
  const argIndex = () => {
    // [n] sets the argument number (1-based).
    if (format[i] !== '[') return;
    reordered = true;
    const close = format.indexOf(']', i);
    const n = close < 0 ? NaN : Number(format.slice(i + 1, close));
    if (close < 0 || !Number.isInteger(n) || n < 1 || n > args.length) {
      goodArgNum = false;
      i = close < 0 ? end : close + 1;
      return;
    }
    argNum = n - 1;
    i = close + 1;
  };
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...noFlags };
    for (; i < end; i++) {
      const c = format[i];
      if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = !f.minus;
      else break;
    }
    goodArgNum = true;
    argIndex();
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'number' && Number.isInteger(w)) {
        f.width = Math.abs(w);
        if (w < 0) f.minus = true;
      } else out += '%!(BADWIDTH)';
    } else {
      f.width = parseNum();
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'number' && Number.isInteger(p) && p >= 0) f.prec = p;
        else out += '%!(BADPREC)';
      } else {
        f.prec = parseNum() ?? 0;
      }
    }
    argIndex();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++];
    if (verb === 'w') {
      out += fmtValue(arg, 'v', f, 0);
      continue;
    }
    if (!/^[vTtbcdoOqxXUeEfFgGsp]$/.test(verb)) {
      out += badVerb(arg, verb);
      continue;
    }
    out += fmtValue(arg, verb, f, 0);
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => `${goTypeName(a)}=${formatV(a)}`).join(', ') + ')';
  }
  return out;
}
