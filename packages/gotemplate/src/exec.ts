// Execution of parsed templates with Go's text/template semantics (exec.go), over plain
// JavaScript data. `undefined` plays Go's invalid reflect.Value (a missing map key); `null` is nil.
import { TemplateError } from './errors.js';
import { formatV, goTypeName, isMap, sortedKeys } from './fmt.js';
import { nodeString } from './parse.js';
import type { AnyNode, ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode, PipeNode, TemplateNode, VariableNode } from './parse.js';

/** Parameter types a function declares, checked as Go checks a FuncMap function's signature. */
export type ParamType = 'any' | 'string' | 'int' | 'float64' | 'bool' | 'map' | 'list' | 'value';

export interface FuncSpec {
  /** Fixed parameters. */
  params: ParamType[];
  /** Type of the variadic tail, if the function is variadic. */
  variadic?: ParamType;
  fn: (...args: any[]) => unknown;
}

/** A function as registered: a spec, or a plain JS function (variadic, any arguments). */
export type TemplateFunction = FuncSpec | ((...args: any[]) => unknown);

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

export interface ExecEnv {
  /** Name given to parse: the location prefix of errors. */
  parseName: string;
  text: string;
  trees: Map<string, ListNode>;
  lookup: (name: string) => FuncSpec | undefined;
  missingKey: MissingKey;
  maxDepth: number;
  maxOutput: number;
}

const MISSING: unique symbol = Symbol('missing');
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the sentinel for the reader
type Final = unknown | typeof MISSING;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

export function toSpec(f: TemplateFunction): FuncSpec {
  return typeof f === 'function' ? { params: [], variadic: 'any', fn: f } : f;
}

const GO_TYPES: Record<ParamType, string> = {
  any: 'interface {}', value: 'reflect.Value', string: 'string', int: 'int', float64: 'float64', bool: 'bool',
  map: 'map[string]interface {}', list: '[]interface {}',
};

/** Go's isTrue: the truth of a value in if/with/and/or/not. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string': return v.length > 0;
    case 'number': return v !== 0;
    case 'bigint': return v !== 0n;
    case 'boolean': return v;
    case 'function': return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Date) return true;
  return Object.keys(v as object).length > 0;
}

/** A property of an object: own properties of plain objects, anything of class instances. */
function property(obj: object, name: string): { found: boolean; value: unknown } {
  if (Object.hasOwn(obj, name)) return { found: true, value: (obj as Record<string, unknown>)[name] };
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null && name in obj) {
    return { found: true, value: (obj as Record<string, unknown>)[name] };
  }
  return { found: false, value: undefined };
}

export class ExecState {
  private vars: Array<{ name: string; value: unknown }>;
  private node: AnyNode | undefined;
  private out: string[] = [];
  /** Characters written by this execution so far, nested templates included (shared with them). */
  private written: { size: number };

  constructor(
    private readonly env: ExecEnv,
    private execName: string,
    data: unknown,
    private depth = 0,
    written?: { size: number },
  ) {
    this.vars = [{ name: '$', value: data }];
    this.written = written ?? { size: 0 };
  }

  /** Output, within the bound of the whole execution (env.maxOutput). */
  private emit(text: string): void {
    this.written.size += text.length;
    if (this.written.size > this.env.maxOutput) this.errorf(`output larger than ${this.env.maxOutput} characters`);
    this.out.push(text);
  }

  run(root: ListNode, dot: unknown): string {
    this.walk(dot, root);
    return this.out.join('');
  }

  // -- errors -------------------------------------------------------------------------------

