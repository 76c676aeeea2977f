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

  it('reads the whole atmos.yaml as project configuration when no tfwrap configuration exists', async () => {
    const dir = fixtureDir({
      'atmos.yaml': 'base_path: .\nstacks: { base_path: stacks, name_pattern: "{stage}" }\nauth:\n  identities:\n    pod-base:\n      kind: aws/ambient\n      principal: { region: us-east-1 }\n',
    });
    const loaded = await loadConfig({ cwd: dir });
    assert.equal(loaded.source, 'atmos');
    assert.equal(loaded.atmosFile, join(dir, 'atmos.yaml'));
    assert.equal(loaded.config.auth?.identities?.['pod-base']?.kind, 'aws/ambient');
    assert.equal((loaded.config as Record<string, unknown>).base_path, '.');
    assert.deepEqual((loaded.config as Record<string, unknown>).stacks, { base_path: 'stacks', name_pattern: '{stage}' });
  });

  it('merges a tfwrap.yaml beside atmos.yaml over it, key by key (the tfwrap file wins)', async () => {
    const dir = fixtureDir({
      'atmos.yaml': 'stacks: { base_path: stacks, name_pattern: "{stage}" }\ncomponents: { terraform: { command: tofu, base_path: components/terraform } }\n',
      'tfwrap.yaml': 'components: { terraform: { command: terraform } }\nauth: { identities: { a: { kind: ambient } } }\n',
    });
    const loaded = await loadConfig({ cwd: dir });
    assert.equal(loaded.source, 'tfwrap');
    assert.equal(loaded.file, join(dir, 'tfwrap.yaml'));
    assert.equal(loaded.atmosFile, join(dir, 'atmos.yaml'));
    const config = loaded.config as Record<string, unknown>;
    assert.deepEqual(config.components, { terraform: { command: 'terraform', base_path: 'components/terraform' } });
    assert.deepEqual(config.stacks, { base_path: 'stacks', name_pattern: '{stage}' });
  });

  it('an Atmos YAML function in atmos.yaml does not break loading; !env and !repo-root are evaluated (Atmos pkg/config)', async () => {
    process.env.TFWRAP_TEST_STACKS_DIR = 'from-env';
    try {
      const dir = fixtureDir({
        '.git/HEAD': 'ref: refs/heads/main\n',
        'atmos.yaml': 'stacks:\n  base_path: !env TFWRAP_TEST_STACKS_DIR\n  other: !env TFWRAP_TEST_UNSET_VARIABLE fallback\ncomponents:\n  terraform:\n    base_path: !repo-root\n    x: !terraform.output vpc id\n',
      });
      const config = (await loadConfig({ cwd: dir })).config as Record<string, any>;
      assert.equal(config.stacks.base_path, 'from-env');
      assert.equal(config.stacks.other, 'fallback');
      assert.equal(config.components.terraform.base_path, dir);
      assert.equal(config.components.terraform.x.tag, '!terraform.output');
      assert.equal(config.components.terraform.x.line, 7);
    } finally {
      delete process.env.TFWRAP_TEST_STACKS_DIR;
    }
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
