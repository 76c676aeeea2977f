/**
 * The merge rule of stack manifests (Atmos's pkg/merge): mappings merge key by key, recursively;
 * anything else (strings, numbers, booleans, null) from a later layer replaces the earlier value
 * whole, so a later `null` sets the value to null. Lists follow `settings.list_merge_strategy`:
 *
 * - `replace` (the default): a later list is the whole list;
 * - `append`: the later list's items are added after the earlier ones;
 * - `merge`: item by item; where both items are mappings they are merged, otherwise the earlier
 *   item stays; items beyond the shorter list are kept (pkg/merge/merge_native.go mergeSlicesNative).
 */
import { AtmosTag, TfwrapError } from '@tfwrap/core';
import type { ListMergeStrategy } from './settings.js';

export type Mapping = Record<string, unknown>;

/*
 * Written out rather than with deepmerge-ts's deepmergeCustom (merge.test.ts checks it against that
 * library applied layer by layer): resolving a component merges its nine sections, and the
 * library's generic walk (symbol keys, cycle and depth checks, a key set per record) was half of
 * resolving 10,000 components for `describe affected`; this is about 3.5 times faster on such data.
 *
 * The rule, per key, is Atmos's (pkg/merge/merge_native.go: each layer merged into the result of
 * the ones before): undefined values are left out; one value is taken as is (shared, not copied);
 * a value of another kind than the one before it starts again; the last run of mappings (plain
 * objects) merges key by key, keys in order of first appearance; the last run of lists follows the
 * strategy; otherwise (scalars, dates, tags) the last value wins.
 */

/** The value at `keys` (list indices as text too), undefined where a step is missing. */
export function valueAt(value: unknown, keys: readonly string[]): unknown {
  for (const key of keys) value = value !== null && typeof value === 'object' ? (value as Mapping)[key] : undefined;
  return value;
}

