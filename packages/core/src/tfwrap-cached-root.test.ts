// A cached chain root (aws/user) keyed by its offline source fingerprint: new source, new session.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import type { AuthenticateContext } from './identity.js';
import type { TfwrapPlugin } from './plugins.js';
import { Tfwrap } from './tfwrap.js';

describe('Tfwrap.authenticate with a cached root', () => {
  let dir: string;
  let calls: string[];
  const plugin: TfwrapPlugin = {
    name: 'fake-user',
    apiVersion: 1,
    apply(tfwrap) {
      tfwrap.identityKinds.register({
        kind: 'fake/user',
        schema: v.looseObject({ kind: v.string() }),
        produces: ['fake'],
        cache: true,
        load: () => ({
          authenticate: async (ctx: AuthenticateContext) => {
            calls.push(ctx.parentEnv.USER_KEY ?? 'none');
            return { type: 'fake', token: `session-of-${ctx.parentEnv.USER_KEY}`, expiration: new Date(Date.now() + 3600_000) };
          },
          prepareEnv: (env) => env,
          sourceFingerprint: (ctx) => (ctx.identity === 'with-fingerprint' ? `digest-of-${ctx.parentEnv.USER_KEY}` : undefined),
        }),
      });
    },
  };
  const create = (env: Record<string, string>) =>
    Tfwrap.create({ cwd: dir, env: { HOME: dir, XDG_CACHE_HOME: join(dir, 'cache'), XDG_CONFIG_HOME: join(dir, 'config'), ...env }, builtinPlugins: [{ name: 'fake-user', load: async () => ({ default: plugin }) }], writeLog: () => {} });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfwrap-cached-root-'));
    writeFileSync(join(dir, 'tfwrap.yaml'), 'auth:\n  identities:\n    with-fingerprint: { kind: fake/user }\n    without: { kind: fake/user }\n');
    calls = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reuses the session while the source is the same, and obtains a new one when it changes', async () => {
    assert.equal((await (await create({ USER_KEY: 'one' })).authenticate('with-fingerprint')).credentials?.token, 'session-of-one');
    assert.equal((await (await create({ USER_KEY: 'one' })).authenticate('with-fingerprint')).chain[0]!.cached, true);
    assert.equal((await (await create({ USER_KEY: 'two' })).authenticate('with-fingerprint')).credentials?.token, 'session-of-two');
    assert.deepEqual(calls, ['one', 'two']);
  });

  it('without a fingerprint, the session is keyed by the configuration alone', async () => {
    await (await create({ USER_KEY: 'one' })).authenticate('without');
    assert.equal((await (await create({ USER_KEY: 'two' })).authenticate('without')).credentials?.token, 'session-of-one');
    assert.deepEqual(calls, ['one']);
  });
});
