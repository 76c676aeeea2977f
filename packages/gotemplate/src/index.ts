// Go text/template, with the Sprig functions Atmos users rely on, over plain JavaScript data.
//
//   const t = parse('catalog/vpc.yaml', text, { funcs: { atmos: () => atmosNamespace } });
//   const out = t.execute({ vars: { stage: 'dev' } }, { missingKey: 'error' });
//   render('{{ .vars.stage }}-tfstate', data);
import { builtins } from './builtins.js';
import { ExecState, toSpec, type FuncSpec, type MissingKey, type TemplateFunction } from './exec.js';
import { parseTemplate, type ListNode } from './parse.js';
import { sprigFunctions, type SprigOptions } from './sprig.js';

import { TemplateError } from './errors.js';

export { TemplateError };
export { formatV, sprint, sprintf } from './fmt.js';
export { truth } from './exec.js';
export type { FuncSpec, MissingKey, ParamType, TemplateFunction } from './exec.js';

export interface ParseOptions {
  /** Extra functions; they override Sprig and the builtins of the same name (as in Go). */
  funcs?: Record<string, TemplateFunction>;
  /** Left and right delimiters (default `{{` and `}}`), like Template.Delims. */
  delims?: [string, string];
  /** Include the Sprig functions (default true). */
  sprig?: boolean;
  /** Where Sprig's env / expandenv read variables (default process.env). */
  env?: SprigOptions['env'];
  /** Default missing-key behaviour for execute (Go's Option("missingkey=...")); default 'default'. */
  missingKey?: MissingKey;
}

export interface ExecuteOptions {
  /** 'default'/'invalid': a missing map key prints `<no value>`; 'zero': nil; 'error': fail. */
  missingKey?: MissingKey;
  /** Maximum depth of nested {{template}} calls (Go: 100000; here 1000: JavaScript's stack is smaller). */
  maxDepth?: number;
  /** Most characters one execution may write (Go: no bound); default 16 Mi, so a loop made to explode ends with an error. */
  maxOutput?: number;
}

let sprigCache: Record<string, FuncSpec> | undefined;

export class Template {
  private readonly funcs: Map<string, FuncSpec>;

  /** @internal use parse() */
  constructor(
    readonly name: string,
    private readonly text: string,
    private readonly trees: Map<string, ListNode>,
    funcs: Map<string, FuncSpec>,
    private readonly missingKey: MissingKey,
  ) {
    this.funcs = funcs;
  }

  /** Names of the templates defined ({{define}}/{{block}}) plus this one. */
  get templateNames(): string[] {
    return [...this.trees.keys()];
  }

  /** Executes this template on `data`; throws TemplateError. */
  execute(data: unknown, options: ExecuteOptions = {}): string {
    return this.executeTemplate(this.name, data, options);
  }

  /** Executes the associated template `name` (Go's ExecuteTemplate). */
  executeTemplate(name: string, data: unknown, options: ExecuteOptions = {}): string {
    const tree = this.trees.get(name);
    const state = new ExecState(
      {
        parseName: this.name,
        text: this.text,
        trees: this.trees,
        lookup: (n) => this.funcs.get(n),
        missingKey: options.missingKey ?? this.missingKey,
        maxDepth: options.maxDepth ?? 1000,
        maxOutput: options.maxOutput ?? 16 * 1024 * 1024,
      },
      name,
      data,
    );
    if (tree === undefined) {
      if (name === this.name) state.errorf(`${JSON.stringify(name)} is an incomplete or empty template`);
      throw new Error(`template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(this.name)}`);
    }
    return tooDeep(this.name, 'exec', () => state.run(tree, data));
  }
}

/** The function map a template sees: builtins, then Sprig, then `funcs` (later wins). */
let defaultMap: Map<string, FuncSpec> | undefined;

export function functionMap(options: Pick<ParseOptions, 'funcs' | 'sprig' | 'env'> = {}): Map<string, FuncSpec> {
  const plain = options.funcs === undefined && options.sprig !== false && options.env === undefined;
  if (plain && defaultMap) return defaultMap;
  const map = new Map<string, FuncSpec>(Object.entries(builtins));
  if (options.sprig !== false) {
    const sprig = options.env ? sprigFunctions({ env: options.env }) : (sprigCache ??= sprigFunctions());
    for (const [k, v] of Object.entries(sprig)) map.set(k, v);
  }
  for (const [k, v] of Object.entries(options.funcs ?? {})) map.set(k, toSpec(v));
  if (plain) defaultMap = map;
  return map;
}

/** Parses `text` as template `name` (the name appears in every error message). */
export function parse(name: string, text: string, options: ParseOptions = {}): Template {
  const funcs = functionMap(options);
  const [leftDelim, rightDelim] = options.delims ?? ['{{', '}}'];
  const trees = tooDeep(name, 'parse', () => parseTemplate({
    name,
    text,
    leftDelim: leftDelim || '{{',
    rightDelim: rightDelim || '}}',
    hasFunction: (n) => funcs.has(n),
  }));
  return new Template(name, text, trees, funcs, options.missingKey ?? 'default');
}

/** JavaScript's stack is the limit on nesting (parentheses, cyclic data): a TemplateError, not a crash. */
function tooDeep<T>(name: string, kind: 'parse' | 'exec', f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new TemplateError(`template: ${name}: nesting too deep (${kind === 'parse' ? 'template' : 'data or templates'})`, { name, kind });
    }
    throw e;
  }
}

/** Parses and executes in one call. */
export function render(text: string, data: unknown, options: ParseOptions & ExecuteOptions & { name?: string } = {}): string {
  return parse(options.name ?? 'template', text, options).execute(data, options);
}

/** Whether `text` contains an action at all: the cheap test before paying for a parse. */
export function hasActions(text: string, delims: [string, string] = ['{{', '}}']): boolean {
  const i = text.indexOf(delims[0]);
  return i >= 0 && text.indexOf(delims[1], i + delims[0].length) >= 0;
}
