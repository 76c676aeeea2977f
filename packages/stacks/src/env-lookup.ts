/**
 * Where a component's `!env` reads its `env:` (Atmos evaluates `!env` after the merge, looking in
 * the component's `env:` first: pkg/utils/yaml_func_env.go ProcessTagEnv). tfwrap evaluates `!env`
 * when a file is read and records each read (yaml-functions.ts FunctionRead); the component pass
 * (stack.ts withEnvLookups) finds the reads in the component's layers with these helpers and merges
 * again with env:'s values in their places.
 */
import { AtmosTag } from '@tfwrap/core';
import { isRecord, type Mapping } from './merge.js';
import { sectionNames, type ComponentSection, type Manifest } from './manifest.js';
import type { FunctionRead } from './yaml-functions.js';

/** A function read in a layer: in which section, and where below it. */
export interface PlacedRead {
  read: FunctionRead;
  section: string;
  keys: readonly string[];
}

/**
 * The functions read in a layer's sections (and its `metadata:`), by layer. A file's own `locals:`
 * are not a layer's: Atmos evaluates their functions with no component (stack_processor_locals.go).
 */
const placedReadsByLayer = new WeakMap<object, PlacedRead[]>();
export function placedReads(layer: { manifest: Manifest; at: readonly (string | number)[]; sections: ComponentSection }): PlacedRead[] {
  const reads = layer.manifest.functionReads;
  if (!reads) return [];
  let placed = placedReadsByLayer.get(layer.sections);
  if (placed) return placed;
  placed = [];
  const { at } = layer;
  for (const read of reads) {
    if (read.path.length <= at.length || !at.every((key, index) => read.path[index] === key)) continue;
    const section = read.path[at.length]!;
    if (section === 'locals' && at[0] !== 'components') continue;
    if (section === 'metadata' ? read.name !== undefined : (sectionNames as readonly string[]).includes(section)) placed.push({ read, section, keys: read.path.slice(at.length + 1) });
  }
  placedReadsByLayer.set(layer.sections, placed);
  return placed;
}

/** What replaceAt returns when the place does not hold the value expected. */
export const notThere = Symbol('not there');

/** `container` with `replacement` at `keys` (copied along the path), when `expected` is there. */
export function replaceAt(container: unknown, keys: readonly string[], expected: unknown, replacement: unknown): unknown {
  if (keys.length === 0) return container === expected ? replacement : notThere;
  const [key, ...rest] = keys as [string, ...string[]];
  if (Array.isArray(container)) {
    const index = Number(key);
    if (!(index in container)) return notThere;
    const next = replaceAt(container[index], rest, expected, replacement);
    if (next === notThere) return notThere;
    const copy = container.slice();
    copy[index] = next;
    return copy;
  }
  if (!isRecord(container) || !Object.hasOwn(container, key)) return notThere;
  const next = replaceAt(container[key], rest, expected, replacement);
  if (next === notThere) return notThere;
  const copy: Mapping = { ...container };
  if (key === '__proto__') Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  else copy[key] = next;
  return copy;
}

export function valueAt(value: unknown, keys: readonly string[]): unknown {
  for (const key of keys) value = value !== null && typeof value === 'object' ? (value as Mapping)[key] : undefined;
  return value;
}

/** Plain data equal (mappings, lists, scalars; tags by their text). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof AtmosTag || b instanceof AtmosTag) return a instanceof AtmosTag && b instanceof AtmosTag && a.tag === b.tag && a.argument === b.argument;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameData(item, b[index]));
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameData(a[key], b[key]));
}
