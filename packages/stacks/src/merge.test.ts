import assert from 'node:assert/strict';
import { deepmergeCustom } from 'deepmerge-ts';
import { AtmosTag } from '@tfwrap/core';
import { deepMerge, type Mapping } from './merge.js';

describe('deepMerge', () => {
  it('merges mappings recursively and replaces lists and scalars whole', () => {
    assert.deepEqual(deepMerge([
      { tags: { a: '1', b: '2' }, zones: ['a', 'b'], size: 1, nested: { deep: { x: 1 } } },
      undefined,
      { tags: { b: 'two', c: '3' }, zones: ['c'], nested: { deep: { y: 2 } } },
    ]), { tags: { a: '1', b: 'two', c: '3' }, zones: ['c'], size: 1, nested: { deep: { x: 1, y: 2 } } });
  });

  it('lets a later null, scalar or mapping replace a value of another kind', () => {
    assert.deepEqual(deepMerge([{ a: { b: 1 }, c: 'x', d: [1] }, { a: null, c: { e: 1 }, d: 'flat' }]), { a: null, c: { e: 1 }, d: 'flat' });
  });

  it('merges what comes after such a replacement into it, as Atmos does layer by layer', () => {
    assert.deepEqual(deepMerge([{ a: 'x', d: 'flat' }, { a: { b: 1 }, d: [1] }, undefined, { a: { c: 2 }, d: [2] }], 'append'), { a: { b: 1, c: 2 }, d: [1, 2] });
    assert.deepEqual(deepMerge([{ a: { b: 1 } }, { a: null }, { a: { c: 2 } }]), { a: { c: 2 } });
  });

  it('does not change its inputs', () => {
    const first = { map: { a: 1 } };
    deepMerge([first, { map: { b: 2 } }]);
    assert.deepEqual(first, { map: { a: 1 } });
  });
});

describe('deepMerge against deepmerge-ts applied layer by layer (Atmos merges each layer into the ones before)', function () {
  this.timeout(60_000);
  // The configurations merge.ts used before it was written out, one per list strategy.
  const reference = {
    replace: deepmergeCustom({ mergeArrays: false, mergeSets: false, mergeMaps: false, metaDataUpdater: () => undefined }),
    append: deepmergeCustom({ mergeArrays: (values) => (values as unknown as unknown[][]).flat(), mergeSets: false, mergeMaps: false, metaDataUpdater: () => undefined }),
  } as const;
  const itemByItem: (...values: unknown[]) => unknown = deepmergeCustom({
    mergeArrays: (values) => (values as unknown as unknown[][]).reduce((earlier, later) => {
      const result: unknown[] = [];
      for (let i = 0; i < Math.max(earlier.length, later.length); i++) {
        if (i >= earlier.length) result.push(later[i]);
        else if (i >= later.length) result.push(earlier[i]);
        else if (isMappingLike(earlier[i]) && isMappingLike(later[i])) result.push(itemByItem(earlier[i], later[i]));
        else result.push(earlier[i]);
      }
      return result;
    }),
    mergeSets: false, mergeMaps: false, metaDataUpdater: () => undefined,
  });
  const isMappingLike = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

  // Small deterministic random data: mappings over a few keys, lists, scalars, null, dates. (A tag
  // meeting a mapping is an error, tested below; a tag meeting anything else is a scalar.)
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const value = (depth: number): unknown => {
    const kind = random();
    if (depth > 0 && kind < 0.45) return mapping(depth - 1);
    if (depth > 0 && kind < 0.6) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth - 1));
    return pick<unknown>(['a', 'b', 1, 2, true, null, new Date(0), undefined]);
  };
  const mapping = (depth: number): Mapping => {
    const result: Mapping = {};
    for (const key of ['a', 'b', 'c', 'd', '1']) if (random() < 0.5) result[key] = value(depth);
    return result;
  };

  for (const lists of ['replace', 'append', 'merge'] as const) {
    it(`gives the same result, key order included, with list_merge_strategy ${lists}`, () => {
      for (let i = 0; i < 500; i++) {
        const layers = Array.from({ length: 1 + Math.floor(random() * 4) }, () => (random() < 0.15 ? undefined : mapping(3)));
        const present = layers.filter((layer) => layer !== undefined);
        const merge = (lists === 'merge' ? itemByItem : reference[lists]) as (earlier: unknown, later: unknown) => unknown;
        const expected = present.length === 0 ? {} : present.slice(1).reduce<unknown>((earlier, later) => merge(earlier, later), present[0]);
        const actual = deepMerge(layers, lists);
        assert.deepEqual(actual, expected);
        assert.equal(JSON.stringify(actual), JSON.stringify(expected));
      }
    });
  }

  it('a YAML function is a plain value in a plain merge: a later mapping replaces it, a later function replaces a mapping (pkg/merge Merge; the deferred merge is between a component\'s four layers only: withDeferredMerges)', () => {
    const tag = new AtmosTag('!template', '{{ toJson .settings.cfg }}', '/r/stacks/base.yaml');
    tag.line = 7;
    assert.deepEqual(deepMerge([{ config: tag }, { config: { a: 1 } }]).config, { a: 1 });
    assert.equal(deepMerge([{ config: { a: 1 } }, { config: tag }]).config, tag);
    assert.equal(deepMerge([{ config: tag }, { config: 'x' }]).config, 'x');
    assert.equal(deepMerge([{ config: 'x' }, { config: tag }]).config, tag);
  });

  it('keeps a __proto__ key as data', () => {
    const later = JSON.parse('{"__proto__": {"polluted": true}, "b": 1}') as Mapping;
    const merged = deepMerge([{ a: 1 }, later]);
    assert.deepEqual(Object.keys(merged), ['a', '__proto__', 'b']);
    assert.equal(({} as Mapping).polluted, undefined);
    assert.deepEqual(merged.__proto__, { polluted: true });
  });
});