/** Plain objects only: a Date, an AtmosTag, a deferred merge or a list is a value, not a mapping to merge. */
export function isRecord(value: unknown): value is Mapping {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A YAML key named __proto__ is data, not the prototype. */
export function setKey(target: Mapping, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const OTHER = 0;
const RECORD = 1;
const LIST = 2;

function mergeValues(values: readonly unknown[], lists: ListMergeStrategy): unknown {
  // Atmos merges layer after layer (each into what came before, src overriding dst): a value of
  // another kind than the one before it replaces everything so far. So only the last run of values
  // of one kind merges; a scalar, date or tag run is its last value.
  let start = 0;
  let count = 0;
  let kind = OTHER;
  let first: unknown;
  let last: unknown;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    const valueKind = isRecord(value) ? RECORD : Array.isArray(value) ? LIST : OTHER;
    if (count === 0 || valueKind !== kind || valueKind === OTHER) {
      start = i;
      count = 0;
      kind = valueKind;
      first = value;
    }
    count++;
    last = value;
  }
  if (count <= 1) return last;
  if (kind === RECORD) return count === 2 ? mergeTwoRecords(first as Mapping, last as Mapping, lists) : mergeRecords(values, start, lists);
  if (kind === LIST && lists !== 'replace') return mergeLists(values.slice(start).filter((value) => value !== undefined) as unknown[][], lists);
  return last;
}

function mergeTwoRecords(earlier: Mapping, later: Mapping, lists: ListMergeStrategy): Mapping {
  const result: Mapping = {};
  for (const key of Object.keys(earlier)) {
    setKey(result, key, Object.prototype.hasOwnProperty.call(later, key) ? mergeValues([earlier[key], later[key]], lists) : earlier[key]);
  }
  for (const key of Object.keys(later)) {
    if (!Object.prototype.hasOwnProperty.call(earlier, key)) setKey(result, key, later[key]);
  }
  return result;
}

/** The records from `start` on (each a mapping or undefined), merged key by key. */
function mergeRecords(records: ReadonlyArray<unknown>, start: number, lists: ListMergeStrategy): Mapping {
  const valuesByKey = new Map<string, unknown[]>();
  for (let i = start; i < records.length; i++) {
    const record = records[i] as Mapping | undefined;
    if (record === undefined) continue;
    for (const key of Object.keys(record)) {
      const values = valuesByKey.get(key);
      if (values) values.push(record[key]);
      else valuesByKey.set(key, [record[key]]);
    }
  }
  const result: Mapping = {};
  for (const [key, values] of valuesByKey) setKey(result, key, values.length === 1 ? values[0] : mergeValues(values, lists));
  return result;
}

/** Two or more lists: `append` joins them; `merge` goes item by item. */
function mergeLists(lists: unknown[][], strategy: 'append' | 'merge'): unknown[] {
  return strategy === 'append' ? lists.flat() : lists.reduce((earlier, later) => mergeItems(earlier, later));
}

function mergeItems(earlier: unknown[], later: unknown[]): unknown[] {
  const result: unknown[] = [];
  for (let i = 0; i < Math.max(earlier.length, later.length); i++) {
    if (i >= earlier.length) result.push(later[i]);
    else if (i >= later.length) result.push(earlier[i]);
    else if (isPlainMapping(earlier[i]) && isPlainMapping(later[i])) result.push(mergeValues([earlier[i], later[i]], 'merge'));
    else result.push(earlier[i]);
  }
  return result;
}

function isPlainMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Merge mappings, later ones winning. Layers that are undefined are skipped. */
export function deepMerge(layers: ReadonlyArray<Mapping | undefined>, lists: ListMergeStrategy = 'replace'): Mapping {
  // The result may share nested values with the layers; callers clone what they hand out.
  const merged = mergeValues(layers, lists);
  return merged === undefined ? {} : merged as Mapping;
}

/**
 * A copy of `value` in which every Atmos tag (a YAML function left as a marker) is replaced by
 * `replace(tag)`; mappings and lists are copied, a `__proto__` key stays data. A deferred merge
 * whose tags are all replaced is merged (DeferredMerge.resolve); one still holding a tag stays.
 */
export function mapTags(value: unknown, replace: (tag: AtmosTag) => unknown): unknown {
  if (value instanceof AtmosTag) return replace(value);
  if (value instanceof DeferredMerge) {
    const mapped = value.map((item) => mapTags(item, replace));
    return mapped.holdsTag() ? mapped : mapped.resolve();
  }
  if (Array.isArray(value)) return value.map((item) => mapTags(item, replace));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = mapTags((value as Record<string, unknown>)[key], replace);
    if (key === '__proto__') Object.defineProperty(result, key, { value: item, enumerable: true, writable: true, configurable: true });
    else result[key] = item;
  }
  return result;
}

/**
 * A deep copy of parsed YAML data (mappings, lists, scalars, dates). Several times faster than
 * structuredClone on such data, which matters when resolving every component of many stacks.
 * Tags and deferred merges are never changed in place: shared, not copied.
 */
export function cloneData<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof AtmosTag || value instanceof DeferredMerge) return value;
  if (Array.isArray(value)) return value.map(cloneData) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = cloneData((value as Record<string, unknown>)[key]);
    // A YAML key named __proto__ is data, not the prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}

// --- Atmos's deferred merge -------------------------------------------------------------------
//
// Atmos (pkg/merge/merge_yaml_functions.go MergeWithDeferred, ApplyDeferredMerges; called by
// internal/exec/stack_processor_merge.go mergeComponentConfigurations) merges a component's vars,
// settings, env, auth, providers and hooks from four layers: the globals (with `terraform:`), the
// bases, the component's own sections, `overrides:`. Each layer is merged plainly before (a
// function is then a string like any other). Where a layer holds one of the functions below, the
// value at that place is not the plain merge: every layer's non-null value there, in layer order,
// the functions evaluated, is merged by MergeDeferredValues (deepMergedValues below). Places under
// it that other layers' functions take are set afterwards, shallower first (SetValueAtPath).
// stack.ts (deferredMergeSections) says which sections tfwrap merges so.

