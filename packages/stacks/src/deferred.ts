/**
 * Deferred YAML functions: `!terraform.output`, `!terraform.state`, `!store`, `!store.get`. Their
 * value lives outside the manifests (another component's state, a store), so loading leaves them as
 * markers (the parser's AtmosTag, with its file and line) that survive the merge; they are
 * evaluated only for the components a command describes or runs (Atmos does the same: it
 * processes them when a component is described, not when stacks are listed).
 *
 * Argument forms (Atmos pkg/function/parser):
 *   !terraform.output <component> [<stack>] <output-or-expression>
 *   !terraform.state  <component> [<stack>] <output-or-expression>
 *   !store <store> [<stack>] <component> <key> [| default <value>] [| query <expression>]
 *   !store.get <store> <key> [| default <value>] [| query <expression>]
 *
 * An expression is a subset of yq: a path (`.a.b[0]["k"]`), optionally `// <default>`; a bare
 * name is the output of that name.
 */
import { AtmosTag, TfwrapError } from '@tfwrap/core';
import { DeferredMerge, mapTags } from './merge.js';

export const deferredTagNames: ReadonlySet<string> = new Set(['!terraform.output', '!terraform.state', '!store', '!store.get']);

export function isDeferred(value: unknown): value is AtmosTag {
  return value instanceof AtmosTag && deferredTagNames.has(value.tag);
}

export interface TerraformCall {
  fn: 'terraform.output' | 'terraform.state';
  component: string;
  /** Undefined: the stack of the component using the function. */
  stack?: string;
  expression: PathExpression;
}

export interface StoreCall {
  fn: 'store' | 'store.get';
  store: string;
  stack?: string;
  /** Undefined for `!store.get`. */
  component?: string;
  key: string;
  /** `| default <value>`: used when the store has no such key. */
  default?: string;
  query?: PathExpression;
}

export type DeferredCall = TerraformCall | StoreCall;

/** A parsed yq-subset expression: a path into the value, and a default when the path finds nothing. */
export interface PathExpression {
  text: string;
  path: Array<string | number>;
  /** Present when the expression has `// <default>`. */
  default?: { value: unknown };
}

interface Token {
  text: string;
  quoted: boolean;
  pipe: boolean;
  offset: number;
}

function tokenize(input: string, fail: (message: string) => never): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|"(?:[^"\r\n]|"")*"|'(?:[^'\r\n]|'')*'|\||[^\s|]+/g;
  for (const match of input.matchAll(pattern)) {
    const text = match[0];
    if (/^\s+$/.test(text)) continue;
    const quoted = text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[0] === text[text.length - 1];
    if (!quoted && (text.startsWith('"') || text.startsWith("'"))) fail(`unterminated quoted value ${text}`);
    tokens.push({ text, quoted, pipe: text === '|', offset: match.index });
  }
  return tokens;
}

function unquote(value: string): string {
  const text = value.trim();
  if (text.length < 2 || text[0] !== text[text.length - 1]) return text;
  if (text[0] === "'") return text.slice(1, -1).replace(/''/g, "'");
  if (text[0] === '"') return text.slice(1, -1).replace(/""/g, '"');
  return text;
}

const isExpressionStart = (text: string) => '.[{|\'"'.includes(text.trim()[0] ?? ' ');

/** The call a deferred tag stands for; malformed arguments are E_STACK_INVALID at the tag's file:line. */
export function parseDeferredCall(tag: AtmosTag): DeferredCall {
  const fail = (message: string, hint?: string): never => {
    throw new TfwrapError('E_STACK_INVALID', `${tag.tag} ${tag.argument}: ${message}`, { location: { file: tag.file, line: tag.line }, hint });
  };
  const input = tag.argument;
  const tokens = tokenize(input, fail);
  switch (tag.tag) {
    case '!terraform.output':
    case '!terraform.state': {
      const usage = `write ${tag.tag} <component> [<stack>] <output>`;
      if (tokens.length < 2) fail('needs a component and an output', usage);
      const component = unquote(tokens[0]!.text);
      let stack: string | undefined;
      let rest: Token;
      if (tokens.length === 2 || isExpressionStart(tokens[1]!.text)) rest = tokens[1]!;
      else {
        if (tokens.length > 3 && !isExpressionStart(tokens[2]!.text)) fail('takes 2 or 3 arguments', usage);
        stack = unquote(tokens[1]!.text);
        rest = tokens[2]!;
      }
      const expressionText = unquote(input.slice(rest.offset));
      if (component === '') fail('the component must not be empty', usage);
      if (expressionText === '') fail('the output must not be empty', usage);
      const fn = tag.tag === '!terraform.output' ? 'terraform.output' : 'terraform.state';
      return { fn, component, ...(stack === undefined ? {} : { stack }), expression: parsePathExpression(expressionText, fail) };
    }
    case '!store':
    case '!store.get': {
      // Options: `| default <value>` and `| query <expression>`, after the positional words.
      const first = tokens.findIndex((token, index) => token.pipe && ['default', 'query'].includes(unquote(tokens[index + 1]?.text ?? '')));
      const head = first < 0 ? tokens : tokens.slice(0, first);
      if (head.some((token) => token.pipe)) fail('unexpected |', 'options are | default <value> and | query <expression>');
      const words = head.map((token) => unquote(token.text));
      let defaultValue: string | undefined;
      let query: PathExpression | undefined;
      if (first >= 0) {
        const optionStarts = tokens.map((token, index) => (index >= first && token.pipe && ['default', 'query'].includes(unquote(tokens[index + 1]?.text ?? '')) ? index : -1)).filter((index) => index >= 0);
        optionStarts.forEach((start, position) => {
          const end = optionStarts[position + 1] ?? tokens.length;
          const keyword = unquote(tokens[start + 1]!.text);
          const valueTokens = tokens.slice(start + 2, end);
          if (valueTokens.length === 0) fail(`| ${keyword} needs a value`);
          if (keyword === 'default' && valueTokens.length !== 1) fail('| default takes one value (quote it when it has spaces)');
          const last = valueTokens[valueTokens.length - 1]!;
          const text = unquote(input.slice(valueTokens[0]!.offset, last.offset + last.text.length));
          if (keyword === 'default') defaultValue = text;
          else query = parsePathExpression(text, fail);
        });
      }
      const options = { ...(defaultValue === undefined ? {} : { default: defaultValue }), ...(query ? { query } : {}) };
      if (tag.tag === '!store.get') {
        if (words.length !== 2) fail('takes 2 arguments', 'write !store.get <store> <key>');
        return { fn: 'store.get', store: words[0]!, key: words[1]!, ...options };
      }
      if (words.length !== 3 && words.length !== 4) fail('takes 3 or 4 arguments', 'write !store <store> [<stack>] <component> <key>');
      const [store, ...rest] = words as [string, ...string[]];
      const [stack, component, key] = rest.length === 3 ? rest : [undefined, ...rest];
      return { fn: 'store', store, ...(stack === undefined ? {} : { stack }), component: component!, key: key!, ...options };
    }
    default:
      return fail('is not a deferred function');
  }
}

