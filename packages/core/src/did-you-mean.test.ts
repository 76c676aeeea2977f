import assert from 'node:assert/strict';
import * as v from 'valibot';
import { didYouMean, schemaProblems, similarNames } from './did-you-mean.js';

describe('did you mean', () => {
  it('suggests near names, and nothing when nothing is near', () => {
    assert.deepEqual(similarNames('principle', ['principal', 'via', 'kind']), ['principal']);
    assert.equal(didYouMean('dve', ['dev', 'prod']), "Did you mean 'dev'?");
    assert.equal(didYouMean('zzz', ['dev', 'prod']), undefined);
  });

  const principal = v.strictObject({ assume_role: v.string(), region: v.optional(v.string()) }, 'unknown field');
  const strict = v.strictObject({ kind: v.string(), principal }, 'unknown field');
  const loose = v.looseObject({ kind: v.string(), principal });
  const problems = (schema: v.GenericSchema, input: unknown) => schemaProblems(schema, v.safeParse(schema, input).issues ?? []).map((p) => [p.path.join('.'), p.message]);

  it('names an unknown key with the nearest known one, and drops the "missing" twin of a misspelt key', () => {
    assert.deepEqual(problems(strict, { kind: 'k', principle: { assume_role: 'r' } }), [['principle', 'unknown field "principle" (did you mean "principal"?)']]);
    assert.deepEqual(problems(strict, { kind: 'k', principal: { assume_role: 'r', regoin: 'x' } }), [['principal.regoin', 'unknown field "regoin" (did you mean "region"?)']]);
  });

  it('names a key with nothing near it without a guess', () => {
    assert.deepEqual(problems(strict, { kind: 'k', principal: { assume_role: 'r', colour: 'x' } }), [['principal.colour', 'unknown field "colour"']]);
  });

  it('finds the misspelling a loose schema let through from the key it misses', () => {
    assert.deepEqual(problems(loose, { kind: 'k', principle: { assume_role: 'r' } }), [['principle', 'unknown field "principle" (did you mean "principal"?)']]);
  });

  it('keeps other issues as they are', () => {
    assert.deepEqual(problems(strict, { kind: 1, principal: { assume_role: 'r' } }), [['kind', 'Invalid type: Expected string but received 1']]);
  });
});
