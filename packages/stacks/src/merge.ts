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
import { deepmergeCustom } from 'deepmerge-ts';
import { AtmosTag } from '@tfwrap/core';
import type { ListMergeStrategy } from './settings.js';

const mergeReplacingLists = deepmergeCustom({
  mergeArrays: false,
  mergeSets: false,
  mergeMaps: false,
  // The default keeps a trail of parents for custom merge functions; none here use it, and
  // building it made merging about eight times slower.
  metaDataUpdater: () => undefined,
});

export type Mapping = Record<string, unknown>;

const mergeAppendingLists = deepmergeCustom({
  mergeArrays: (values) => (values as unknown as unknown[][]).flat(),
  mergeSets: false,
  mergeMaps: false,
  metaDataUpdater: () => undefined,
});

const mergeListsItemByItem = deepmergeCustom({
  mergeArrays: (values) => (values as unknown as unknown[][]).reduce((earlier, later) => mergeItems(earlier, later)),
  mergeSets: false,
  mergeMaps: false,
  metaDataUpdater: () => undefined,
});

function mergeItems(earlier: unknown[], later: unknown[]): unknown[] {
  const result: unknown[] = [];
  for (let i = 0; i < Math.max(earlier.length, later.length); i++) {
    if (i >= earlier.length) result.push(later[i]);
    else if (i >= later.length) result.push(earlier[i]);
    else if (isPlainMapping(earlier[i]) && isPlainMapping(later[i])) result.push(mergeListsItemByItem(earlier[i] as Mapping, later[i] as Mapping));
    else result.push(earlier[i]);
  }
  return result;
}

function isPlainMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

const mergers = { replace: mergeReplacingLists, append: mergeAppendingLists, merge: mergeListsItemByItem };

/** Merge mappings, later ones winning. Layers that are undefined are skipped. */
export function deepMerge(layers: ReadonlyArray<Mapping | undefined>, lists: ListMergeStrategy = 'replace'): Mapping {
  const present = layers.filter((layer): layer is Mapping => layer !== undefined);
  if (present.length === 0) return {};
  // The result may share nested values with the layers; callers clone what they hand out.
  return mergers[lists](...present) as Mapping;
}

/**
 * A deep copy of parsed YAML data (mappings, lists, scalars, dates). Several times faster than
 * structuredClone on such data, which matters when resolving every component of many stacks.
 */
/**
 * A copy of `value` in which every Atmos tag (a YAML function left as a marker) is replaced by
 * `replace(tag)`; mappings and lists are copied, a `__proto__` key stays data.
 */
export function mapTags(value: unknown, replace: (tag: AtmosTag) => unknown): unknown {
  if (value instanceof AtmosTag) return replace(value);
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

export function cloneData<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof AtmosTag) return value;
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
