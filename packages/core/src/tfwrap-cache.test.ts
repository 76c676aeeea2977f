// Tfwrap.authenticate with the session cache, using fake kinds (no cloud).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import type { AuthenticateContext, Credentials } from './identity.js';
import type { TfwrapPlugin } from './plugins.js';
import { Tfwrap } from './tfwrap.js';

describe('Tfwrap.authenticate with cached sessions', () => {
  let dir: string;
  let calls: string[];
  let rootFingerprint: string | undefined;
  const fakes: TfwrapPlugin = {
    name: 'fakes',
    apiVersion: 1,
    apply(tfwrap) {
      tfwrap.identityKinds.register({
        kind: 'fake/root',
        schema: v.looseObject({ kind: v.string() }),
        produces: ['fake'],
        load: () => ({
          authenticate: async (ctx: AuthenticateContext) => {
            calls.push(ctx.identity);
            return { type: 'fake', token: `root-secret-${calls.length}`, expiration: new Date(Date.now() + 3600_000) };
          },
          prepareEnv: (env) => env,
          sourceFingerprint: () => rootFingerprint,
        }),
      });
      tfwrap.identityKinds.register({
        kind: 'fake/hop',
        schema: v.looseObject({ kind: v.string() }),
        via: 'required',
        accepts: ['fake'],
        produces: ['fake'],
        cache: true,
        load: () => ({
          authenticate: async (ctx: AuthenticateContext) => {
            calls.push(ctx.identity);
            const source = ctx.source as Credentials & { token: string };
            return { type: 'fake', token: `${ctx.identity}-from-${source.token}`, principalArn: `arn:${ctx.identity}`, expiration: new Date(Date.now() + 3600_000) };
          },
          prepareEnv: (env) => env,
        }),
      });
    },
  };
  const CONFIG = `auth:
  identities:
    root: { kind: fake/root }
    a: { kind: fake/hop, via: { identity: root } }
    b: { kind: fake/hop, via: { identity: a }, setting: 1 }
`;
  const create = (env: Record<string, string> = {}) =>
    Tfwrap.create({ cwd: dir, env: { HOME: dir, XDG_CACHE_HOME: join(dir, 'cache'), XDG_CONFIG_HOME: join(dir, 'config'), ...env }, builtinPlugins: [{ name: 'fakes', load: async () => ({ default: fakes }) }], writeLog: () => {} });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfwrap-auth-'));
    writeFileSync(join(dir, 'tfwrap.yaml'), CONFIG);
    calls = [];
    rootFingerprint = 'root-source-1';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a warm run with an offline-fingerprinted root resolves nothing, and still reports every step', async () => {
    const cold = await (await create()).authenticate('b');
    assert.deepEqual(calls, ['root', 'a', 'b']);
    calls = [];
    const warm = await (await create()).authenticate('b');
    assert.deepEqual(calls, []);
    assert.deepEqual(warm.credentials, cold.credentials);
    assert.deepEqual(warm.chain.map((s) => [s.identity, s.principalArn, s.cached]), [
      ['root', undefined, false],
      ['a', 'arn:a', true],
      ['b', 'arn:b', true],
    ]);
    assert.ok(warm.chain[1]!.expiration instanceof Date);
  });

  it('an intermediate cached step feeds the next without touching the root', async () => {
    await (await create()).authenticate('a');
    calls = [];
    await (await create()).authenticate('b');
    assert.deepEqual(calls, ['b']);
  });

  it('a changed root source, or an edited step, misses', async () => {
    await (await create()).authenticate('b');
    rootFingerprint = 'root-source-2';
    calls = [];
    await (await create()).authenticate('b');
    assert.deepEqual(calls, ['root', 'a', 'b']);
    writeFileSync(join(dir, 'tfwrap.yaml'), CONFIG.replace('setting: 1', 'setting: 2'));
    calls = [];
    await (await create()).authenticate('b');
    assert.deepEqual(calls, ['b'], 'only the edited step and what follows');
  });

  it('without an offline fingerprint the root is resolved and its credentials key the chain', async () => {
    rootFingerprint = undefined;
    await (await create()).authenticate('b');
    calls = [];
    // The fake root returns a different token each call: a new source, so nothing is replayed.
    await (await create()).authenticate('b');
    assert.deepEqual(calls, ['root', 'a', 'b']);
  });

  it('--fresh obtains every cached step again', async () => {
    await (await create()).authenticate('b');
    calls = [];
    await (await create()).authenticate('b', { fresh: true });
    assert.deepEqual(calls, ['root', 'a', 'b']);
  });

  it('concurrent authentications of one target obtain each step once', async () => {
    const instances = await Promise.all(Array.from({ length: 6 }, () => create()));
    await Promise.all(instances.map((t) => t.authenticate('b')));
    assert.deepEqual(calls, ['root', 'a', 'b']);
  });

  it('refresh margin and min_remaining come from the environment or auth.session', async () => {
    assert.deepEqual((await create()).sessionSettings(), { refreshMarginSeconds: 900, minRemainingSeconds: 300 });
    assert.equal((await create({ TFWRAP_SESSION_REFRESH_MARGIN: '5m' })).sessionSettings().refreshMarginSeconds, 300);
    writeFileSync(join(dir, 'tfwrap.yaml'), CONFIG.replace('auth:\n', 'auth:\n  session:\n    refresh_margin: 20m\n    min_remaining: 1m\n'));
    assert.deepEqual((await create()).sessionSettings(), { refreshMarginSeconds: 1200, minRemainingSeconds: 60 });
    const bad = await create({ TFWRAP_SESSION_REFRESH_MARGIN: 'soon' });
    assert.throws(() => bad.sessionSettings(), /TFWRAP_SESSION_REFRESH_MARGIN: "soon" is not a duration/);
  });

  it('logout removes the sessions', async () => {
    const t = await create();
    await t.authenticate('b');
    await t.logout('b');
    calls = [];
    await (await create()).authenticate('b');
    assert.deepEqual(calls, ['b'], 'a is still cached');
    await (await create()).logout();
    calls = [];
    await (await create()).authenticate('b');
    assert.deepEqual(calls, ['root', 'a', 'b']);
  });
});
