import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, readAtmosYaml } from './config.js';
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

  // loadConfig answers the common case (a plain tfwrap.yaml found upward) without cosmiconfig;
  // every other form must still be found exactly as cosmiconfig finds it.
  describe('the forms cosmiconfig still finds', () => {
    const ids = async (cwd: string, explicitPath?: string) => Object.keys((await loadConfig({ cwd, explicitPath })).config.auth?.identities ?? {});

    it('a .tfwraprc in a nearer directory wins over a tfwrap.yaml further up', async () => {
      const dir = fixtureDir({ 'tfwrap.yaml': 'auth: { identities: { top: { kind: ambient } } }\n', 'sub/.tfwraprc': 'auth: { identities: { rc: { kind: ambient } } }\n' });
      assert.deepEqual(await ids(join(dir, 'sub')), ['rc']);
      assert.deepEqual(await ids(dir), ['top']);
    });

    it('an empty tfwrap.yaml is skipped for the next place in its directory', async () => {
      const dir = fixtureDir({ 'tfwrap.yaml': '\n', '.tfwraprc.json': '{"auth":{"identities":{"json":{"kind":"ambient"}}}}' });
      assert.deepEqual(await ids(dir), ['json']);
    });

    it('$import in tfwrap.yaml merges the imported file (explicit path too)', async () => {
      const dir = fixtureDir({ 'tfwrap.yaml': '$import: base.yaml\nauth: { identities: { own: { kind: ambient } } }\n', 'base.yaml': 'plugins: [./p.mjs]\n' });
      const loaded = await loadConfig({ cwd: dir });
      assert.deepEqual(loaded.config.plugins, ['./p.mjs']);
      assert.deepEqual(await ids(dir, 'tfwrap.yaml'), ['own']);
      assert.deepEqual((await loadConfig({ cwd: dir, explicitPath: 'tfwrap.yaml' })).config.plugins, ['./p.mjs']);
    });

    it('a tfwrap.config.mjs', async () => {
      const dir = fixtureDir({ 'tfwrap.config.mjs': 'export default { auth: { identities: { js: { kind: "ambient" } } } };\n' });
      assert.deepEqual(await ids(dir), ['js']);
    });

    it('the global configuration directory when no project has one', async () => {
      const xdg = fixtureDir({ 'tfwrap/config.yaml': 'auth: { identities: { global: { kind: ambient } } }\n' });
      const project = fixtureDir({ 'components/.keep': '' });
      const saved = process.env.XDG_CONFIG_HOME;
      process.env.XDG_CONFIG_HOME = xdg;
      try {
        assert.deepEqual(await ids(join(project, 'components')), ['global']);
      } finally {
        if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
        else process.env.XDG_CONFIG_HOME = saved;
      }
      // Without it: no configuration (or, as before, an atmos.yaml).
      assert.equal((await loadConfig({ cwd: project })).source, 'none');
    });
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

  it('ATMOS_* variables override atmos.yaml as in Atmos (pkg/config/utils.go processEnvVars); a bad boolean is one line naming the variable', async () => {
    const dir = fixtureDir({ 'atmos.yaml': 'stacks:\n  base_path: stacks\ncomponents:\n  terraform:\n    command: terraform\n    base_path: components/terraform\n' });
    const env = { ATMOS_COMPONENTS_TERRAFORM_COMMAND: 'tofu', ATMOS_STACKS_BASE_PATH: 'deploy', ATMOS_STACKS_INCLUDED_PATHS: 'orgs/**/*,dev/*', ATMOS_COMPONENTS_TERRAFORM_APPLY_AUTO_APPROVE: 'TRUE' };
    const config = readAtmosYaml(join(dir, 'atmos.yaml'), env) as Record<string, any>;
    assert.deepEqual(config.stacks, { base_path: 'deploy', included_paths: ['orgs/**/*', 'dev/*'] });
    assert.deepEqual(config.components.terraform, { command: 'tofu', base_path: 'components/terraform', apply_auto_approve: true });
    assert.throws(() => readAtmosYaml(join(dir, 'atmos.yaml'), { ATMOS_COMPONENTS_TERRAFORM_DEPLOY_RUN_INIT: 'yes' }),
      (err: TfwrapError) => err.code === 'E_CONFIG_INVALID' && err.message === 'ATMOS_COMPONENTS_TERRAFORM_DEPLOY_RUN_INIT must be true or false, not "yes"');
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
