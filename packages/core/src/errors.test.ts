import assert from 'node:assert/strict';
import { TfwrapError, TfwrapErrors, errorCodes, exitCodeOf, registerErrorCodes, type ErrorCode } from './errors.js';

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

describe('TfwrapError fields', () => {
  it('keeps what the error is about as fields, and about() leads the message with the identity and its step', () => {
    const inner = new TfwrapError('E_AUTH_FAILED', 'STS refused the call', { hint: 'check the trust policy', command: 'terraform' });
    const wrapped = inner.about('deploy', { chain: ['base', 'deploy'], step: 1, plugin: 'aws' });
    assert.equal(wrapped.identity, 'deploy');
    assert.deepEqual(wrapped.chain, ['base', 'deploy']);
    assert.equal(wrapped.detail, 'STS refused the call');
    assert.equal(wrapped.command, 'terraform');
    assert.equal(wrapped.message, 'identity "deploy" (step 2 of base -> deploy): STS refused the call');
    assert.equal(wrapped.format(), 'identity "deploy" (step 2 of base -> deploy): STS refused the call (plugin aws). Hint: check the trust policy [E_AUTH_FAILED]');
    assert.equal(wrapped.cause, inner);
  });

  it('about() leaves an error that already concerns an identity as it is', () => {
    const own = new TfwrapError('E_IDENTITY_INVALID', 'identity "sso" is a sign-in', { identity: 'sso' });
    assert.equal(own.about('deploy', { chain: ['sso', 'deploy'], step: 1 }), own);
    assert.equal(new TfwrapError('E_AUTH_FAILED', 'refused').about('solo', { chain: ['solo'], step: 0 }).message, 'identity "solo": refused');
  });

  it('with() adds context and keeps every field', () => {
    const err = new TfwrapError('E_CONFIG_INVALID', 'stacks must be a mapping', { configPath: ['stacks'], stackName: 'dev', component: 'vpc' });
    const located = err.with({ location: { file: 'tfwrap.yaml', line: 3 } });
    assert.deepEqual(located.configPath, ['stacks']);
    assert.equal(located.stackName, 'dev');
    assert.equal(located.component, 'vpc');
    assert.equal(located.format(), 'tfwrap.yaml:3: stacks must be a mapping. [E_CONFIG_INVALID]');
  });
});

describe('error code registry', () => {
  it('gives core codes their exit status and a code nobody declared 70', () => {
    assert.equal(exitCodeOf('E_CONFIG_INVALID'), 2);
    assert.equal(exitCodeOf('E_AUTH_TIMEOUT'), 3);
    assert.equal(exitCodeOf('E_COMMAND_NOT_FOUND'), 127);
    assert.equal(exitCodeOf('E_NOBODY_DECLARED_THIS'), 70);
  });

  it('lets a package or plugin declare codes with an exit class, seen by every copy of core', async () => {
    const other = (await import(`./errors.js?registry=${process.pid}`)) as typeof import('./errors.js');
    other.registerErrorCodes({ E_TEST_VAULT_SEALED: 'auth' });
    assert.equal(exitCodeOf('E_TEST_VAULT_SEALED'), 3);
    assert.equal(errorCodes().get('E_TEST_VAULT_SEALED'), 'auth');
    assert.equal(new TfwrapError('E_TEST_VAULT_SEALED' as ErrorCode, 'sealed').exitCode, 3);
    registerErrorCodes({ E_TEST_VAULT_SEALED: 'auth' }); // the same declaration again is fine
  });

  it('refuses a code declared twice with different exit classes, a bad name or a bad class', () => {
    registerErrorCodes({ E_TEST_TWICE: 'config' });
    assert.throws(() => registerErrorCodes({ E_TEST_TWICE: 'auth' }), /declared twice, as config and as auth/);
    assert.throws(() => registerErrorCodes({ 'bad-name': 'config' }), /not E_ and capitals/);
    assert.throws(() => registerErrorCodes({ E_TEST_CLASS: 'ok' as never }), /no exit class "ok"/);
  });
});
