import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { TfwrapErrors, type TfwrapError } from './errors.js';
import { cleanupFixtures, fixtureDir, rejection as rejectionOf } from './testing/fixtures.js';

const rejection = (promise: Promise<unknown>) => rejectionOf<TfwrapError | TfwrapErrors>(promise);


describe('configuration loading', () => {
  after(cleanupFixtures);

  it('finds tfwrap.yaml upward from the working directory', async () => {
    const dir = fixtureDir({ 'tfwrap.yaml': 'auth: { identities: { a: { kind: ambient } } }\n', 'components/vpc/.keep': '' });
    const loaded = await loadConfig({ cwd: join(dir, 'components/vpc') });
    assert.equal(loaded.file, join(dir, 'tfwrap.yaml'));
    assert.equal(loaded.source, 'tfwrap');
    assert.deepEqual(Object.keys(loaded.config.auth?.identities ?? {}), ['a']);
  });

  it('finds the other cosmiconfig places: .tfwraprc.json and package.json#tfwrap', async () => {
    const rc = fixtureDir({ '.tfwraprc.json': '{"auth":{"identities":{"rc":{"kind":"ambient"}}}}' });
    assert.deepEqual(Object.keys((await loadConfig({ cwd: rc })).config.auth?.identities ?? {}), ['rc']);
    const pkg = fixtureDir({ 'package.json': '{"name":"x","tfwrap":{"auth":{"identities":{"pkg":{"kind":"ambient"}}}}}' });
    assert.deepEqual(Object.keys((await loadConfig({ cwd: pkg })).config.auth?.identities ?? {}), ['pkg']);
  });

  it('reads an explicit path, and says when it does not exist', async () => {
    const dir = fixtureDir({ 'conf/custom.yaml': 'auth: { identities: { c: { kind: ambient } } }\n' });
    const loaded = await loadConfig({ cwd: dir, explicitPath: 'conf/custom.yaml' });
    assert.equal(loaded.file, join(dir, 'conf/custom.yaml'));
    const err = await rejection(loadConfig({ cwd: dir, explicitPath: 'nope.yaml' }));
    assert.equal((err as TfwrapError).code, 'E_CONFIG_NOT_FOUND');
  });

  it("uses an atmos.yaml's auth section when no tfwrap configuration exists", async () => {
    const dir = fixtureDir({
      'atmos.yaml': 'base_path: .\nauth:\n  identities:\n    pod-base:\n      kind: aws/ambient\n      principal: { region: us-east-1 }\n',
    });
    const loaded = await loadConfig({ cwd: dir });
    assert.equal(loaded.source, 'atmos');
    assert.equal(loaded.config.auth?.identities?.['pod-base']?.kind, 'aws/ambient');
    assert.equal((loaded.config as Record<string, unknown>).base_path, undefined);
  });

  it('names file and line of a YAML syntax error', async () => {
    const dir = fixtureDir({ 'tfwrap.yaml': 'auth:\n  identities:\n    a: { kind: ambient\n' });
    const err = (await rejection(loadConfig({ cwd: dir }))) as TfwrapError;
    assert.equal(err.code, 'E_CONFIG_SYNTAX');
    assert.equal(err.location?.file, join(dir, 'tfwrap.yaml'));
    assert.ok(err.location?.line && err.location.line >= 3);
  });

  it('reports every invalid field at once, each with its line', async () => {
    const dir = fixtureDir({ 'tfwrap.yaml': 'plugins: foo\nauth:\n  identities:\n    a:\n      default: yes-please\n' });
    const err = await rejection(loadConfig({ cwd: dir }));
    assert.ok(err instanceof TfwrapErrors);
    const lines = err.errors.map((e) => `${e.location?.line} ${e.message}`);
    assert.ok(lines.some((l) => l.startsWith('1 plugins:')), lines.join('\n'));
    assert.ok(lines.some((l) => /^4 auth\.identities\.a\.kind:/.test(l) || /^5 auth\.identities\.a\.default:/.test(l)), lines.join('\n'));
    assert.equal(err.exitCode, 2);
  });
});
