import assert from 'node:assert/strict';
import * as v from 'valibot';
import { TfwrapError, TfwrapErrors } from './errors.js';
import type { TfwrapPlugin } from './plugins.js';
import { Tfwrap } from './tfwrap.js';
import { cleanupFixtures, fixtureDir } from './testing/fixtures.js';

/** A kind whose steps record what they saw, so order and chaining can be asserted. */
function recordingPlugin(events: string[]): TfwrapPlugin {
  return {
    name: 'recording',
    apiVersion: 1,
    apply(tfwrap) {
      tfwrap.identityKinds.register({
        kind: 'test/token',
        schema: v.looseObject({ kind: v.string(), principal: v.optional(v.object({ token: v.string() })) }),
        via: 'optional',
        produces: ['token'],
        accepts: ['token'],
        load: () => ({
          async authenticate(ctx) {
            events.push(`authenticate ${ctx.identity} from ${ctx.sourceIdentity ?? 'nothing'} (${String(ctx.source?.value ?? '')})`);
            const token = (ctx.config.principal as { token: string } | undefined)?.token ?? 'root';
            return { type: 'token', value: `${String(ctx.source?.value ?? '')}/${token}` };
          },
          prepareEnv(env, ctx) {
            events.push(`identity prepareEnv ${ctx.identity}`);
            return { ...env, TOKEN: String(ctx.credentials?.value) };
          },
        }),
      });
      tfwrap.hooks.beforeAuthenticate.tap('recording', (step) => {
        events.push(`beforeAuthenticate ${step.identity} step ${step.step}`);
      });
      tfwrap.hooks.prepareEnv.tap('recording', (env) => {
        events.push('plugin prepareEnv');
        return { ...env, FROM_PLUGIN: env.TOKEN ?? 'none' };
      });
      tfwrap.hooks.afterExec.tapPromise('recording', async (result) => {
        events.push(`afterExec ${result.command} ${result.exitCode}`);
      });
    },
  };
}

const chainConfig = `
auth:
  identities:
    root:
      kind: test/token
    middle:
      kind: test/token
      via: { identity: root }
      principal: { token: m }
    target:
      kind: test/token
      via: { identity: middle }
      principal: { token: t }
`;

async function create(dir: string, plugin: TfwrapPlugin, env: Record<string, string> = {}) {
  return Tfwrap.create({ cwd: dir, env: { PATH: process.env.PATH!, ...env }, builtinPlugins: [{ name: plugin.name, load: async () => plugin }] });
}