/** The functions Atmos defers (merge_yaml_functions.go isAtmosYAMLFunction). */
const postMergeTagNames: ReadonlySet<string> = new Set([
  '!template', '!terraform.output', '!terraform.state', '!store.get', '!store', '!exec', '!env',
  '!labels', '!labels.keys', '!labels.values', '!tags',
]);

function isPostMergeTag(value: unknown): value is AtmosTag {
  return value instanceof AtmosTag && postMergeTagNames.has(value.tag);
}

/** A place set after the value it sits in is merged: its path under that value, its value, and the function that put it there. */
export interface DeferredOverlay {
  path: readonly string[];
  value: unknown;
  origin: AtmosTag;
  /** The whole place, for messages (`vars.config.a`). */
  where: string;
}

/**
 * The value at a place where Atmos defers a function: merged once its functions are evaluated.
 * `values` are the layers' values there in layer order (functions as tags); `overlays` are the
 * deeper places other layers' functions take, shallower first.
 */
export class DeferredMerge {
  constructor(readonly values: readonly unknown[], readonly lists: ListMergeStrategy, readonly overlays: readonly DeferredOverlay[] = []) {}

  /** The same merge with `change` applied to each value and overlay value. */
  map(change: (value: unknown) => unknown): DeferredMerge {
    return new DeferredMerge(this.values.map(change), this.lists, this.overlays.map((overlay) => ({ ...overlay, value: change(overlay.value) })));
  }

  /** The values and overlay values, in merge order (what holds the functions). */
  parts(): unknown[] {
    return [...this.values, ...this.overlays.map((overlay) => overlay.value)];
  }

  holdsTag(): boolean {
    return this.parts().some(containsTag);
  }

  /** The merged value; a tag still in it counts as a scalar (Atmos's value before functions are evaluated). */
  resolve(): unknown {
    let result = deepMergedValues(this.values.map(viewOf), this.lists);
    const owned = new WeakSet<object>();
    for (const overlay of this.overlays) result = setAtPath(result, overlay, viewOf(overlay.value), owned);
    return result;
  }

  /** Written out as JSON as Atmos shows it before evaluating functions: each as its text. */
  toJSON(): unknown {
    return mapTags(this, (tag) => `${tag.tag} ${tag.argument}`.trim());
  }
}

/** `value` with each deferred merge merged, tags kept as values (see DeferredMerge.resolve). */
export function viewOf(value: unknown): unknown {
  if (value instanceof DeferredMerge) return value.resolve();
  if (value === null || typeof value !== 'object' || value instanceof AtmosTag || value instanceof Date || !containsDeferredMerge(value)) return value;
  if (Array.isArray(value)) return value.map(viewOf);
  const result: Mapping = {};
  for (const key of Object.keys(value)) setKey(result, key, viewOf((value as Mapping)[key]));
  return result;
}

function containsDeferredMerge(value: unknown): boolean {
  if (value instanceof DeferredMerge) return true;
  if (value === null || typeof value !== 'object' || value instanceof AtmosTag || value instanceof Date) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(containsDeferredMerge);
}

function containsTag(value: unknown): boolean {
  if (value instanceof AtmosTag || value instanceof DeferredMerge) return true;
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(containsTag);
}

/**
 * Atmos's MergeDeferredValues: after a first mapping, mappings deep-merge (mergo with override: a
 * later non-mapping, null or list included, replaces) and the first value that is not a mapping is
 * the result; after a first list, list_merge_strategy (replace: the last value; append: the lists
 * joined, other values skipped; merge: item by item, a later item winning unless both are
 * mappings, and the first value that is not a list is the result); after anything else, the last value.
 */
