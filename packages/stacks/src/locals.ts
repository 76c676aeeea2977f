/**
 * Atmos's file-scoped `locals:` (internal/exec/stack_processor_locals.go, pkg/locals/resolver.go,
 * stack_processor_utils.go extractAndAddLocalsToContext), applied to one parsed manifest:
 *
 * - `locals:` at the root and in `terraform:` are the file's locals; the `terraform:` ones see the
 *   root ones and win over them. They never cross imports and are not in any output.
 * - A local may refer to others (`{{ .locals.x }}`, in any order: resolved in dependency order, a
 *   cycle is an error naming the file and the chain) and to the same file's `settings`, `vars` and
 *   `env` (root; for `terraform.locals` merged with `terraform:`'s, one level deep as Atmos does).
 *   A missing key is an error. A value that is just `{{ .locals.x }}` (or `.vars.x`, ...) takes the
 *   referenced value with its type (a map stays a map).
 * - Then the root `settings`, `vars` and `env` are rendered with the locals (each whole, or left as
 *   written when one of its templates fails), and then every other value of the file, with
 *   `locals`, `settings`, `vars`, `env` as data: all of the file or, when any template fails (one
 *   that waits for the component pass, like `{{ .atmos_component }}`), none of it (only the plain
 *   references that resolve), as Atmos renders the file's text whole or keeps it raw.
 * - A component's own `locals:` is not resolved here (only rendered with the file); it merges
 *   through `metadata.inherits` and is the component's `.locals` in the component pass (stack.ts).
 *
 * YAML functions in locals were evaluated when the file was read (yaml-functions.ts); a deferred one
 * (`!terraform.state`, `!store`) is kept as its marker and evaluated where the component uses it.
 */
import { isDeepStrictEqual } from 'node:util';
import jsYaml from 'js-yaml';
import { AtmosTag, parseAtmosYaml } from '@tfwrap/core';
import { ManifestProblem } from './problem.js';
import { isMapping } from './settings.js';
import { NeedsTemplateEngine, hasTemplate, render } from './templates.js';
import type { Mapping } from './merge.js';

/** The document with its locals resolved and applied, and whether its templates were all rendered. */
export interface LocalsApplied {
  document: Mapping;
  rendered: boolean;
}

/** A file's resolved locals, and the data its templates render with: the locals and its rendered root settings, vars, env. */
interface FileLocals {
  /** The root `locals:`, resolved. */
  global: Mapping;
  /** `terraform.locals:` over the root ones, when the file has a `terraform.locals:`. */
  terraform?: Mapping;
  context: Mapping;
}

/** The file-scoped locals of `document`; undefined when it has none. `outer`: data the sections also see (an import's context). */
function fileLocals(document: Mapping, file: string, text: string, outer: Mapping): FileLocals | undefined {
  // Atmos reads helmfile: and packer: locals too (tfwrap runs neither): the file's templates see them.
  const sections = (['terraform', 'helmfile', 'packer'] as const)
    .map((name) => [name, isMapping(document[name]) ? document[name] : undefined] as const)
    .filter((entry): entry is readonly [typeof entry[0], Mapping] => entry[1] !== undefined && 'locals' in entry[1]);
  if (!('locals' in document) && sections.length === 0) return undefined;

  const fileContext: Mapping = {};
  for (const key of ['settings', 'vars', 'env']) if (isMapping(document[key])) fileContext[key] = document[key];
  const globalLocals = resolveLocals(document.locals, {}, fileContext, file, text, ['locals']);
  // The file's templates see the root locals, then terraform's, helmfile's and packer's over them
  // (stack_processor_locals.go MergeForTemplateContext: the last wins).
  let locals = globalLocals;
  let terraformLocals: Mapping | undefined;
  for (const [name, section] of sections) {
    const sectionContext: Mapping = { ...fileContext };
    for (const key of ['settings', 'vars', 'env']) {
      if (isMapping(section[key])) sectionContext[key] = { ...(isMapping(fileContext[key]) ? fileContext[key] : {}), ...section[key] };
    }
    const resolved = resolveLocals(section.locals, globalLocals, sectionContext, file, text, [name, 'locals']);
    if (name === 'terraform') terraformLocals = resolved;
    locals = { ...locals, ...resolved };
  }

  // settings, then vars (seeing the rendered settings), then env (seeing both).
  const context: Mapping = { ...outer, locals };
  for (const key of ['settings', 'vars', 'env']) {
    const section = document[key];
    if (!isMapping(section)) continue;
    const rendered = renderAll(section, context, file);
    context[key] = rendered.rendered ? rendered.value : section; // Atmos keeps the section as written
  }
  return { global: globalLocals, terraform: terraformLocals, context };
}

/**
 * A file's locals as Atmos's `describe locals` shows them (internal/exec/describe_locals.go
 * buildStackLocalsFromContext): `locals:` the root ones, and `terraform: { locals: }` the ones of
 * `terraform.locals` that the root ones do not already give with the same value. Undefined when the
 * file has none.
 */