describe('Tfwrap pipeline', () => {
  after(cleanupFixtures);

  it('authenticates a chain root first, each step fed by the one before', async () => {
    const events: string[] = [];
    const tfwrap = await create(fixtureDir({ 'tfwrap.yaml': chainConfig }), recordingPlugin(events));
    const auth = await tfwrap.authenticate('target');
    assert.deepEqual(auth.chain.map((s) => s.identity), ['root', 'middle', 'target']);
    assert.equal(auth.credentials?.value, '/root/m/t');
    // Policy taps see every step before any credentials are fetched, root first.
    assert.deepEqual(events, [
      'beforeAuthenticate root step 0',
      'beforeAuthenticate middle step 1',
      'beforeAuthenticate target step 2',
      'authenticate root from nothing ()',
      'authenticate middle from root (/root)',
      'authenticate target from middle (/root/m)',
    ]);
  });

  it("runs the identity's own prepareEnv before other plugins' taps, then afterExec", async () => {
    const events: string[] = [];
    const tfwrap = await create(fixtureDir({ 'tfwrap.yaml': chainConfig }), recordingPlugin(events));
    const auth = await tfwrap.authenticate('middle');
    events.length = 0;
    const env = await tfwrap.prepareEnv(auth);
    assert.deepEqual(events, ['identity prepareEnv middle', 'plugin prepareEnv']);
    assert.equal(env.TOKEN, '/root/m');
    assert.equal(env.FROM_PLUGIN, '/root/m');
    const result = await tfwrap.exec({ command: process.execPath, args: ['-e', 'process.exit(process.env.FROM_PLUGIN === "/root/m" ? 7 : 1)'], env, cwd: process.cwd() }, auth);
    assert.equal(result.exitCode, 7);
    assert.equal(events.at(-1), `afterExec ${process.execPath} 7`);
  });

  it('lets beforeResolve change the request', async () => {
    const plugin: TfwrapPlugin = {
      name: 'redirect',
      apiVersion: 1,
      apply(tfwrap) {
        tfwrap.hooks.beforeResolve.tap('redirect', (request) => ({ ...request, identity: 'middle' }));
      },
    };
    const tfwrap = await create(fixtureDir(), plugin);
    const request = await tfwrap.hooks.beforeResolve.promise({ command: 'auth exec', identity: 'target', args: [], cwd: '/' });
    assert.equal(request.identity, 'middle');
  });

  it("reports an exception thrown in a plugin's tap with the plugin's name", async () => {
    const plugin: TfwrapPlugin = {
      name: 'tfwrap-plugin-broken',
      apiVersion: 1,
      apply(tfwrap) {
        tfwrap.hooks.beforeResolve.tapPromise('broken-tap', async () => {
          throw new Error('boom');
        });
      },
    };
    const tfwrap = await create(fixtureDir(), plugin);
    await assert.rejects(tfwrap.hooks.beforeResolve.promise({ command: 'x', args: [], cwd: '/' }), (err: TfwrapError) => {
      assert.equal(err.code, 'E_PLUGIN_HOOK');
      assert.match(err.format(), /plugin "tfwrap-plugin-broken" failed in hook beforeResolve: boom/);
      return true;
    });
    assert.deepEqual(tfwrap.taps.map((t) => [t.hook, t.plugin]), [['beforeResolve', 'tfwrap-plugin-broken']]);
  });

  it('selects -i, then TFWRAP_IDENTITY, then the default identity; false disables', async () => {
    const config = 'auth:\n  identities:\n    a: { kind: test/token }\n    b: { kind: test/token, default: true }\n';
    const dir = fixtureDir({ 'tfwrap.yaml': config });
    const plain = await create(dir, recordingPlugin([]));
    assert.equal(plain.selectIdentity('a'), 'a');
    assert.equal(plain.selectIdentity(), 'b');
    assert.equal(plain.selectIdentity(false), undefined);
    const fromEnv = await create(dir, recordingPlugin([]), { TFWRAP_IDENTITY: 'a' });
    assert.equal(fromEnv.selectIdentity(), 'a');
    const disabled = await create(dir, recordingPlugin([]), { TFWRAP_IDENTITY: 'false' });
    assert.equal(disabled.selectIdentity(), undefined);
  });

  it('names an unknown identity with a suggestion', async () => {
    const tfwrap = await create(fixtureDir({ 'tfwrap.yaml': chainConfig }), recordingPlugin([]));
    await assert.rejects(tfwrap.authenticate('targte'), (err: TfwrapError) => {
      assert.equal(err.code, 'E_IDENTITY_UNKNOWN');
      assert.match(err.format(), /identity "targte" is not defined.*did you mean "target"/);
      return true;
    });
  });

  it('gives up on a step that never answers, with E_AUTH_TIMEOUT', async () => {
    const plugin: TfwrapPlugin = {
      name: 'hangs',
      apiVersion: 1,
      apply(tfwrap) {
        tfwrap.identityKinds.register({
          kind: 'test/hang',
          schema: v.looseObject({ kind: v.string() }),
          timeoutMs: 50,
          load: () => ({ authenticate: () => new Promise(() => {}), prepareEnv: (env) => env }),
        });
      },
    };
    const tfwrap = await create(fixtureDir({ 'tfwrap.yaml': 'auth: { identities: { h: { kind: test/hang } } }' }), plugin);
    await assert.rejects(tfwrap.authenticate('h'), (err: TfwrapError) => err.code === 'E_AUTH_TIMEOUT' && /identity "h"/.test(err.message));
  });

  it('reports schema problems of the identities in use with file and line', async () => {
    const dir = fixtureDir({ 'tfwrap.yaml': 'auth:\n  identities:\n    bad:\n      kind: test/token\n      principal:\n        token: 42\n' });
    const tfwrap = await create(dir, recordingPlugin([]));
    await assert.rejects(tfwrap.authenticate('bad'), (err: TfwrapError | TfwrapErrors) => {
      const first = err instanceof TfwrapErrors ? err.errors[0]! : err;
      assert.equal(first.code, 'E_IDENTITY_INVALID');
      assert.equal(first.location?.line, 6);
      assert.match(first.format(), /tfwrap\.yaml:6:\d+: identity "bad" \(kind test\/token\): principal\.token:/);
      return true;
    });
  });
});