/**
 * The yq subset tfwrap reads: `.a.b`, `.a[0]`, `.a["k"]`, `."k"`, `.`, and `<path> // <default>`
 * (the default is JSON, or text). A bare word is `.<word>`. Anything else (pipes, functions) is
 * an error: tfwrap does not embed yq.
 */
export function parsePathExpression(text: string, fail: (message: string, hint?: string) => never): PathExpression {
  const [pathText, defaultText] = splitDefault(text);
  let source = pathText.trim();
  if (!source.startsWith('.') && !source.startsWith('[')) source = `.${source}`;
  const path: Array<string | number> = [];
  const segment = /^(?:\.([A-Za-z_][\w-]*)|\.?\[\s*(-?\d+)\s*\]|\.?\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\.?\[\s*'([^']*)'\s*\]|\."((?:[^"\\]|\\.)*)")/;
  let rest = source === '.' ? '' : source;
  while (rest !== '') {
    const match = segment.exec(rest);
    if (!match) {
      fail(`expression "${text}" is not a path tfwrap can read`, 'tfwrap reads paths (.a.b[0]["key"]) with an optional // default, not full yq');
    }
    const [whole, name, index, doubleQuoted, singleQuoted, quotedName] = match!;
    if (name !== undefined) path.push(name);
    else if (index !== undefined) path.push(Number(index));
    else if (singleQuoted !== undefined) path.push(singleQuoted);
    else path.push(JSON.parse(`"${doubleQuoted ?? quotedName ?? ''}"`) as string);
    rest = rest.slice(whole.length);
  }
  if (defaultText === undefined) return { text, path };
  const trimmed = defaultText.trim();
  if (trimmed === '') fail(`expression "${text}" has // without a default`);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    value = unquote(trimmed);
  }
  return { text, path, default: { value } };
}

/** `a // b` split at the first `//` outside quotes. */
function splitDefault(text: string): [string, string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '/' && text[i + 1] === '/') return [text.slice(0, i), text.slice(i + 2)];
  }
  return [text, undefined];
}

/** The value at `path` in `value`; found is false when a step is missing. */
export function valueAtPath(value: unknown, path: ReadonlyArray<string | number>): { found: boolean; value?: unknown } {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return { found: false };
      const index = step < 0 ? current.length + step : step;
      if (index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}

/** Every deferred tag in `value`, in document order. */
export function deferredTagsIn(value: unknown, found: AtmosTag[] = []): AtmosTag[] {
  if (isDeferred(value)) found.push(value);
  else if (value instanceof DeferredMerge) deferredTagsIn(value.parts(), found);
  else if (Array.isArray(value)) for (const item of value) deferredTagsIn(item, found);
  else if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof AtmosTag)) {
    for (const item of Object.values(value)) deferredTagsIn(item, found);
  }
  return found;
}

/** `value` with each deferred tag replaced by what `evaluate` gives for it (a new tree where anything changed). */
export async function replaceDeferred(value: unknown, evaluate: (tag: AtmosTag) => Promise<unknown>): Promise<unknown> {
  if (isDeferred(value)) return evaluate(value);
  if (value instanceof DeferredMerge) {
    // Evaluated in merge order, then merged as Atmos merges them (merge.ts).
    const parts = new Map<unknown, unknown>();
    for (const part of value.parts()) if (!parts.has(part)) parts.set(part, await replaceDeferred(part, evaluate));
    const evaluated = value.map((part) => parts.get(part));
    return evaluated.holdsTag() ? evaluated : evaluated.resolve();
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await replaceDeferred(item, evaluate));
    return items;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof AtmosTag)) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = await replaceDeferred((value as Record<string, unknown>)[key], evaluate);
      if (key === '__proto__') Object.defineProperty(result, key, { value: item, enumerable: true, writable: true, configurable: true });
      else result[key] = item;
    }
    return result;
  }
  return value;
}

/** Deferred tags shown as the text they were written as (`describe stacks` does not evaluate them). */
export function deferredAsText(value: unknown): unknown {
  return mapTags(value, (tag) => `${tag.tag} ${tag.argument}`.trim());
}