  errorf(msg: string): never {
    const name = this.execName;
    if (this.node === undefined) {
      throw new TemplateError(`template: ${name}: ${msg}`, { name: this.env.parseName, kind: 'exec' });
    }
    const before = this.env.text.slice(0, this.node.pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const column = Buffer.byteLength(before.slice(nl + 1), 'utf8');
    const location = `${this.env.parseName}:${line}:${column}`;
    throw new TemplateError(`template: ${location}: executing "${name}" at <${nodeString(this.node)}>: ${msg}`, {
      name: this.env.parseName, line, column, kind: 'exec',
    });
  }

  private at(node: AnyNode) {
    this.node = node;
  }

  // -- variables ----------------------------------------------------------------------------

  private mark() {
    return this.vars.length;
  }

  private pop(mark: number) {
    while (this.vars.length > mark) this.vars.pop();
  }

  private setVar(name: string, value: unknown) {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: unknown) {
    this.vars[this.vars.length - n]!.value = value;
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  // -- walking ------------------------------------------------------------------------------

  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'if': case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.emit(node.text);
        return;
      // {{break}}/{{continue}} unwind to the enclosing {{range}} as sentinels, caught there, never by a caller.
      case 'break':
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel, see above
        throw BREAK;
      case 'continue':
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel, see above
        throw CONTINUE;
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode) {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (truth(val)) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, r: BranchNode) {
    this.at(r);
    const outer = this.mark();
    try {
      let val = this.evalPipeline(dot, r.pipe);
      if (val === null) val = undefined;
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let ran = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (!oneIteration(i, val[i])) break;
        }
      } else if (typeof val === 'number' || typeof val === 'bigint') {
        if (typeof val === 'number' && !Number.isInteger(val)) this.errorf(`range can't iterate over ${formatV(val)}`);
        if (decl.length > 1) this.errorf(`can't use ${formatV(val)} to iterate over more than one variable`);
        const n = Number(val);
        for (let i = 0; i < n; i++) {
          ran = true;
          if (!oneIteration(i, i)) break;
        }
      } else if (isMap(val)) {
        for (const k of sortedKeys(val)) {
          ran = true;
          if (!oneIteration(k, val[k])) break;
        }
      } else if (val !== undefined) {
        this.errorf(`range can't iterate over ${formatV(val)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode) {
    this.at(t);
    const tree = this.env.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= this.env.maxDepth) this.errorf(`exceeded maximum template depth (${this.env.maxDepth})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const sub = new ExecState(this.env, t.name, newDot, this.depth + 1, this.written);
    sub.walk(newDot, tree);
    // Counted as the nested template wrote it.
    this.out.push(sub.out.join(''));
  }

  // -- evaluation ---------------------------------------------------------------------------

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go digs into interface{} values: a nil interface becomes the invalid value.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[] | undefined, final: Final) {
    if ((args && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString((args as ArgNode[])[0]!)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field': return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable': return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': return this.errorf('nil is not a command');
      case 'number': return this.idealConstant(first);
      case 'string': return first.text;
    }
  }

  private idealConstant(n: NumberNode): number {
    this.at(n);
    if (!n.isInt && !n.isFloat) this.errorf(`${n.text} overflows int`);
    return n.value;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: AnyNode, ident: string[], args: ArgNode[] | undefined, final: Final): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(dot: unknown, fieldName: string, node: AnyNode, args: ArgNode[] | undefined, final: Final, receiver: unknown): unknown {
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    if (typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof Date)) {
      const { found, value } = property(receiver as object, fieldName);
      const proto = Object.getPrototypeOf(receiver);
      const plain = proto === Object.prototype || proto === null;
      if (found && typeof value === 'function' && (hasArgs || !plain)) {
        // A function of a class instance is a method, as is one of a plain object given
        // arguments (namespaces such as atmos.Component); otherwise it is a value for `call`.
        const fn = value as (...a: unknown[]) => unknown;
        return this.evalCall(dot, { params: [], variadic: 'any', fn: (...a: unknown[]) => fn.apply(receiver, a) }, node, fieldName, args, final);
      }
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (found) return value;
      switch (this.env.missingKey) {
        case 'error': return this.errorf(`map has no entry for key ${JSON.stringify(fieldName)}`);
        case 'zero': return null;
        default: return undefined;
      }
    }
    return this.errorf(`can't evaluate field ${fieldName} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: AnyNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(node);
    const spec = this.env.lookup(node.name);
    if (spec === undefined) this.errorf(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, spec, cmd, node.name, args, final);
  }

  private evalCall(dot: unknown, spec: FuncSpec, node: AnyNode, name: string, allArgs: ArgNode[] | undefined, final: Final): unknown {
    const args = allArgs ? allArgs.slice(1) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    const fixed = spec.params.length;
    if (spec.variadic !== undefined) {
      if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${args.length}`);
    } else if (numIn !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    }
    const typeAt = (i: number): ParamType => (i < fixed ? spec.params[i]! : (spec.variadic as ParamType));
    // and/or evaluate their arguments lazily and return the deciding one.
    if (spec === AND || spec === OR) {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(dot, 'value', a);
        if (truth(v) === (spec === OR)) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: unknown[] = [];
    for (let i = 0; i < args.length; i++) argv.push(this.evalArg(dot, typeAt(i), args[i]!));
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(numIn - 1)));
    let result: unknown;
    try {
      result = spec.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return result === undefined ? null : result;
  }

  private validateType(value: unknown, type: ParamType | undefined): unknown {
    if (type === undefined || type === 'value') return value;
    if (value === undefined) {
      if (type === 'any' || type === 'map' || type === 'list') return null;
      return this.errorf(`invalid value; expected ${GO_TYPES[type]}`);
    }
    const bad = (): never =>
      this.errorf(`wrong type for value; expected ${GO_TYPES[type]}; got ${value === null ? 'interface {}' : goTypeName(value)}`);
    switch (type) {
      case 'any': return value;
      case 'string': return typeof value === 'string' ? value : bad();
      case 'int': return typeof value === 'number' && Number.isInteger(value) ? value : bad();
      case 'float64': return typeof value === 'number' ? value : bad();
      case 'bool': return typeof value === 'boolean' ? value : bad();
      case 'map': return value === null || isMap(value) ? value : bad();
      case 'list': return value === null || Array.isArray(value) ? value : bad();
    }
  }

  private evalArg(dot: unknown, type: ParamType | undefined, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot': return this.validateType(dot, type);
      case 'nil':
        if (type === undefined || type === 'any' || type === 'value' || type === 'map' || type === 'list') return null;
        return this.errorf(`cannot assign nil to ${GO_TYPES[type]}`);
      case 'field': return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), type);
      case 'variable': return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), type);
      case 'pipe': return this.validateType(this.evalPipeline(dot, n), type);
      case 'identifier': return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), type);
      case 'chain': return this.validateType(this.evalChainNode(dot, n, undefined, MISSING), type);
    }
    switch (type) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        return this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.value;
        return this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.value;
        return this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'map': case 'list':
        return this.errorf(`can't handle ${nodeString(n)} for arg of type ${GO_TYPES[type]}`);
    }
    // interface{} / reflect.Value
    switch (n.type) {
      case 'bool': return n.value;
      case 'number': return this.idealConstant(n);
      case 'string': return n.text;
    }
  }

  private printValue(node: AnyNode, v: unknown) {
    this.at(node);
    if (v === undefined) {
      this.emit('<no value>');
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    this.emit(formatV(v));
  }
}

// Placeholders so evalCall can recognise the short-circuit builtins; builtins.ts fills them in.
export const AND: FuncSpec = { params: ['value'], variadic: 'value', fn: () => undefined };
export const OR: FuncSpec = { params: ['value'], variadic: 'value', fn: () => undefined };
