// `tfwrap describe affected` and `tfwrap plan --affected` on real git repositories made here:
// each change is committed on top of a base commit and the exact affected set is asserted.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { SIMPLE_COMPONENT, fixtureProject, writeTree } from './support/terraform.js';

const GIT_ENV = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com' };

const CATALOG = `components:
  terraform:
    network:
      vars:
        cidr: 10.0.0.0/16
    database:
      vars:
        engine: postgres
      settings:
        depends_on: [network]
    app:
      vars:
        image: example/app:1.0
      settings:
        depends_on: [database]
`;

/** The same values, written differently: other indentation, flow style, comments, blank lines. */
const CATALOG_REFORMATTED = `# the components
components:
    terraform:

        network: { vars: { cidr: "10.0.0.0/16" } }   # same cidr
        database:
            vars: { engine: postgres }
            settings: { depends_on: [ network ] }
        app:
            vars:   { image: "example/app:1.0" }
            settings:
                depends_on:
                    - database
`;

function component(module?: string): string {
  return `${SIMPLE_COMPONENT}${module ? `module "m" {\n  source = "${module}"\n}\n` : ''}`;
}

interface Entry { stack: string; component: string; deleted: boolean; reasons: string[]; identity: string | null }

describe('tfwrap describe affected', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  before(() => {
    env = hermeticEnv(GIT_ENV);
  });

  const git = async (dir: string, ...args: string[]) => {
    const run = await runCommand('git', args, { env, cwd: dir });
    assert.equal(run.exitCode, 0, `git ${args.join(' ')}: ${run.stderr}`);
    return run.stdout.trim();
  };
  const commit = async (dir: string, message: string) => {
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '--allow-empty', '-m', message);
    return git(dir, 'rev-parse', 'HEAD');
  };

  /** A project in a new git repository, committed; returns the directory and the base commit. */
  async function project(): Promise<{ dir: string; base: string }> {
    const dir = fixtureProject({
      'tfwrap.yaml': 'stacks:\n  excluded_paths: ["catalog/**", "mixins/**"]\nauth:\n  identities:\n    local:\n      kind: ambient\n      default: true\n    deployer:\n      kind: ambient\n',
      'stacks/catalog/components.yaml': CATALOG,
      'stacks/mixins/eu.yaml': 'vars:\n  region: eu-west-1\n',
      'stacks/dev.yaml': 'import: [catalog/components, mixins/eu]\nvars:\n  stage: dev\n',
      // Block-style imports with a comment: read without parsing the whole file.
      'stacks/staging.yaml': '# staging\nimport:\n  - catalog/components   # every component\n  - mixins/eu\nvars:\n  stage: staging\n',
      'stacks/prod.yaml': 'import: [catalog/components]\nvars:\n  stage: prod\n  region: us-east-1\nauth:\n  identity: deployer\n',
      'components/terraform/network/main.tf': component('../../../modules/net'),
      'components/terraform/database/main.tf': component(),
      'components/terraform/app/main.tf': component(),
      'modules/net/main.tf': 'module "tags" {\n  source = "../tags"\n}\n',
      'modules/tags/main.tf': 'output "tags" { value = {} }\n',
      'README.md': 'a project\n',
    });
    await git(dir, 'init', '-q', '-b', 'main');
    return { dir, base: await commit(dir, 'base') };
  }

  async function affected(dir: string, base: string, ...extra: string[]): Promise<Entry[]> {
    const run = await runTfwrap(['describe', 'affected', '--base', base, ...extra], { env, cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    return JSON.parse(run.stdout) as Entry[];
  }
  /** `stack/component reason,reason` lines (deleted ones marked), for exact comparison. */
  const summary = (entries: Entry[]) => entries.map((e) => `${e.stack}/${e.component}${e.deleted ? ' (deleted)' : ''} ${e.reasons.join(',')}`);

  it('a catalog change affects that component in every stack importing it', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), CATALOG.replace('engine: postgres', 'engine: mysql'));
    await commit(dir, 'mysql');
    assert.deepEqual(summary(await affected(dir, base)), [
      'dev/database stack.vars', 'prod/database stack.vars', 'staging/database stack.vars',
    ]);
  });

  it('a whitespace-only (and comment, flow-style) edit of a catalog affects nothing', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), CATALOG_REFORMATTED);
    await commit(dir, 'reformat');
    assert.deepEqual(await affected(dir, base), []);
  });

  it('a mixin change affects only the stacks that import it', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/mixins/eu.yaml'), 'vars:\n  region: eu-central-1\n');
    await commit(dir, 'move eu');
    assert.deepEqual(summary(await affected(dir, base)), [
      'dev/app stack.vars', 'dev/database stack.vars', 'dev/network stack.vars',
      'staging/app stack.vars', 'staging/database stack.vars', 'staging/network stack.vars',
    ]);
  });

  it('a .tf change affects the component built from that directory', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'components/terraform/app/main.tf'), component() + '# changed\n');
    await commit(dir, 'app tf');
    assert.deepEqual(summary(await affected(dir, base)), ['dev/app component.dir', 'prod/app component.dir', 'staging/app component.dir']);
  });

  it('a change to a local module, even one used through another module, affects the components using it', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'modules/tags/main.tf'), 'output "tags" { value = { team = "net" } }\n');
    writeFileSync(join(dir, 'README.md'), 'a project, changed\n');
    await commit(dir, 'tags module');
    assert.deepEqual(summary(await affected(dir, base)), ['dev/network module:modules/tags', 'prod/network module:modules/tags', 'staging/network module:modules/tags']);
  });

  it('a stack-only var affects that stack only; identity comes from the resolved auth', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/prod.yaml'), readFileSync(join(dir, 'stacks/prod.yaml'), 'utf8') + 'components:\n  terraform:\n    app:\n      vars:\n        replicas: 3\n');
    await commit(dir, 'prod replicas');
    const entries = await affected(dir, base);
    assert.deepEqual(summary(entries), ['prod/app stack.vars']);
    assert.equal(entries[0]!.identity, 'deployer');
  });

  it('a depends_on edge is its own reason; --include-dependents adds what depends on an affected component', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/dev.yaml'), 'import: [catalog/components, mixins/eu]\nvars:\n  stage: dev\ncomponents:\n  terraform:\n    app:\n      settings:\n        depends_on: [database, network]\n');
    writeFileSync(join(dir, 'stacks/prod.yaml'), readFileSync(join(dir, 'stacks/prod.yaml'), 'utf8') + 'components:\n  terraform:\n    network:\n      vars:\n        cidr: 10.1.0.0/16\n');
    await commit(dir, 'edge');
    assert.deepEqual(summary(await affected(dir, base)), ['dev/app stack.depends_on', 'prod/network stack.vars']);
    assert.deepEqual(summary(await affected(dir, base, '--include-dependents')), [
      'dev/app stack.depends_on',
      'prod/app dependency:database', 'prod/database dependency:network', 'prod/network stack.vars',
    ]);
  });

  it('a file, or a file under a folder, that a depends_on entry names affects the component (Atmos: affected "file" / "folder"); other files do not', async () => {
    const { dir } = await project();
    writeTree(dir, {
      'stacks/dev.yaml': 'import: [catalog/components, mixins/eu]\nvars:\n  stage: dev\ncomponents:\n  terraform:\n    app:\n      settings:\n'
        + '        depends_on:\n          1: { component: database }\n          2: { file: config/app.json }\n          3: { folder: lambda/src }\n',
      'config/app.json': '{}\n',
      'config/other.json': '{}\n',
      'lambda/src/handler.py': 'pass\n',
      'lambda/src-old/handler.py': 'pass\n',
    });
    await commit(dir, 'file dependencies');
    const step = async (files: Record<string, string>) => {
      writeTree(dir, files);
      await commit(dir, 'change');
      return summary(await affected(dir, 'HEAD~1'));
    };
    // Not named, and a sibling folder whose name starts the same: nothing.
    assert.deepEqual(await step({ 'config/other.json': '{"a": 1}\n', 'lambda/src-old/handler.py': 'pass  # old\n' }), []);
    assert.deepEqual(await step({ 'config/app.json': '{"replicas": 2}\n' }), ['dev/app file:config/app.json']);
    assert.deepEqual(await step({ 'lambda/src/lib/util.py': 'pass\n' }), ['dev/app folder:lambda/src']);
    // With a changed mixin var (told from the merged vars, without resolving the component): both reasons.
    assert.deepEqual(await step({ 'lambda/src/handler.py': 'pass  # v2\n', 'stacks/mixins/eu.yaml': 'vars:\n  region: eu-central-1\n' }), [
      'dev/app stack.vars,folder:lambda/src', 'dev/database stack.vars', 'dev/network stack.vars',
      'staging/app stack.vars', 'staging/database stack.vars', 'staging/network stack.vars',
    ]);
    // The dependents of a component affected so are added too.
    writeTree(dir, { 'stacks/dev.yaml': readFileSync(join(dir, 'stacks/dev.yaml'), 'utf8') + '    worker:\n      metadata:\n        component: app\n      settings:\n        depends_on: [app]\n' });
    await commit(dir, 'worker');
    writeTree(dir, { 'config/app.json': '{"replicas": 3}\n' });
    await commit(dir, 'replicas');
    assert.deepEqual(summary(await affected(dir, 'HEAD~1', '--include-dependents')), ['dev/app file:config/app.json', 'dev/worker dependency:app']);
  });

  it('a renamed stack file and a renamed component are deleted and added', async () => {
    const { dir, base } = await project();
    renameSync(join(dir, 'stacks/staging.yaml'), join(dir, 'stacks/stage.yaml'));
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), CATALOG.replace('    app:\n', '    web:\n      metadata: { component: app }\n'));
    await commit(dir, 'renames');
    assert.deepEqual(summary(await affected(dir, base)), [
      'dev/app (deleted) component.deleted', 'dev/web component.added',
      'prod/app (deleted) component.deleted', 'prod/web component.added',
      'stage/database component.added', 'stage/network component.added', 'stage/web component.added',
      'staging/app (deleted) component.deleted', 'staging/database (deleted) component.deleted', 'staging/network (deleted) component.deleted',
    ]);
  });

  it('a deleted stack lists its components as deleted, and the matrix leaves them out', async () => {
    const { dir, base } = await project();
    rmSync(join(dir, 'stacks/prod.yaml'));
    writeFileSync(join(dir, 'components/terraform/database/main.tf'), component() + '# changed\n');
    await commit(dir, 'drop prod');
    assert.deepEqual(summary(await affected(dir, base)), [
      'dev/database component.dir',
      'prod/app (deleted) component.deleted', 'prod/database (deleted) component.deleted', 'prod/network (deleted) component.deleted',
      'staging/database component.dir',
    ]);
    const run = await runTfwrap(['describe', 'affected', '--base', base, '--format', 'matrix'], { env, cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { include: [
      { stack: 'dev', component: 'database', identity: 'local' },
      { stack: 'staging', component: 'database', identity: 'local' },
    ] });
  });

  it('compares two named revisions, not the work tree, and leaves the work tree alone', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/mixins/eu.yaml'), 'vars:\n  region: eu-central-1\n');
    const head = await commit(dir, 'move eu');
    writeFileSync(join(dir, 'stacks/prod.yaml'), 'not: [valid');
    const status = await git(dir, 'status', '--porcelain');
    assert.deepEqual(summary(await affected(dir, base, '--head', head)).length, 6);
    assert.deepEqual(summary(await affected(dir, head, '--head', head)), []);
    assert.equal(await git(dir, 'status', '--porcelain'), status);
    assert.equal(await git(dir, 'worktree', 'list', '--porcelain').then((out) => out.split('\n\n').length), 1);
  });

  // The edits below change only the content of existing manifests: the base is read as the head's
  // files with those manifests overlaid, so these pin what that shortcut must still see.
  it('a changed mixin renames a stack named by name_pattern (deleted and added); a name: stack importing it keeps its name', async () => {
    const dir = fixtureProject({
      'tfwrap.yaml': 'stacks:\n  name_pattern: "{stage}"\n  excluded_paths: ["catalog/**", "mixins/**"]\n',
      'stacks/catalog/components.yaml': CATALOG,
      'stacks/mixins/stage.yaml': 'vars:\n  stage: one\n',
      'stacks/deploy/a.yaml': 'import: [catalog/components, mixins/stage]\n',
      'stacks/deploy/b.yaml': 'name: fixed\nimport: [catalog/components, mixins/stage]\n',
      'components/terraform/network/main.tf': component(),
      'components/terraform/database/main.tf': component(),
      'components/terraform/app/main.tf': component(),
    });
    await git(dir, 'init', '-q', '-b', 'main');
    const base = await commit(dir, 'base');
    writeFileSync(join(dir, 'stacks/mixins/stage.yaml'), 'vars:\n  stage: two\n');
    await commit(dir, 'stage two');
    assert.deepEqual(summary(await affected(dir, base)), [
      'fixed/app stack.vars', 'fixed/database stack.vars', 'fixed/network stack.vars',
      'one/app (deleted) component.deleted', 'one/database (deleted) component.deleted', 'one/network (deleted) component.deleted',
      'two/app component.added', 'two/database component.added', 'two/network component.added',
    ]);
  });

  // Where the shortcut (compare only the stacks whose closure holds a changed file) must not be
  // taken, or must still compare values: each of these fails if it were taken wrongly.
  it('a change to the atmos.yaml beside tfwrap.yaml (a new name_pattern) renames every stack', async () => {
    const identities = 'auth:\n  identities:\n    local:\n      kind: ambient\n      default: true\n';
    const atmos = (pattern: string) => `stacks:\n  base_path: stacks\n  included_paths: ["deploy/**/*"]\n  name_pattern: "${pattern}"\ncomponents:\n  terraform:\n    base_path: components/terraform\n`;
    const dir = fixtureProject({
      'tfwrap.yaml': identities,
      'atmos.yaml': atmos('{stage}'),
      'stacks/catalog/components.yaml': CATALOG,
      'stacks/deploy/dev.yaml': 'import: [catalog/components]\nvars:\n  stage: dev\n  environment: ue1\n',
      'stacks/deploy/prod.yaml': 'import: [catalog/components]\nvars:\n  stage: prod\n  environment: uw2\n',
      'components/terraform/network/main.tf': component(),
      'components/terraform/database/main.tf': component(),
      'components/terraform/app/main.tf': component(),
    });
    await git(dir, 'init', '-q', '-b', 'main');
    const base = await commit(dir, 'base');
    writeFileSync(join(dir, 'atmos.yaml'), atmos('{environment}-{stage}'));
    await commit(dir, 'name by environment too');
    assert.deepEqual(summary(await affected(dir, base)), [
      'dev/app (deleted) component.deleted', 'dev/database (deleted) component.deleted', 'dev/network (deleted) component.deleted',
      'prod/app (deleted) component.deleted', 'prod/database (deleted) component.deleted', 'prod/network (deleted) component.deleted',
      'ue1-dev/app component.added', 'ue1-dev/database component.added', 'ue1-dev/network component.added',
      'uw2-prod/app component.added', 'uw2-prod/database component.added', 'uw2-prod/network component.added',
    ]);
  });

  it('a change to a file every stack imports affects the stacks whose values change, not one that overrides the value', async () => {
    const { dir } = await project();
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), `vars:\n  owner: team-a\n${CATALOG}`);
    writeFileSync(join(dir, 'stacks/prod.yaml'), 'import: [catalog/components]\nvars:\n  stage: prod\n  region: us-east-1\n  owner: ops\nauth:\n  identity: deployer\n');
    const withOwner = await commit(dir, 'owner');
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), `vars:\n  owner: team-b\n${CATALOG}`);
    await commit(dir, 'new owner');
    assert.deepEqual(summary(await affected(dir, withOwner)), [
      'dev/app stack.vars', 'dev/database stack.vars', 'dev/network stack.vars',
      'staging/app stack.vars', 'staging/database stack.vars', 'staging/network stack.vars',
    ]);
  });

  it('a mixin var that decides a workspace (terraform_workspace_pattern or _template) or a dependency\'s place is also a metadata and depends_on reason', async () => {
    const { dir } = await project();
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), CATALOG
      .replace('    network:\n', '    network:\n      metadata:\n        terraform_workspace_pattern: "{environment}-{stage}"\n')
      .replace('    app:\n', '    app:\n      metadata:\n        terraform_workspace_template: "{{ .vars.environment }}-app"\n')
      .replace('depends_on: [network]', 'depends_on:\n          1: { component: network, environment: euw1 }'));
    writeFileSync(join(dir, 'stacks/mixins/eu.yaml'), 'vars:\n  region: eu-west-1\n  environment: euw1\n');
    const before = await commit(dir, 'environments');
    writeFileSync(join(dir, 'stacks/mixins/eu.yaml'), 'vars:\n  region: eu-central-1\n  environment: euc1\n');
    await commit(dir, 'move eu');
    assert.deepEqual(summary(await affected(dir, before)), [
      'dev/app stack.vars,stack.metadata', 'dev/database stack.vars,stack.depends_on', 'dev/network stack.vars,stack.metadata',
      'staging/app stack.vars,stack.metadata', 'staging/database stack.vars,stack.depends_on', 'staging/network stack.vars,stack.metadata',
    ]);
  });

  it('a mixin var used by stacks.name_template renames the stacks taking it; a stack overriding the var keeps its name and values', async () => {
    const dir = fixtureProject({
      'tfwrap.yaml': 'stacks:\n  name_template: "{{ .vars.stage }}-{{ .vars.region }}"\n  excluded_paths: ["catalog/**", "mixins/**"]\nauth:\n  identities:\n    local:\n      kind: ambient\n      default: true\n',
      'stacks/catalog/components.yaml': CATALOG,
      'stacks/mixins/eu.yaml': 'vars:\n  region: eu-west-1\n',
      'stacks/dev.yaml': 'import: [catalog/components, mixins/eu]\nvars:\n  stage: dev\n',
      'stacks/staging.yaml': 'import: [catalog/components, mixins/eu]\nvars:\n  stage: staging\n  region: eu-north-1\n',
      'stacks/prod.yaml': 'import: [catalog/components]\nvars:\n  stage: prod\n  region: us-east-1\n',
      'components/terraform/network/main.tf': component(),
      'components/terraform/database/main.tf': component(),
      'components/terraform/app/main.tf': component(),
    });
    await git(dir, 'init', '-q', '-b', 'main');
    const base = await commit(dir, 'base');
    writeFileSync(join(dir, 'stacks/mixins/eu.yaml'), 'vars:\n  region: eu-central-1\n');
    await commit(dir, 'move eu');
    assert.deepEqual(summary(await affected(dir, base)), [
      'dev-eu-central-1/app component.added', 'dev-eu-central-1/database component.added', 'dev-eu-central-1/network component.added',
      'dev-eu-west-1/app (deleted) component.deleted', 'dev-eu-west-1/database (deleted) component.deleted', 'dev-eu-west-1/network (deleted) component.deleted',
    ]);
  });

  it('a component whose only change comes through metadata.inherits from a changed catalog is affected; the abstract base is not listed', async () => {
    const { dir } = await project();
    writeFileSync(join(dir, 'stacks/catalog/defaults.yaml'), 'components:\n  terraform:\n    app-defaults:\n      metadata: { type: abstract }\n      vars: { replicas: 1 }\n');
    writeFileSync(join(dir, 'stacks/prod.yaml'), 'import: [catalog/components, catalog/defaults]\nvars:\n  stage: prod\n  region: us-east-1\nauth:\n  identity: deployer\ncomponents:\n  terraform:\n    app:\n      metadata: { inherits: [app-defaults] }\n');
    const withDefaults = await commit(dir, 'defaults');
    writeFileSync(join(dir, 'stacks/catalog/defaults.yaml'), 'components:\n  terraform:\n    app-defaults:\n      metadata: { type: abstract }\n      vars: { replicas: 3 }\n');
    await commit(dir, 'three replicas');
    assert.deepEqual(summary(await affected(dir, withDefaults)), ['prod/app stack.vars']);
  });

  it('a deleted manifest matched by an import glob affects the stacks that imported it', async () => {
    const { dir } = await project();
    writeFileSync(join(dir, 'stacks/mixins/extra.yaml'), 'vars:\n  extra: true\n');
    writeFileSync(join(dir, 'stacks/dev.yaml'), 'import: [catalog/components, "mixins/*"]\nvars:\n  stage: dev\n');
    const withExtra = await commit(dir, 'extra');
    rmSync(join(dir, 'stacks/mixins/extra.yaml'));
    await commit(dir, 'drop extra');
    assert.deepEqual(summary(await affected(dir, withExtra)), ['dev/app stack.vars', 'dev/database stack.vars', 'dev/network stack.vars']);
  });

  it('a change to a file named by a templated import path (templates on) affects the stack importing it', async () => {
    const { dir } = await project();
    writeFileSync(join(dir, 'tfwrap.yaml'), readFileSync(join(dir, 'tfwrap.yaml'), 'utf8') + 'templates:\n  settings:\n    enabled: true\n');
    writeFileSync(join(dir, 'stacks/dev.yaml'), 'import:\n  - catalog/components\n  - path: "mixins/{{ .area }}"\n    context: { area: eu }\nvars:\n  stage: dev\n');
    const templated = await commit(dir, 'templated import');
    writeFileSync(join(dir, 'stacks/mixins/eu.yaml'), 'vars:\n  region: eu-central-1\n');
    await commit(dir, 'move eu');
    assert.deepEqual(summary(await affected(dir, templated)), [
      'dev/app stack.vars', 'dev/database stack.vars', 'dev/network stack.vars',
      'staging/app stack.vars', 'staging/database stack.vars', 'staging/network stack.vars',
    ]);
  });

  it('a whitespace-only edit of one manifest next to a real change of another reports only the real change', async () => {
    const { dir, base } = await project();
    writeFileSync(join(dir, 'stacks/catalog/components.yaml'), CATALOG_REFORMATTED);
    writeFileSync(join(dir, 'stacks/dev.yaml'), 'import: [catalog/components, mixins/eu]\nvars:\n  stage: dev\ncomponents:\n  terraform:\n    app:\n      providers: { aws: { region: eu-west-3 } }\n');
    await commit(dir, 'reformat and a provider');
    assert.deepEqual(summary(await affected(dir, base)), ['dev/app stack.providers']);
  });

  it('an unknown --base is a one-line usage error', async () => {
    const { dir } = await project();
    const run = await runTfwrap(['describe', 'affected', '--base', 'origin/nope'], { env, cwd: dir });
    assert.equal(run.exitCode, 64, run.stderr);
    assert.match(run.stderr, /^tfwrap: error: --base origin\/nope is not a commit in .*fetch-depth: 0.*\[E_USAGE\]$/);
  });

  it('above 256 jobs the matrix has one entry per stack, and says so on stderr', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const dir = fixtureProject({
      'stacks/catalog/all.yaml': `vars: { size: 1 }\ncomponents:\n  terraform:\n${names.map((n) => `    ${n}: { metadata: { component: one } }\n`).join('')}`,
      'stacks/a.yaml': 'import: [catalog/all]\n',
      'stacks/b.yaml': 'import: [catalog/all]\n',
      'stacks/c.yaml': 'import: [catalog/all]\n',
      'components/terraform/one/main.tf': component(),
    });
    await git(dir, 'init', '-q', '-b', 'main');
    const base = await commit(dir, 'base');
    writeFileSync(join(dir, 'stacks/catalog/all.yaml'), readFileSync(join(dir, 'stacks/catalog/all.yaml'), 'utf8').replace('size: 1', 'size: 2'));
    await commit(dir, 'size');
    const run = await runTfwrap(['describe', 'affected', '--base', base, '--format', 'matrix'], { env, cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stderr, /^tfwrap: 300 affected components are more than GitHub's 256 jobs per matrix: one job per stack \(3 stacks\)/);
    const matrix = JSON.parse(run.stdout) as { include: Array<Record<string, unknown>> };
    assert.deepEqual(matrix.include.map((entry) => [entry.stack, (entry.component as string).split(' ').length, entry.identity]), [['a', 100, 'local'], ['b', 100, 'local'], ['c', 100, 'local']]);
    // What fromJSON gives a matrix: an object whose include is a list of flat string-valued objects.
    for (const entry of matrix.include) assert.ok(Object.values(entry).every((value) => typeof value === 'string'));
  });
});