export function describedLocals(document: unknown, file: string, text: string): Mapping | undefined {
  if (!isMapping(document)) return undefined;
  const resolved = fileLocals(document, file, text, {});
  if (!resolved) return undefined;
  const described: Mapping = {};
  if (Object.keys(resolved.global).length > 0) described.locals = resolved.global;
  if (resolved.terraform && Object.keys(resolved.terraform).length > 0) {
    const own = Object.entries(resolved.terraform).filter(([name, value]) => !(Object.hasOwn(resolved.global, name) && isDeepStrictEqual(resolved.global[name], value)));
    described.terraform = { locals: Object.fromEntries(own) };
  }
  return Object.keys(described).length > 0 ? described : undefined;
}

/**
 * The data a manifest rendered as a template (an import with `context:`, a `.yaml.tmpl`) is
 * rendered with, when the file has locals: Atmos's extractAndAddLocalsToContext
 * (stack_processor_utils.go) resolves the locals from the raw file first (they do not see the
 * import context), then renders the root settings, vars and env with the locals and the import
 * context, and renders the file with all of it: the import context, `locals`, and the file's own
 * settings/vars/env over the context's keys of the same name. Undefined when the file has no locals
 * or is not YAML before rendering (a `.tmpl` may not be).
 */
export function localsTemplateData(text: string, file: string, importContext: Mapping): Mapping | undefined {
  if (!/^\s*locals\s*:/m.test(text)) return undefined;
  let document: unknown;
  try {
    document = parseAtmosYaml(text, file);
  } catch {
    return undefined;
  }
  if (!isMapping(document)) return undefined;
  const outer = { ...importContext };
  delete outer.locals; // file-scoped: an importer's `locals` key never reaches here
  return fileLocals(document, file, text, outer)?.context;
}

/** `document` with its file-scoped locals applied; undefined when it has none (nothing to do). */
export function applyLocals(document: unknown, file: string, text: string): LocalsApplied | undefined {
  if (!isMapping(document)) return undefined;
  const resolved = fileLocals(document, file, text, {});
  if (!resolved) return undefined;
  const { context } = resolved;
  const terraform = isMapping(document.terraform) ? document.terraform : undefined;

  const rest: Mapping = { ...document };
  delete rest.locals;
  if (terraform) {
    const terraformRest = { ...terraform };
    delete terraformRest.locals;
    rest.terraform = terraformRest;
  }
  const whole = renderAll(rest, context, file);
  const result = whole.value as Mapping;
  for (const key of ['settings', 'vars', 'env']) if (context[key] !== undefined) result[key] = context[key];
  return { document: result, rendered: whole.rendered };
}

/** One scope's locals in dependency order, over `parent` (the enclosing scope's, which they override). */
function resolveLocals(value: unknown, parent: Mapping, context: Mapping, file: string, text: string, at: string[]): Mapping {
  if (value === null || value === undefined) return { ...parent };
  if (!isMapping(value)) {
    throw new ManifestProblem('E_STACK_INVALID', `${at.join('.')}: must be a mapping of names to values`, file, at, 'write locals: { name: value, ... }', text);
  }
  const names = Object.keys(value);
  const dependencies = new Map(names.map((name) => [name, referencedLocals(value[name]).filter((dep) => Object.hasOwn(value, dep))]));
  const order = dependencyOrder(names, dependencies, (cycle) => new ManifestProblem('E_STACK_INVALID',
    `${at.join('.')}: the locals refer to each other in a cycle: ${cycle.join(' -> ')}`, file, [...at, cycle[0] ?? ''],
    'a local may use other locals, but not itself through them; compute one of them from vars or settings instead', text));
  const resolved: Mapping = { ...parent };
  for (const name of order) {
    const data = { ...context, locals: resolved };
    resolved[name] = resolveValue(value[name], data, (message) => new ManifestProblem('E_STACK_INVALID',
      `local '${name}' (${at.join('.')}): ${message}`, file, [...at, name],
      'a local sees the other locals and the settings, vars and env of its own file only (not those of imports)', text));
  }
  return resolved;
}

function resolveValue(value: unknown, data: Mapping, fail: (message: string) => ManifestProblem): unknown {
  if (typeof value === 'string') {
    if (!hasTemplate(value)) return value;
    const reference = plainReference(value);
    if (reference) {
      const found = lookup(data, reference);
      if (found.found) return found.value;
    }
    try {
      return render(value, data, { name: 'locals', missingKey: 'error', delimiters: ['{{', '}}'], sprig: true, gomplate: false, where: { what: 'locals' } });
    } catch (err) {
      if (err instanceof NeedsTemplateEngine) throw err;
      throw fail(messageOf(err));
    }
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, data, fail));
  if (isPlainMapping(value)) {
    const result: Mapping = {};
    for (const key of Object.keys(value)) result[key] = resolveValue(value[key], data, fail);
    return result;
  }
  return value;
}

