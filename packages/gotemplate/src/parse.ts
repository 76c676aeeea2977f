// Lexer and parser for Go's text/template language (the grammar of Go 1.23's text/template/parse:
// trim markers, comments, break/continue, `else with`). Error messages follow Go's wording so a
// user can search for them; positions are byte offsets into the template text, like Go's.
import { TemplateError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenType =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'pipe' | 'leftParen' | 'rightParen'
  | 'assign' | 'declare' | 'char' | 'bool' | 'number' | 'charConstant' | 'string' | 'rawString'
  | 'identifier' | 'field' | 'variable' | 'eof' | 'error'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range'
  | 'template' | 'with';

// A Map, not an object literal: "toString" or "constructor" must not look like keywords.
const KEYWORDS = new Map<string, TokenType>([
  ['.', 'dot'], ['block', 'block'], ['break', 'break'], ['continue', 'continue'], ['define', 'define'],
  ['else', 'else'], ['end', 'end'], ['if', 'if'], ['range', 'range'], ['nil', 'nil'], ['template', 'template'],
  ['with', 'with'],
]);
const KEYWORD_TYPES = new Set<TokenType>(KEYWORDS.values());

interface Token {
  type: TokenType;
  val: string;
  pos: number;
  line: number;
}

/** Go's item.String(): how a token is named in "unexpected X in Y". */
function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  const chars = [...t.val];
  if (chars.length > 10) return `${goQuote(chars.slice(0, 10).join(''))}...`;
  return goQuote(t.val);
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => {
  if (c === undefined || c === '') return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return /^[\p{L}\p{Nd}]$/u.test(c);
};

function runeDescription(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

/** strconv.Quote for the common cases (used in messages). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if (/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

function lex(text: string, leftDelim: string, rightDelim: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  const countLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) line++;
  };
  const emit = (type: TokenType, val = text.slice(start, pos)) => {
    tokens.push({ type, val, pos: start, line: startLine });
    countLines(start, pos);
    start = pos;
    startLine = line;
  };
  const ignore = () => {
    countLines(start, pos);
    start = pos;
    startLine = line;
  };
  const fail = (msg: string) => {
    tokens.push({ type: 'error', val: msg, pos: start, line: startLine });
  };
  const hasLeftTrim = (at: number) => text[at] === '-' && isSpace(text[at + 1]);
  const hasRightTrim = (at: number) => isSpace(text[at]) && text[at + 1] === '-';
  // 0: not at the right delimiter; 1: at it; 2: at " -" + delimiter.
  const atRightDelim = (): 0 | 1 | 2 => {
    if (hasRightTrim(pos) && text.startsWith(rightDelim, pos + 2)) return 2;
    return text.startsWith(rightDelim, pos) ? 1 : 0;
  };
  const leftTrimLength = (at: number) => {
    let n = 0;
    while (isSpace(text[at + n])) n++;
    return n;
  };
  const atTerminator = () => {
    const c = text[pos];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:()'.includes(c)) return true;
    return text.startsWith(rightDelim, pos);
  };
  const nextChar = (): string | undefined => {
    if (pos >= text.length) return undefined;
    const code = text.charCodeAt(pos);
    if (code < 0xd800 || code > 0xdbff) return text[pos++];
    const c = String.fromCodePoint(text.codePointAt(pos) as number);
    pos += c.length;
    return c;
  };

  for (;;) {
    // Text up to the next left delimiter.
    const x = text.indexOf(leftDelim, pos);
    if (x < 0) {
      pos = text.length;
      if (pos > start) emit('text');
      tokens.push({ type: 'eof', val: '', pos, line });
      return tokens;
    }
    pos = x;
    let trimLength = 0;
    const delimEnd = x + leftDelim.length;
    if (hasLeftTrim(delimEnd)) {
      let end = x;
      while (end > start && isSpace(text[end - 1])) end--;
      trimLength = x - end;
    }
    pos = x - trimLength;
    if (pos > start) emit('text');
    pos = x;
    ignore();
    // Left delimiter, maybe a comment.
    pos += leftDelim.length;
    const trim = hasLeftTrim(pos);
    const afterMarker = trim ? 2 : 0;
    if (text.startsWith('/*', pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      pos += 2;
      const end = text.indexOf('*/', pos);
      if (end < 0) {
        fail('unclosed comment');
        return tokens;
      }
      pos = end + 2;
      const at = atRightDelim();
      const trimSpace = at === 2;
      if (at === 0) {
        fail('comment ends before closing delimiter');
        return tokens;
      }
      if (trimSpace) pos += 2;
      pos += rightDelim.length;
      if (trimSpace) pos += leftTrimLength(pos);
      ignore();
      continue;
    }
    emit('leftDelim');
    pos += afterMarker;
    ignore();
    // Inside the action.
    let parenDepth = 0;
    for (;;) {
      const at = atRightDelim();
      const trimSpace = at === 2;
      if (at !== 0) {
        if (parenDepth !== 0) {
          fail('unclosed left paren');
          return tokens;
        }
        if (trimSpace) {
          pos += 2;
          ignore();
        }
        pos += rightDelim.length;
        emit('rightDelim');
        if (trimSpace) {
          pos += leftTrimLength(pos);
          ignore();
        }
        break;
      }
      const c = nextChar();
      if (c === undefined) {
        fail('unclosed action');
        return tokens;
      }
      if (isSpace(c)) {
        // Spaces, but not the one that starts a " -}}" trim marker.
        pos--;
        let spaces = 0;
        while (isSpace(text[pos])) {
          pos++;
          spaces++;
        }
        if (hasRightTrim(pos - 1) && text.startsWith(rightDelim, pos + 1)) {
          pos--;
          if (spaces === 1) continue;
        }
        emit('space');
        continue;
      }
      switch (c) {
        case '=':
          emit('assign');
          continue;
        case ':':
          if (text[pos] !== '=') {
            fail('expected :=');
            return tokens;
          }
          pos++;
          emit('declare');
          continue;
        case '|':
          emit('pipe');
          continue;
        case '"': {
          if (!scanQuoted('"')) {
            fail('unterminated quoted string');
            return tokens;
          }
          emit('string');
          continue;
        }
        case '`': {
          const end = text.indexOf('`', pos);
          if (end < 0) {
            fail('unterminated raw quoted string');
            return tokens;
          }
          pos = end + 1;
          emit('rawString');
          continue;
        }
        case "'": {
          if (!scanQuoted("'")) {
            fail('unterminated character constant');
            return tokens;
          }
          emit('charConstant');
          continue;
        }
        case '(':
          emit('leftParen');
          parenDepth++;
          continue;
        case ')':
          parenDepth--;
          if (parenDepth < 0) {
            fail('unexpected right paren');
            return tokens;
          }
          emit('rightParen');
          continue;
      }
      if (c === '$' || (c === '.' && !(text[pos] !== undefined && text[pos]! >= '0' && text[pos]! <= '9'))) {
        // Variable or field (or bare "$" / ".").
        if (atTerminator()) {
          emit(c === '$' ? 'variable' : 'dot');
          continue;
        }
        while (isAlphaNumeric(text[pos])) pos++;
        if (!atTerminator()) {
          fail(`bad character ${runeDescription(String.fromCodePoint(text.codePointAt(pos) as number))}`);
          return tokens;
        }
        emit(c === '$' ? 'variable' : 'field');
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos -= c.length;
        if (!scanNumber()) {
          fail(`bad number syntax: ${goQuote(text.slice(start, pos))}`);
          return tokens;
        }
        emit('number');
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(text[pos])) pos++;
        if (!atTerminator()) {
          fail(`bad character ${runeDescription(String.fromCodePoint(text.codePointAt(pos) as number))}`);
          return tokens;
        }
        const word = text.slice(start, pos);
        const kw = KEYWORDS.get(word);
        if (kw !== undefined && kw !== 'dot') emit(kw);
        else if (word === 'true' || word === 'false') emit('bool');
        else emit('identifier');
        continue;
      }
      if ((c.codePointAt(0) as number) < 0x80 && /^[\x20-\x7e]$/.test(c)) {
        emit('char');
        continue;
      }
      fail(`unrecognized character in action: ${runeDescription(c)}`);
      return tokens;
    }
  }

  function scanQuoted(quote: string): boolean {
    // Quotes, backslashes and newlines are ASCII: code units are enough here.
    const q = quote.charCodeAt(0);
    for (;;) {
      if (pos >= text.length) return false;
      const d = text.charCodeAt(pos++);
      if (d === 92) {
        if (pos >= text.length || text.charCodeAt(pos) === 10) return false;
        pos++;
        continue;
      }
      if (d === 10) return false;
      if (d === q) return true;
    }
  }

  function scanNumber(): boolean {
    const accept = (valid: string) => {
      if (pos < text.length && valid.includes(text[pos] as string)) {
        pos++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string) => {
      while (pos < text.length && valid.includes(text[pos] as string)) pos++;
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(text[pos])) {
      pos++;
      return false;
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes

interface TextNode { type: 'text'; pos: number; text: string }
export interface FieldNode { type: 'field'; pos: number; ident: string[] }
export interface VariableNode { type: 'variable'; pos: number; ident: string[] }
export interface ChainNode { type: 'chain'; pos: number; node: ArgNode; field: string[] }
export interface IdentifierNode { type: 'identifier'; pos: number; name: string }
interface DotNode { type: 'dot'; pos: number }
interface NilNode { type: 'nil'; pos: number }
interface BoolNode { type: 'bool'; pos: number; value: boolean }
export interface NumberNode { type: 'number'; pos: number; text: string; isInt: boolean; isFloat: boolean; value: number }
interface StringNode { type: 'string'; pos: number; quoted: string; text: string }
export interface PipeNode { type: 'pipe'; pos: number; line: number; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }
export interface CommandNode { type: 'command'; pos: number; args: ArgNode[] }
export type ArgNode = FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode;
interface ActionNode { type: 'action'; pos: number; line: number; pipe: PipeNode }
export interface BranchNode { type: 'if' | 'with' | 'range'; pos: number; line: number; pipe: PipeNode; list: ListNode; elseList: ListNode | undefined }
export interface TemplateNode { type: 'template'; pos: number; line: number; name: string; pipe: PipeNode | undefined }
interface LoopControlNode { type: 'break' | 'continue'; pos: number; line: number }
export interface ListNode { type: 'list'; pos: number; nodes: Node[] }
interface EndNode { type: 'end'; pos: number }
interface ElseNode { type: 'else'; pos: number; line: number }
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode;
export type AnyNode = Node | ArgNode | CommandNode | EndNode | ElseNode;

/** Go's Node.String(): used in error contexts ("at <.a.b>"). */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case 'text': return goQuote(n.text);
    case 'field': return n.ident.map((i) => '.' + i).join('');
    case 'variable': return n.ident.join('.');
    case 'chain': return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'identifier': return n.name;
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(n.value);
    case 'number': return n.text;
    case 'string': return n.quoted;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command': return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'action': return `{{${nodeString(n.pipe)}}}`;
    case 'if': case 'with': case 'range': {
      let s = `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList) s += `{{else}}${nodeString(n.elseList)}`;
      return s + '{{end}}';
    }
    case 'template': return n.pipe ? `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${goQuote(n.name)}}}`;
    case 'break': return '{{break}}';
    case 'continue': return '{{continue}}';
    case 'list': return n.nodes.map(nodeString).join('');
    case 'end': return '{{end}}';
    case 'else': return '{{else}}';
  }
}

// ---------------------------------------------------------------------------------------------
// Go literals

/** strconv.Unquote for "..." , `...` and '...'; throws Error('invalid syntax'). */
function unquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new Error('invalid syntax');
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  // Fast path: nothing to unescape.
  if (q === '"' && !body.includes('\\') && !body.includes('"') && !body.includes('\n')) return body;
  const bytes: number[] = [];
  const pushRune = (cp: number) => {
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
  };
  let runes = 0;
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    runes++;
    if (ch === q || ch === '\n') throw new Error('invalid syntax');
    if (ch !== '\\') {
      pushRune(cp);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    if (e !== undefined && simple[e] !== undefined) {
      bytes.push(simple[e] as number);
    } else if (e === q) {
      bytes.push(q.charCodeAt(0));
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
      i += n;
      const v = parseInt(hex, 16);
      if (e === 'x') {
        if (q === "'") pushRune(v);
        else bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new Error('invalid syntax');
        pushRune(v);
      }
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      i += 2;
      const v = parseInt(oct, 8);
      if (v > 255) throw new Error('invalid syntax');
      if (q === "'") pushRune(v);
      else bytes.push(v);
    } else {
      throw new Error('invalid syntax');
    }
  }
  const out = Buffer.from(bytes).toString('utf8');
  if (q === "'" && (runes !== 1 || [...out].length !== 1)) throw new Error('invalid syntax');
  return out;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function parseNumber(pos: number, text: string, isChar: boolean): NumberNode {
  if (isChar) {
    const s = unquote(text);
    const v = s.codePointAt(0) as number;
    return { type: 'number', pos, text, isInt: true, isFloat: true, value: v };
  }
  if (text.endsWith('i')) throw new Error(`complex numbers are not supported: ${goQuote(text)}`);
  const clean = text.replace(/_/g, '');
  let sign = 1n;
  let body = clean;
  if (body[0] === '+' || body[0] === '-') {
    if (body[0] === '-') sign = -1n;
    body = body.slice(1);
  }
  let isInt = false;
  let isFloat = false;
  let value = NaN;
  // Integer syntax.
  if (/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.test(body)) {
    let big: bigint;
    if (/^0[oO]/.test(body)) big = BigInt('0o' + body.slice(2));
    else if (/^0[0-7]+$/.test(body)) big = BigInt('0o' + body.slice(1));
    else big = BigInt(body);
    big *= sign;
    if (big > INT64_MAX || big < INT64_MIN) {
      // Go: a valid but overflowing integer is still a float constant.
      isFloat = true;
      value = Number(big);
    } else {
      isInt = true;
      isFloat = true;
      value = Number(big);
    }
  } else if (/^(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(body)) {
    value = Number(sign) * Number(body);
    isFloat = Number.isFinite(value);
    if (isFloat && Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) isInt = true;
  } else if (/^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+$/.test(body)) {
    const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(body) as RegExpExecArray;
    const mant = parseInt((m[1] || '0') + (m[2] || ''), 16) / 16 ** (m[2] ?? '').length;
    value = Number(sign) * mant * 2 ** Number(m[3]);
    isFloat = true;
    isInt = Number.isInteger(value);
  }
  if (!isInt && !isFloat) throw new Error(`illegal number syntax: ${goQuote(text)}`);
  return { type: 'number', pos, text, isInt, isFloat, value };
}

// ---------------------------------------------------------------------------------------------
// Parser

export interface ParseContext {
  name: string;
  text: string;
  leftDelim: string;
  rightDelim: string;
  hasFunction: (name: string) => boolean;
}

function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'list': return n.nodes.every(isEmptyTree);
    case 'text': return n.text.trim() === '';
    default: return false;
  }
}

export function parseTemplate(ctx: ParseContext): Map<string, ListNode> {
  const tokens = lex(ctx.text, ctx.leftDelim, ctx.rightDelim);
  const treeSet = new Map<string, ListNode>();
  let i = 0;
  let last: Token = tokens[0] as Token;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  let parenDepth = 0;

  const errorf = (msg: string): never => {
    throw new TemplateError(`template: ${ctx.name}:${last.line}: ${msg}`, { name: ctx.name, line: last.line, kind: 'parse' });
  };
  const next = (): Token => {
    last = tokens[Math.min(i, tokens.length - 1)] as Token;
    i++;
    return last;
  };
  const backup = (n = 1) => {
    i -= n;
  };
  const peek = (): Token => tokens[Math.min(i, tokens.length - 1)] as Token;
  const nextNonSpace = (): Token => {
    let t = next();
    while (t.type === 'space') t = next();
    return t;
  };
  const peekNonSpace = (): Token => {
    const t = nextNonSpace();
    backup();
    return t;
  };
  let actionLine = 0;
  const unexpected = (t: Token, context: string): never => {
    if (t.type === 'error') {
      let extra = '';
      if (actionLine !== 0 && actionLine !== t.line) {
        extra = ` in action started at ${ctx.name}:${actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      return errorf(t.val + extra);
    }
    return errorf(`unexpected ${tokenString(t)} in ${context}`);
  };
  const expect = (type: TokenType, context: string): Token => {
    const t = nextNonSpace();
    if (t.type !== type) unexpected(t, context);
    return t;
  };
  const add = (name: string, root: ListNode) => {
    const existing = treeSet.get(name);
    if (existing === undefined || isEmptyTree(existing)) {
      treeSet.set(name, root);
      return;
    }
    if (!isEmptyTree(root)) errorf(`template: multiple definition of template ${goQuote(name)}`);
  };

  function templateName(t: Token, context: string): string {
    if (t.type !== 'string' && t.type !== 'rawString') unexpected(t, context);
    try {
      return unquote(t.val);
    } catch (e) {
      return errorf((e as Error).message);
    }
  }

  function itemList(): { list: ListNode; next: EndNode | ElseNode } {
    const list: ListNode = { type: 'list', pos: peekNonSpace().pos, nodes: [] };
    while (peekNonSpace().type !== 'eof') {
      const n = textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, next: n };
      list.nodes.push(n);
    }
    return errorf('unexpected EOF');
  }

  function textOrAction(): Node | EndNode | ElseNode {
    const t = nextNonSpace();
    if (t.type === 'text') return { type: 'text', pos: t.pos, text: t.val };
    if (t.type === 'leftDelim') {
      actionLine = t.line;
      try {
        return action();
      } finally {
        actionLine = 0;
      }
    }
    return unexpected(t, 'input');
  }

  function action(): Node | EndNode | ElseNode {
    const t = nextNonSpace();
    switch (t.type) {
      case 'block': return blockControl();
      case 'break': case 'continue': {
        const after = nextNonSpace();
        if (after.type !== 'rightDelim') unexpected(after, `{{${t.type}}}`);
        if (rangeDepth === 0) errorf(`{{${t.type}}} outside {{range}}`);
        return { type: t.type, pos: t.pos, line: t.line };
      }
      case 'else': {
        const p = peekNonSpace();
        if (p.type === 'if' || p.type === 'with') return { type: 'else', pos: p.pos, line: p.line };
        const r = expect('rightDelim', 'else');
        return { type: 'else', pos: r.pos, line: r.line };
      }
      case 'end': return { type: 'end', pos: expect('rightDelim', 'end').pos };
      case 'if': case 'with': return control(t.type);
      case 'range':
        return control('range');
      case 'template': {
        const nameTok = nextNonSpace();
        const name = templateName(nameTok, 'template clause');
        let pipe: PipeNode | undefined;
        if (nextNonSpace().type !== 'rightDelim') {
          backup();
          pipe = pipeline('template clause');
        }
        return { type: 'template', pos: nameTok.pos, line: nameTok.line, name, pipe };
      }
    }
    backup();
    const p = peek();
    return { type: 'action', pos: p.pos, line: p.line, pipe: pipeline('command') };
  }

  function control(kind: 'if' | 'with' | 'range'): BranchNode {
    const mark = vars.length;
    const pipe = pipeline(kind);
    if (kind === 'range') rangeDepth++;
    const { list, next: nx } = itemList();
    if (kind === 'range') rangeDepth--;
    let elseList: ListNode | undefined;
    if (nx.type === 'else') {
      const p = peek();
      if ((kind === 'if' && p.type === 'if') || (kind === 'with' && p.type === 'with')) {
        next();
        elseList = { type: 'list', pos: nx.pos, nodes: [control(kind)] };
      } else {
        const r = itemList();
        elseList = r.list;
        if (r.next.type !== 'end') errorf(`expected end; found ${nodeString(r.next)}`);
      }
    }
    vars = vars.slice(0, mark);
    return { type: kind, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  function blockControl(): TemplateNode {
    const context = 'block clause';
    const nameTok = nextNonSpace();
    const name = templateName(nameTok, context);
    const pipe = pipeline(context);
    const saved = { vars, rangeDepth };
    vars = ['$'];
    rangeDepth = 0;
    const { list, next: end } = itemList();
    if (end.type !== 'end') errorf(`unexpected ${nodeString(end)} in ${context}`);
    add(name, list);
    ({ vars, rangeDepth } = saved);
    return { type: 'template', pos: nameTok.pos, line: nameTok.line, name, pipe };
  }

  function parseDefinition() {
    const context = 'define clause';
    const t = nextNonSpace();
    if (t.type !== 'string' && t.type !== 'rawString') unexpected(t, context);
    const name = templateName(t, context);
    expect('rightDelim', context);
    const saved = { vars, rangeDepth };
    vars = ['$'];
    rangeDepth = 0;
    const { list, next: end } = itemList();
    if (end.type !== 'end') errorf(`unexpected ${nodeString(end)} in ${context}`);
    add(name, list);
    ({ vars, rangeDepth } = saved);
  }

  function pipeline(context: string): PipeNode {
    const first = peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = peekNonSpace();
      if (v.type !== 'variable') break;
      nextNonSpace();
      const afterVariable = peek();
      const nx = peekNonSpace();
      if (nx.type === 'assign' || nx.type === 'declare') {
        pipe.isAssign = nx.type === 'assign';
        nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        vars.push(v.val);
      } else if (nx.type === 'char' && nx.val === ',') {
        nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue decls;
          errorf('range can only initialize variables');
        }
        errorf(`too many declarations in ${context}`);
      } else if (afterVariable.type === 'space') {
        // "$x foo": $x is an argument; back up to the variable.
        while (tokens[i - 1] !== v) backup();
        backup();
      } else {
        while (tokens[i - 1] !== v) backup();
        backup();
      }
      break;
    }
    for (;;) {
      const t = nextNonSpace();
      switch (t.type) {
        case 'rightDelim': case 'rightParen':
          checkPipeline(pipe, context);
          if (t.type === 'rightParen') backup();
          return pipe;
        case 'bool': case 'charConstant': case 'dot': case 'field': case 'identifier': case 'number':
        case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          backup();
          pipe.cmds.push(command());
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  function checkPipeline(pipe: PipeNode, context: string) {
    if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, idx) => {
      const t = (c.args[0] as ArgNode).type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        errorf(`non executable command in pipeline stage ${idx + 2}`);
      }
    });
  }

  function command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.type === 'space') continue;
      if (t.type === 'error') unexpected(t, 'operand');
      else if (t.type === 'rightDelim' || t.type === 'rightParen') backup();
      else if (t.type !== 'pipe') errorf(`unexpected ${tokenString(t)} in operand`);
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  }

  function operand(): ArgNode | undefined {
    const node = term();
    if (!node) return undefined;
    if (peek().type === 'field') {
      const pos = peek().pos;
      const fields: string[] = [];
      while (peek().type === 'field') fields.push(next().val.slice(1));
      switch (node.type) {
        case 'field': return { type: 'field', pos, ident: [...node.ident, ...fields] };
        case 'variable': return { type: 'variable', pos, ident: [...node.ident, ...fields] };
        case 'bool': case 'string': case 'number': case 'nil': case 'dot':
          return errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
        default: return { type: 'chain', pos, node, field: fields };
      }
    }
    return node;
  }

  function term(): ArgNode | undefined {
    const t = nextNonSpace();
    switch (t.type) {
      case 'error': return unexpected(t, 'operand');
      case 'identifier':
        if (!ctx.hasFunction(t.val)) errorf(`function ${goQuote(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, name: t.val };
      case 'dot': return { type: 'dot', pos: t.pos };
      case 'nil': return { type: 'nil', pos: t.pos };
      case 'variable': {
        const ident = t.val.split('.');
        if (!vars.includes(ident[0] as string)) errorf(`undefined variable ${goQuote(ident[0] as string)}`);
        return { type: 'variable', pos: t.pos, ident };
      }
      case 'field': return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool': return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant': case 'number':
        try {
          return parseNumber(t.pos, t.val, t.type === 'charConstant');
        } catch (e) {
          return errorf((e as Error).message);
        }
      case 'leftParen': {
        // Go limits expression depth (10000; 1000 on wasm, whose stack is small like ours).
        if (parenDepth >= 1000) errorf('max expression depth exceeded');
        parenDepth++;
        const p = pipeline('parenthesized pipeline');
        parenDepth--;
        const close = next();
        if (close.type !== 'rightParen') errorf(`unclosed right paren: unexpected ${tokenString(close)}`);
        return p;
      }
      case 'string': case 'rawString':
        try {
          return { type: 'string', pos: t.pos, quoted: t.val, text: unquote(t.val) };
        } catch (e) {
          return errorf((e as Error).message);
        }
    }
    backup();
    return undefined;
  }

  // Top level: like itemList, but also {{define}}.
  const root: ListNode = { type: 'list', pos: peek().pos, nodes: [] };
  while (peek().type !== 'eof') {
    if (peek().type === 'leftDelim') {
      next();
      if (nextNonSpace().type === 'define') {
        parseDefinition();
        continue;
      }
      // Back up to just before the delimiter.
      while (tokens[i - 1]?.type !== 'leftDelim') backup();
      backup();
    }
    const n = textOrAction();
    if (n.type === 'end' || n.type === 'else') errorf(`unexpected ${nodeString(n)}`);
    root.nodes.push(n as Node);
  }
  add(ctx.name, root);
  return treeSet;
}
