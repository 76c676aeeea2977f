import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLUGIN_API_VERSION, Tfwrap, TfwrapError } from '@tfwrap/core';
import { KIT_API_VERSION, defineCommand, defineIdentityKind, definePlugin, identitySchema, v } from './index.js';

async function tfwrapWith(plugin: ReturnType<typeof definePlugin>, yaml = '{}\n', options?: unknown): Promise<Tfwrap> {
  const dir = mkdtempSync(join(tmpdir(), 'tfwrap-kit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tfwrap.yaml'), yaml);
  return Tfwrap.create({
    cwd: dir,
    env: { HOME: dir, TFWRAP_CONFIG_DIR: join(dir, 'c'), TFWRAP_CACHE_DIR: join(dir, 'k') },
    writeLog: () => {},
    builtinPlugins: [{ name: plugin.name, load: async () => ({ ...plugin, apply: (t: Tfwrap) => plugin.apply(t, options) }) }],
  });
}

const kind = defineIdentityKind({
  kind: 'acme/static',
  description: 'fixed credentials, for tests',
  schema: identitySchema({ kind: 'acme/static', principal: { key: v.string() } }),
  produces: ['aws'],
  load: () => ({
    authenticate: async (ctx) => ({ type: 'aws', accessKeyId: ctx.config.principal.key, secretAccessKey: 'x'.repeat(20) }),
    prepareEnv: (env) => env,
  }),
});

describe('plugin-kit', () => {
  it('targets the API core provides', () => {
    assert.equal(KIT_API_VERSION, PLUGIN_API_VERSION);
    assert.equal(definePlugin({ name: 'p' }).apiVersion, PLUGIN_API_VERSION);
  });

  it('registers kinds and taps hooks under the plugin name', async () => {
    const seen: number[] = [];
    const plugin = definePlugin({
      name: 'tfwrap-plugin-acme',
      kinds: [kind],
      hooks: { afterExec: () => async (result) => void seen.push(result.exitCode) },
    });
    const tfwrap = await tfwrapWith(plugin);
    assert.equal(tfwrap.identityKinds.get('acme/static')?.plugin, 'tfwrap-plugin-acme');
    assert.deepEqual(tfwrap.taps.filter((t) => t.plugin === 'tfwrap-plugin-acme').map((t) => t.hook), ['afterExec']);
    await tfwrap.hooks.afterExec.promise({ command: 'true', args: [], exitCode: 0, durationMs: 1 });
    assert.deepEqual(seen, [0]);
  });

  it('checks options against the schema and names the plugin when they are wrong', async () => {
    const plugin = definePlugin({ name: 'tfwrap-plugin-opts', options: v.strictObject({ file: v.string() }) });
    await assert.rejects(tfwrapWith(plugin, '{}\n', { file: 3 }), (err: unknown) => {
      assert.ok(err instanceof TfwrapError);
      assert.match(err.format(), /plugin "tfwrap-plugin-opts" options are invalid: file: /);
      return true;
    });
  });

  it('identitySchema adds kind, default, description and via, and rejects unknown fields', () => {
    const chained = identitySchema({ kind: 'acme/x', via: 'required', principal: { role: v.string() } });
    assert.ok(v.is(chained, { kind: 'acme/x', default: true, description: 'd', via: { identity: 'base' }, principal: { role: 'r' } }));
    assert.ok(!v.is(chained, { kind: 'acme/x', principal: { role: 'r' } }), 'via is required');
    assert.ok(!v.is(chained, { kind: 'acme/x', via: { identity: 'b' }, principal: { role: 'r', extra: 1 } }));
    assert.ok(!v.is(chained, { kind: 'acme/x', via: { identity: 'b' }, principle: { role: 'r' } }));
    assert.ok(!v.is(chained, { kind: 'acme/y', via: { identity: 'b' }, principal: { role: 'r' } }));
    const optional = identitySchema({ principalOptional: true, principal: { region: v.optional(v.string()) } });
    assert.ok(v.is(optional, { kind: 'anything' }));
  });

  it("takes everything core's kind definition has (cache, checkChain, sourceFingerprint, logout, login), typed from the schema", async () => {
    const loggedOut: string[] = [];
    const full = defineIdentityKind({
      kind: 'acme/full',
      description: 'every optional member',
      schema: identitySchema({ kind: 'acme/full', via: 'optional', principal: { portal: v.string() } }),
      via: 'optional',
      cache: true,
      checkChain: (identity) => (identity.config.principal.portal.startsWith('https://') ? undefined : 'principal.portal must be https'),
      load: () => ({
        authenticate: async () => undefined,
        prepareEnv: (env) => env,
        sourceFingerprint: (ctx) => ctx.config.principal.portal,
        logout: (ctx) => void loggedOut.push(ctx.config.principal.portal),
        login: async (ctx) => ({ summary: `signed in to ${ctx.config.principal.portal}` }),
      }),
    });
    const plugin = definePlugin({ name: 'tfwrap-plugin-full', kinds: (tfwrap) => (tfwrap.paths.configDir ? [full] : []) });
    const tfwrap = await tfwrapWith(plugin);
    const registered = tfwrap.identityKinds.get('acme/full');
    assert.equal(registered?.cache, true);
    const config = { kind: 'acme/full', principal: { portal: 'http://x' } };
    assert.equal(registered?.checkChain?.({ name: 'a', config }, { name: 'b', kind: 'ambient', config: { kind: 'ambient' } }), 'principal.portal must be https');
    const impl = await tfwrap.identityKinds.load('acme/full');
    assert.equal(impl.sourceFingerprint?.({ identity: 'a', config, parentEnv: {} }), 'http://x');
  });

  it('carries the commands a plugin contributes, and refuses a command name that is not words', () => {
    const commands = [defineCommand({ name: ['acme', 'forget'], description: 'forget', load: () => async () => 0 })];
    assert.deepEqual(definePlugin({ name: 'tfwrap-plugin-acme', commands }).commands, commands);
    assert.throws(() => defineCommand({ name: ['Acme Forget'], description: 'x' }), /must be lower-case words/);
  });

  it('refuses a kind name that is not lower-case words', () => {
    assert.throws(() => defineIdentityKind({ ...kind, kind: 'Acme Static' } as never), /must be lower-case/);
  });
});
