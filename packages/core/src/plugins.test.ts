import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TfwrapError } from './errors.js';
import { candidateNames, PLUGIN_API_VERSION } from './plugins.js';
import { Tfwrap } from './tfwrap.js';
import { cleanupFixtures, fixtureDir, rejection as rejectionOf } from './testing/fixtures.js';

const rejection = (promise: Promise<unknown>) => rejectionOf<TfwrapError>(promise);

const pluginSource = (name: string, body = '', apiVersion = PLUGIN_API_VERSION) => `
export default {
  name: ${JSON.stringify(name)},
  apiVersion: ${apiVersion},
  apply(tfwrap, options) {
    globalThis.__applied = [...(globalThis.__applied ?? []), [${JSON.stringify(name)}, options]];
    ${body}
  },
};
`;

const kindBody = (kind: string) => `tfwrap.identityKinds.register({ kind: ${JSON.stringify(kind)}, schema: { kind: 'schema', type: 'unknown', async: false, '~run': (d) => d }, load: () => ({}) });`;

function packageFiles(name: string, source: string): Record<string, string> {
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({ name, type: 'module', exports: { '.': { import: './index.js' } } }),
    [`node_modules/${name}/index.js`]: source,
  };
}

const create = (cwd: string) => Tfwrap.create({ cwd, env: {} });


describe('plugin resolution and loading', () => {
  after(cleanupFixtures);
  afterEach(() => delete (globalThis as { __applied?: unknown }).__applied);

  it('expands short names ESLint-style', () => {
    assert.deepEqual(candidateNames('foo'), ['tfwrap-plugin-foo', '@tfwrap/plugin-foo', 'foo']);
    assert.deepEqual(candidateNames('@acme/vault'), ['@acme/tfwrap-plugin-vault', '@acme/vault']);
    assert.deepEqual(candidateNames('@acme'), ['@acme/tfwrap-plugin']);
    assert.deepEqual(candidateNames('tfwrap-plugin-x'), ['tfwrap-plugin-x']);
    assert.deepEqual(candidateNames('@tfwrap/plugin-audit'), ['@tfwrap/plugin-audit']);
  });

  it('loads a short name, a relative path and options, relative to the configuration file', async () => {
    const dir = fixtureDir({
      'repo/tfwrap.yaml': 'plugins:\n  - foo\n  - [./local/plugin.mjs, { level: 3 }]\n  - { plugin: "@acme/bar", options: { x: true } }\n',
      'repo/local/plugin.mjs': pluginSource('local'),
      ...Object.fromEntries(Object.entries(packageFiles('tfwrap-plugin-foo', pluginSource('foo'))).map(([p, c]) => [`repo/${p}`, c])),
      ...Object.fromEntries(Object.entries(packageFiles('@acme/tfwrap-plugin-bar', pluginSource('bar'))).map(([p, c]) => [`repo/${p}`, c])),
      'repo/sub/dir/.keep': '',
    });
    // Started two levels below the configuration: resolution still starts at the file.
    const tfwrap = await create(join(dir, 'repo/sub/dir'));
    assert.deepEqual(tfwrap.plugins.map((p) => p.plugin.name), ['foo', 'local', 'bar']);
    assert.deepEqual((globalThis as { __applied?: unknown }).__applied, [['foo', undefined], ['local', { level: 3 }], ['bar', { x: true }]]);
  });

  it('imports a plugin that declares its kinds only when the configuration uses one of them', async () => {
    const declaring = (name: string, kind: string) => ({
      [`node_modules/${name}/package.json`]: JSON.stringify({ name, type: 'module', exports: { '.': { import: './index.js' } }, tfwrap: { kinds: [kind] } }),
      [`node_modules/${name}/index.js`]: pluginSource(name, kindBody(kind)),
    });
    const dir = fixtureDir({
      'tfwrap.yaml': 'plugins: [used, unused, ./plain.mjs]\nauth:\n  identities:\n    a: { kind: vendor/used }\n',
      'plain.mjs': pluginSource('plain'),
      ...declaring('tfwrap-plugin-used', 'vendor/used'),
      ...declaring('tfwrap-plugin-unused', 'vendor/unused'),
    });
    const tfwrap = await create(dir);
    assert.deepEqual(tfwrap.plugins.map((p) => p.plugin.name), ['tfwrap-plugin-used', 'plain']);
    assert.deepEqual(((globalThis as { __applied?: unknown[][] }).__applied ?? []).map((a) => a[0]), ['tfwrap-plugin-used', 'plain']);
    // Its kinds still count as known (for "did you mean"), and applyAllPlugins applies it.
    assert.deepEqual(tfwrap.identityKinds.names(), ['vendor/unused', 'vendor/used']);
    assert.equal(tfwrap.identityKinds.get('vendor/unused'), undefined);
    await tfwrap.applyAllPlugins();
    assert.equal(tfwrap.identityKinds.get('vendor/unused')?.plugin, 'tfwrap-plugin-unused');
  });

  it('says which package is missing, who asked for it and how to install it', async () => {
    const dir = fixtureDir({ 'tfwrap.yaml': 'plugins:\n  - vault\n' });
    const err = await rejection(create(dir));
    assert.equal(err.code, 'E_PLUGIN_MISSING');
    assert.equal(err.exitCode, 2);
    assert.match(err.format(), /tfwrap\.yaml:2:5: plugin "vault" is not installed \(looked for tfwrap-plugin-vault, @tfwrap\/plugin-vault, vault/);
    assert.match(err.format(), /Hint: install it: npm install --save-dev tfwrap-plugin-vault/);
  });

  it('refuses a plugin built for another API version, naming it', async () => {
    const dir = fixtureDir({ 'tfwrap.yaml': 'plugins: [./future.mjs]\n', 'future.mjs': pluginSource('tfwrap-plugin-future', '', 99) });
    const err = await rejection(create(dir));
    assert.equal(err.code, 'E_PLUGIN_API_VERSION');
    assert.match(err.format(), /plugin "tfwrap-plugin-future" targets plugin API 99, but this tfwrap provides API 1 \(named in .*tfwrap\.yaml\)/);
    assert.match(err.format(), /upgrade tfwrap/);
  });

  it('reports a plugin that fails to load or exports no plugin', async () => {
    const dir = fixtureDir({
      'a/tfwrap.yaml': 'plugins: [./throws.mjs]\n',
      'a/throws.mjs': 'throw new Error("cannot start");',
      'b/tfwrap.yaml': 'plugins: [./empty.mjs]\n',
      'b/empty.mjs': 'export const nothing = 1;',
    });
    const load = await rejection(create(join(dir, 'a')));
    assert.equal(load.code, 'E_PLUGIN_LOAD');
    assert.match(load.format(), /plugin "\.\/throws\.mjs" failed to load: cannot start/);
    const invalid = await rejection(create(join(dir, 'b')));
    assert.equal(invalid.code, 'E_PLUGIN_INVALID');
    assert.match(invalid.format(), /does not export a tfwrap plugin/);
  });

  it('refuses two plugins registering the same kind, naming both', async () => {
    const dir = fixtureDir({
      'tfwrap.yaml': 'plugins: [./one.mjs, ./two.mjs]\n',
      'one.mjs': pluginSource('plugin-one', kindBody('vendor/thing')),
      'two.mjs': pluginSource('plugin-two', kindBody('vendor/thing')),
    });
    const err = await rejection(create(dir));
    assert.equal(err.code, 'E_KIND_DUPLICATE');
    assert.match(err.format(), /identity kind "vendor\/thing" is registered by both "plugin-one" and "plugin-two" \(plugins named in .*tfwrap\.yaml\)/);
  });
});