/** Kahn's order, ties by name (as Atmos sorts), so the result does not depend on key order. */
function dependencyOrder(names: string[], dependencies: Map<string, string[]>, cycleError: (cycle: string[]) => Error): string[] {
  const remaining = new Map(names.map((name) => [name, new Set(dependencies.get(name))]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name).sort();
    if (ready.length === 0) throw cycleError(findCycle([...remaining.keys()].sort(), dependencies));
    for (const name of ready) {
      order.push(name);
      remaining.delete(name);
      for (const deps of remaining.values()) deps.delete(name);
    }
  }
  return order;
}

function findCycle(names: string[], dependencies: Map<string, string[]>): string[] {
  const visit = (name: string, path: string[]): string[] | undefined => {
    const start = path.indexOf(name);
    if (start >= 0) return [...path.slice(start), name];
    for (const dep of dependencies.get(name) ?? []) {
      const cycle = visit(dep, [...path, name]);
      if (cycle) return cycle;
    }
    return undefined;
  };
  for (const name of names) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return names;
}

/** The locals a value's templates name (`.locals.x`), as Atmos's ExtractFieldRefsByPrefix finds them. */
function referencedLocals(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\.locals\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(referencedLocals);
  if (isPlainMapping(value)) return Object.values(value).flatMap(referencedLocals);
  return [];
}

/** `{{ .a.b }}` and nothing else (Atmos's ExtractPlainFieldRef): the path, else undefined. */
function plainReference(text: string): string[] | undefined {
  const match = /^\s*\{\{-?\s*((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*-?\}\}\s*$/.exec(text);
  return match ? (match[1] ?? '.').slice(1).split('.') : undefined;
}

function lookup(data: unknown, path: string[]): { found: boolean; value?: unknown } {
  let current = data;
  for (const key of path) {
    if (!isPlainMapping(current) || !Object.hasOwn(current, key)) return { found: false };
    current = current[key];
  }
  return { found: true, value: current };
}

/**
 * `value` with its templates rendered over `data` (missing key: error): all of them, or, when one
 * fails, only the plain references that resolve. A rendered scalar is read back as YAML (as Atmos
 * reads its rendered text), so `1{{ .locals.zero }}` is a number and a quoted template a string.
 */
function renderAll(value: unknown, data: Mapping, file: string): { value: unknown; rendered: boolean } {
  let failed = false;
  const renderScalar = (text: string): unknown => {
    const reference = plainReference(text);
    if (reference) {
      const found = lookup(data, reference);
      if (found.found) return found.value;
    }
    if (failed) return text;
    const yaml = jsYaml.dump(text, { lineWidth: -1 });
    let out: string;
    try {
      out = render(yaml, data, { name: 'locals', missingKey: 'error', delimiters: ['{{', '}}'], sprig: true, gomplate: false, where: { file, what: file } });
    } catch (err) {
      if (err instanceof NeedsTemplateEngine) throw err;
      failed = true;
      return text;
    }
    try {
      return jsYaml.load(out);
    } catch {
      return out.replace(/\n$/, '');
    }
  };
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return hasTemplate(item) ? renderScalar(item) : item;
    if (item instanceof AtmosTag) {
      if (!hasTemplate(item.argument)) return item;
      const rendered = renderScalar(item.argument);
      const tag = new AtmosTag(item.tag, typeof rendered === 'string' ? rendered : JSON.stringify(rendered), item.file);
      tag.line = item.line;
      return tag;
    }
    if (Array.isArray(item)) return item.map(walk);
    if (isPlainMapping(item)) {
      const result: Mapping = {};
      for (const key of Object.keys(item)) {
        const walked = walk(item[key]);
        if (key === '__proto__') Object.defineProperty(result, key, { value: walked, enumerable: true, writable: true, configurable: true });
        else result[key] = walked;
      }
      return result;
    }
    return item;
  };
  const first = walk(value);
  if (!failed) return { value: first, rendered: true };
  // Some template waits for the component pass: keep the text as written, plain references resolved.
  const plainOnly = (item: unknown): unknown => {
    if (typeof item === 'string') {
      const reference = hasTemplate(item) ? plainReference(item) : undefined;
      const found = reference ? lookup(data, reference) : { found: false };
      return found.found ? found.value : item;
    }
    if (Array.isArray(item)) return item.map(plainOnly);
    if (isPlainMapping(item)) {
      const result: Mapping = {};
      for (const key of Object.keys(item)) {
        const walked = plainOnly(item[key]);
        if (key === '__proto__') Object.defineProperty(result, key, { value: walked, enumerable: true, writable: true, configurable: true });
        else result[key] = walked;
      }
      return result;
    }
    return item;
  };
  return { value: plainOnly(value), rendered: false };
}

function isPlainMapping(value: unknown): value is Mapping {
  return isMapping(value) && !(value instanceof AtmosTag) && !(value instanceof Date);
}

function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^Go template error in locals: /, '');
}
