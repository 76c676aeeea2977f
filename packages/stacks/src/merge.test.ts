import assert from 'node:assert/strict';
import { deepMerge } from './merge.js';

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

  it('does not change its inputs', () => {
    const first = { map: { a: 1 } };
    deepMerge([first, { map: { b: 2 } }]);
    assert.deepEqual(first, { map: { a: 1 } });
  });
});