function deepMergedValues(values: readonly unknown[], lists: ListMergeStrategy): unknown {
  const first = values[0];
  if (isRecord(first)) {
    let result: Mapping = first;
    for (let i = 1; i < values.length; i++) {
      const value = values[i];
      if (!isRecord(value)) return value;
      result = mergoOverride(result, value);
    }
    return result;
  }
  if (Array.isArray(first) && lists !== 'replace') {
    if (lists === 'append') return values.filter(Array.isArray).flat(1);
    const result = first.slice();
    for (let i = 1; i < values.length; i++) {
      const value = values[i];
      if (!Array.isArray(value)) return value;
      value.forEach((item, index) => {
        result[index] = index < result.length && isRecord(result[index]) && isRecord(item) ? mergoOverride(result[index] as Mapping, item) : item;
      });
    }
    return result;
  }
  return values[values.length - 1];
}

/** mergo.Merge(dst, src, WithOverride) on parsed YAML, as a new mapping: mappings merge, anything else from src replaces. */
function mergoOverride(dst: Mapping, src: Mapping): Mapping {
  const result: Mapping = {};
  for (const key of Object.keys(dst)) setKey(result, key, dst[key]);
  for (const key of Object.keys(src)) {
    const earlier = result[key];
    const later = src[key];
    setKey(result, key, isRecord(earlier) && isRecord(later) ? mergoOverride(earlier, later) : later);
  }
  return result;
}

/**
 * `root` with `value` at `overlay.path` (mappings created where missing); Atmos's SetValueAtPath
 * fails on anything else in the way. A mapping on the path is copied once per batch of settings
 * (`owned`: the copies made so far, changed in place after), so that setting n places under one
 * mapping is linear, not n copies of it.
 */
function setAtPath(root: unknown, overlay: DeferredOverlay, value: unknown, owned: WeakSet<object>, depth = 0): Mapping {
  if (!isRecord(root)) throw cannotPlace(overlay, depth);
  const key = overlay.path[depth]!;
  let result = root;
  if (!owned.has(root)) {
    result = {};
    for (const name of Object.keys(root)) setKey(result, name, root[name]);
    owned.add(result);
  }
  setKey(result, key, depth === overlay.path.length - 1 ? value
    : setAtPath(Object.prototype.hasOwnProperty.call(root, key) ? root[key] : {}, overlay, value, owned, depth + 1));
  return result;
}

function cannotPlace(overlay: DeferredOverlay, depth: number): TfwrapError {
  const { origin, path, where } = overlay;
  const parent = where.split('.').slice(0, where.split('.').length - (path.length - depth)).join('.');
  return new TfwrapError('E_STACK_INVALID', `${origin.tag} ${origin.argument}: ${where} cannot be set: another layer makes ${parent} a value that is not a mapping (Atmos stops here: cannot navigate path)`, {
    location: origin.line === undefined ? { file: origin.file } : { file: origin.file, line: origin.line },
    hint: `set ${parent} to a mapping in every layer, or move the function out from under it`,
  });
}

/**
 * The merged section `plain` (every layer merged plainly) with Atmos's deferred merges put where a
 * layer's function meets another layer's value. `layers` are the four layers' merged sections
 * (undefined when absent). `asView`: merge now, tags as values (auth, which Atmos merges again
 * before evaluating it: stack_processor_merge.go processAuthConfig). The same `plain` when
 * nothing changes.
 */