describe('tfwrap plan --affected', function () {
  this.timeout(180_000);

  it('plans exactly the affected components, names plan files per stack and component, and writes the step summary', async () => {
    const env = hermeticEnv(GIT_ENV);
    const dir = fixtureProject({
      'stacks/catalog/components.yaml': 'components:\n  terraform:\n    network: {}\n    app: {}\n',
      'stacks/dev.yaml': 'import: [catalog/components]\nvars: { stage: dev }\n',
      'stacks/prod.yaml': 'import: [catalog/components]\nvars: { stage: prod }\n',
      'components/terraform/network/main.tf': SIMPLE_COMPONENT,
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
      '.gitignore': '.terraform/\n*.tfvars.json\nbackend.tf.json\nterraform.tfstate.d/\n.terraform.lock.hcl\nplans/\n',
    });
    const git = (...args: string[]) => runCommand('git', args, { env, cwd: dir });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-qm', 'base');
    const base = (await git('rev-parse', 'HEAD')).stdout.trim();
    writeTree(dir, {
      'stacks/dev.yaml': 'import: [catalog/components]\nvars: { stage: development }\n',
      'components/terraform/app/main.tf': SIMPLE_COMPONENT + '# changed\n',
    });
    await git('add', '-A');
    await git('commit', '-qm', 'change');

    const stepSummary = join(dir, 'step-summary.md');
    const run = await runTfwrap(['plan', '--affected', '--base', base, '-out=plans/', '--json'], { env: { ...env, GITHUB_STEP_SUMMARY: stepSummary }, cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { exitCode: number; components: Array<{ stack: string; component: string; result: string; add: number }> };
    assert.deepEqual(json.components.map((c) => `${c.stack}/${c.component} ${c.result} +${c.add}`), ['dev/app ok +1', 'dev/network ok +1', 'prod/app ok +1']);
    for (const file of ['dev-app.tfplan', 'dev-network.tfplan', 'prod-app.tfplan']) assert.ok(existsSync(join(dir, 'plans', file)), file);
    assert.ok(!existsSync(join(dir, 'plans/prod-network.tfplan')));
    assert.match(run.stderr, /^COMPONENT\s+IDENTITY\s+RESULT/m);
    const markdown = readFileSync(stepSummary, 'utf8');
    assert.match(markdown, /^\| Component \| Identity \| Result \| Add \| Change \| Destroy \| Duration \|$/m);
    assert.match(markdown, /^\| dev\/network \| local \| ok \| 1 \| 0 \| 0 \| [\d.]+m?s \|$/m);
    assert.match(markdown, /^\| prod\/app \| local \| ok \| 1 \| 0 \| 0 \| /m);

    // A whole-stack run: plan files per component, the table appended, --format json as --json.
    const whole = await runTfwrap(['plan', 'prod', '-out=plans/', '--format', 'json'], { env: { ...env, GITHUB_STEP_SUMMARY: stepSummary }, cwd: dir });
    assert.equal(whole.exitCode, 0, whole.stderr);
    assert.deepEqual((JSON.parse(whole.stdout) as typeof json).components.map((c) => `${c.stack}/${c.component}`), ['prod/app', 'prod/network']);
    assert.ok(existsSync(join(dir, 'plans/prod-network.tfplan')));
    const after = readFileSync(stepSummary, 'utf8');
    assert.ok(after.startsWith(markdown), 'appended, not overwritten');
    assert.match(after.slice(markdown.length), /^### tfwrap plan prod\n\n\| Component \|[^]*^\| prod\/network \| local \| ok \| 1 \| 0 \| 0 \| /m);
  });
});
