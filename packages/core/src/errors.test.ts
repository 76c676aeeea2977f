import assert from 'node:assert/strict';
import { TfwrapError, TfwrapErrors } from './errors.js';

describe('TfwrapError across copies of core', () => {
  // A plugin's own @tfwrap/core and the CLI bundle's are two copies of this module.
  it('instanceof holds for errors made by another copy of the module, and only for them', async () => {
    const copy = `./errors.js?copy=${process.pid}`;
    const other = (await import(copy)) as typeof import('./errors.js');
    assert.notEqual(other.TfwrapError, TfwrapError);
    const err = new other.TfwrapError('E_AUTH_FAILED', 'refused', { hint: 'sign in' });
    assert.ok(err instanceof TfwrapError);
    assert.equal(err.exitCode, 3);
    assert.ok(new other.TfwrapErrors([err]) instanceof TfwrapErrors);
    assert.ok(!(err instanceof TfwrapErrors));
    assert.ok(!(new Error('refused') instanceof TfwrapError));
    assert.ok(!({ code: 'E_AUTH_FAILED' } instanceof TfwrapError));
    assert.ok(!((null as unknown) instanceof TfwrapError));
  });
});
