import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { AtmosTag, parseAtmosYaml } from './atmos-tags.js';

describe('AtmosTag', () => {
  it('keeps its file and line, and equals a marker saying the same thing from another checkout', () => {
    const one = (parseAtmosYaml('a: 1\nb: !terraform.output vpc id\n', '/one/stacks/dev.yaml') as { b: AtmosTag }).b;
    const two = (parseAtmosYaml('b: !terraform.output vpc id\n', '/two/stacks/dev.yaml') as { b: AtmosTag }).b;
    assert.equal(one.file, '/one/stacks/dev.yaml');
    assert.equal(one.line, 2);
    assert.equal(two.line, 1);
    // describe affected compares the base and head revisions, checked out in different places.
    assert.ok(isDeepStrictEqual(one, two));
    assert.equal(JSON.stringify(one), '{"tag":"!terraform.output","argument":"vpc id"}');
    assert.ok(!isDeepStrictEqual(one, new AtmosTag('!terraform.output', 'vpc cidr', '/one/stacks/dev.yaml')));
  });
});
