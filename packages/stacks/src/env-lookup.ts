/**
 * The functions tfwrap evaluates when a file is read (`!env`, `!exec`, ...) where Atmos evaluates
 * them after the merge, and what that changes. tfwrap records each read (yaml-functions.ts
 * FunctionRead); the component pass (stack.ts) finds the reads in the component's layers with these
 * helpers: a `!env` looks in the component's `env:` first (pkg/utils/yaml_func_env.go
 * ProcessTagEnv: merged again with env:'s values in their places, stack.ts withEnvLookups), and
 * where Atmos would merge the function's text rather than its value, a one-line error
 * (readFunctionMergeProblem).
 */
import path from 'node:path';
import { TfwrapError } from '@tfwrap/core';
import { isRecord, valueAt, type Mapping } from './merge.js';
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

/** The functions Atmos defers (merge_yaml_functions.go isAtmosYAMLFunction) that tfwrap evaluates when the file is read. */
const deferredByAtmos: ReadonlySet<string> = new Set(['!env', '!exec', '!template']);

/** The sections where Atmos merges such a function's value with what other layers set there, across layers (stack_processor_merge.go). */
const atmosDeferredSections: ReadonlySet<string> = new Set(['vars', 'settings', 'env', 'auth', 'providers', 'hooks']);

/**
 * Where a function tfwrap evaluated when the file was read merges into another value than Atmos's:
 * Atmos merges the function as its text within one of its four layers (globals, bases, the
 * component's own files, overrides), and across them outside `atmosDeferredSections`; so a mapping
 * (or a list, unless lists replace) it gives that meets one another file sets there is deep-merged by
 * tfwrap where Atmos takes the later of the two whole. Across layers, in those sections, Atmos's
 * deferred merge ignores a later `null` that tfwrap would apply. The first such place as an
 * E_UNSUPPORTED error at the function, else undefined.
 */
export function readFunctionMergeProblem(layers: ReadonlyArray<{ manifest: Manifest; at: readonly (string | number)[]; sections: ComponentSection }>,
  groupOf: (index: number) => number, lists: string): TfwrapError | undefined {
  for (const [index, layer] of layers.entries()) {
    for (const placed of placedReads(layer)) {
      const { read, section, keys } = placed;
      if (!deferredByAtmos.has(read.tag) || section === 'metadata') continue;
      const value = valueAt((layer.sections as Mapping)[section], keys);
      if (value !== read.value) continue; // changed since (a template of the file, env:'s value)
      const mergeable = isRecord(value) || (Array.isArray(value) && lists !== 'replace');
      const at = [section, ...keys].join('.');
      for (const [other, otherLayer] of layers.entries()) {
        if (other === index) continue;
        const there = valueAt((otherLayer.sections as Mapping)[section], keys);
        if (there === undefined) continue;
        const sameLayer = groupOf(other) === groupOf(index);
        const where = path.basename(otherLayer.manifest.file);
        if (mergeable && (isRecord(there) || Array.isArray(there)) && (sameLayer || !atmosDeferredSections.has(section))) {
          return new TfwrapError('E_UNSUPPORTED', `${read.text} gives ${at} a ${isRecord(value) ? 'mapping' : 'list'} that ${where} sets too: Atmos merges the function there as its text (the later of the two replaces the other), tfwrap merges its value`, {
            location: { file: read.file, line: read.line }, hint: `set ${at} in one place, or move one of the two values under another key`,
          });
        }
        if (there === null && other > index && !sameLayer && atmosDeferredSections.has(section)) {
          return new TfwrapError('E_UNSUPPORTED', `${read.text} at ${at}: ${where} sets it to null, which Atmos's deferred merge ignores (keeping the function's value) and tfwrap applies`, {
            location: { file: read.file, line: read.line }, hint: `remove the null, or the function`,
          });
        }
      }
    }
  }
  return undefined;
}