export function withDeferredMerges(plain: Mapping, layers: ReadonlyArray<Mapping | undefined>, lists: ListMergeStrategy, section: string, asView = false): Mapping {
  const places = new Map<string, string[]>();
  layers.forEach((layer) => collectTagPlaces(layer, [], places));
  if (places.size === 0) return plain;
  const sorted = [...places.values()].sort((a, b) => a.length - b.length);
  let result: Mapping = plain;
  const owned = new WeakSet<object>();
  const merges: Array<{ path: string[]; values: unknown[]; overlays: DeferredOverlay[] }> = [];
  const mergeAt = new Map<string, (typeof merges)[number]>();
  /** The shallowest merge at a place above `path`, found by its prefixes (not by every merge: a section may hold thousands). */
  const outerOf = (path: readonly string[]) => {
    for (let length = 1; length < path.length; length++) {
      const merge = mergeAt.get(path.slice(0, length).join('\0'));
      if (merge) return merge;
    }
    return undefined;
  };
  for (const path of sorted) {
    const values: unknown[] = [];
    for (const layer of layers) {
      const found = valueUnderMappings(layer, path);
      if (found !== undefined && found !== null) values.push(isRecord(found) ? withoutPostMergeTags(found) : found);
    }
    const place: DeferredOverlay = { path, value: undefined, origin: values.find(isPostMergeTag)!, where: [section, ...path].join('.') };
    // Under a place merged later: set once that one is merged, shallower first.
    const outer = asView ? undefined : outerOf(path);
    if (outer) {
      outer.overlays.push({ ...place, path: path.slice(outer.path.length), value: values.length === 1 ? values[0] : new DeferredMerge(values, lists) });
      continue;
    }
    const value = values.length === 1 ? values[0] : asView ? deepMergedValues(values, lists) : new DeferredMerge(values, lists);
    if (valueUnderMappings(result, path) !== value) result = setAtPath(result, place, value, owned);
    if (value instanceof DeferredMerge) {
      const merge = { path, values, overlays: [] };
      merges.push(merge);
      mergeAt.set(path.join('\0'), merge);
    }
  }
  for (const merge of merges) {
    if (merge.overlays.length === 0) continue;
    const value = new DeferredMerge(merge.values, lists, merge.overlays);
    // Merged now with tags as values, as Atmos does before evaluating them: it fails where Atmos fails.
    value.resolve();
    result = setAtPath(result, { path: merge.path, value, origin: merge.overlays[0]!.origin, where: section }, value, owned);
  }
  return result;
}

/** The path of every deferred function under mappings (not in lists: Atmos does not look there). */
function collectTagPlaces(value: unknown, at: string[], places: Map<string, string[]>): void {
  if (isPostMergeTag(value)) {
    const key = at.join('\0');
    if (!places.has(key)) places.set(key, at);
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) collectTagPlaces(value[key], [...at, key], places);
  }
}

/** The value at `path` through mappings only (Atmos's deferred merge does not look into lists). */
function valueUnderMappings(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current) || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A layer's mapping with its own deferred functions left out (each is merged at its own place, as Atmos's nil placeholders). */
function withoutPostMergeTags(value: Mapping): Mapping {
  if (!containsTag(value)) return value;
  const result: Mapping = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    setKey(result, key, isPostMergeTag(item) ? null : isRecord(item) ? withoutPostMergeTags(item) : item);
  }
  return result;
}

/** More entries than any repository needs for its shared merges; a bound against one whose stacks share nothing. */
const MEMO_LIMIT = 50_000;

/**
 * Merges shared between the stacks of one repository (ADR 011). A merge's result depends only on
 * its layers and the list strategy, and parsed files are never changed, so the same layers (by
 * identity) give the same result: a thousand stacks importing one catalog merge each catalog
 * component's sections once, not once per stack. Callers pass only layers that other stacks can
 * hold too (not a stack's own file, nor anything merged from it), and treat results as read-only.
 */
export class MergeMemo {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private readonly results = new Map<string, Mapping>();

  merge(layers: ReadonlyArray<Mapping | undefined>, lists: ListMergeStrategy): Mapping {
    let key: string = lists;
    let defined = 0;
    for (const layer of layers) {
      if (layer === undefined) continue;
      defined++;
      let id = this.ids.get(layer);
      if (id === undefined) this.ids.set(layer, (id = this.nextId++));
      key += `,${id}`;
    }
    // One layer is taken as it is: nothing to share.
    if (defined <= 1) return deepMerge(layers, lists);
    let result = this.results.get(key);
    if (result === undefined) {
      if (this.results.size >= MEMO_LIMIT) this.results.clear();
      this.results.set(key, (result = deepMerge(layers, lists)));
    }
    return result;
  }
}
