import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readdirSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readManifest } from './manifest.js';
import { StackRepository } from './repository.js';
import { stacksSettingsFrom } from './settings.js';
import { fixtureRepo, removeFixtureRepos, writeFiles } from './test-support.js';
import { validateStacks, type StacksValidation } from './validation.js';

const catalog = {
  'stacks/catalog/vpc.yaml': `
    components:
      terraform:
        vpc-defaults: { metadata: { type: abstract }, vars: { cidr: 10.0.0.0/16 } }
        vpc: { metadata: { inherits: [vpc-defaults] } }
  `,
  'stacks/dev.yaml': `
    import: [catalog/vpc]
    vars: { stage: dev }
  `,
  'stacks/prod.yaml': `
    import: [catalog/vpc]
    vars: { stage: prod }
  `,
};
const settings = { stacks: { base_path: 'stacks', excluded_paths: ['catalog/**'] } };

describe('validateStacks: results kept between runs', function () {
  this.timeout(30_000);
  const cacheDirs: string[] = [];
  after(() => {
    removeFixtureRepos();
    for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A fixture repository and `validate` over a new repository object each time (a new run), with one cache. */
  function project(files: Record<string, string>, identities?: string[]) {
    const { dir } = fixtureRepo(files, settings);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-validation-cache-'));
    cacheDirs.push(cacheDir);
    const run = (): Promise<StacksValidation> => validateStacks(new StackRepository(stacksSettingsFrom(dir, settings), {}, { readOnlyComponents: true }), { cacheDir, identities });
    const shown = (validation: StacksValidation) => validation.problems.map((problem) => problem.format().replaceAll(`${dir}/`, ''));
    return { dir, cacheDir, run, shown, write: (more: Record<string, string>) => writeFiles(dir, more) };
  }

  it('a second run resolves no unchanged stack and reports the same', async () => {
    const { run } = project(catalog);
    const first = await run();
    assert.deepEqual([first.stacks, first.components, first.fromCache, first.problems.length], [2, 4, 0, 0]);
    const second = await run();
    assert.deepEqual([second.stacks, second.components, second.fromCache, second.problems.length], [2, 4, 2, 0]);
  });

  it('an edit to an imported catalog file is found on the next run, with its line', async () => {
    const { run, write, shown } = project(catalog);
    await run();
    write({ 'stacks/catalog/vpc.yaml': catalog['stacks/catalog/vpc.yaml'].replace('inherits: [vpc-defaults]', 'inherits: [vpc-default]') });
    const after = await run();
    assert.equal(after.fromCache, 0);
    assert.deepEqual(shown(after), [
      "stacks/catalog/vpc.yaml:4:35: component 'vpc' inherits from 'vpc-default', which stack 'dev' does not define. Hint: Did you mean 'vpc-defaults'? [E_COMPONENT_INVALID]",
      "stacks/catalog/vpc.yaml:4:35: component 'vpc' inherits from 'vpc-default', which stack 'prod' does not define. Hint: Did you mean 'vpc-defaults'? [E_COMPONENT_INVALID]",
    ]);
    // A kept problem is reported again while its files are unchanged.
    const again = await run();
    assert.deepEqual([again.fromCache, shown(again).length], [2, 2]);
  });

  it('an edit that keeps the size and the mtime is still seen (content, not stamps)', async () => {
    const { run, write, dir, shown } = project(catalog);
    // A whole-second mtime, so that setting it again after the edit gives exactly the same stamp.
    const file = path.join(dir, 'stacks/catalog/vpc.yaml');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    await run();
    const before = statSync(file);
    write({ 'stacks/catalog/vpc.yaml': catalog['stacks/catalog/vpc.yaml'].replace('[vpc-defaults]', '[vpc-defaultz]') });
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    assert.deepEqual([statSync(file).size, statSync(file).mtimeMs], [before.size, before.mtimeMs]);
    assert.equal(shown(await run()).length, 2);
  });

  it('names from name_template are kept too, checked by content: a second run parses no manifest, an edit with the same size and mtime renames', async () => {
    const named = { stacks: { ...settings.stacks, name_template: '{{ .vars.stage }}-x' }, templates: { settings: { enabled: true } } };
    const { dir } = fixtureRepo(catalog, named);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-validation-cache-'));
    cacheDirs.push(cacheDir);
    let parsed = 0;
    const run = async () => {
      parsed = 0;
      const repo = new StackRepository(stacksSettingsFrom(dir, named), {}, {
        readOnlyComponents: true, cacheDir, nameStamping: 'content',
        readManifest: (file, functions) => (parsed++, readManifest(file, functions)),
      });
      const validation = await validateStacks(repo, { cacheDir });
      return { validation, names: (await repo.listStacks()).map((entry) => entry.name) };
    };
    // A whole-second mtime, so that setting it again after the edit gives exactly the same stamp.
    const file = path.join(dir, 'stacks/dev.yaml');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    assert.deepEqual((await run()).names, ['dev-x', 'prod-x']);
    const second = await run();
    assert.deepEqual([second.names, second.validation.fromCache, parsed], [['dev-x', 'prod-x'], 2, 0]);
    const before = statSync(file);
    writeFiles(dir, { 'stacks/dev.yaml': catalog['stacks/dev.yaml'].replace('stage: dev', 'stage: qa1') });
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    assert.deepEqual([statSync(file).size, statSync(file).mtimeMs], [before.size, before.mtimeMs]);
    assert.deepEqual((await run()).names, ['prod-x', 'qa1-x']);
  });

  it('two stacks that come to share a state are reported though one of them is kept', async () => {
    const { run, write, shown } = project({
      ...catalog,
      'stacks/prod.yaml': `
        import: [catalog/vpc]
        vars: { stage: prod }
        components:
          terraform:
            vpc: { metadata: { terraform_workspace: shared } }
      `,
    });
    assert.deepEqual(shown(await run()), []);
    // dev is unchanged (kept); only its new partner is resolved again.
    write({ 'stacks/dev.yaml': 'import: [catalog/vpc]\nvars: { stage: dev }\ncomponents:\n  terraform:\n    vpc: { metadata: { terraform_workspace: shared } }\n' });
    const after = await run();
    assert.equal(after.fromCache, 1);
    assert.deepEqual(shown(after), [
      "stacks/prod.yaml:5:5: component 'vpc' of stack 'prod' and component 'vpc' of stack 'dev' would share one Terraform state (workspace 'shared' of components/terraform/vpc). Hint: give one of them its own metadata.terraform_workspace, or its own backend key [E_STATE_CONFLICT]",
    ]);
  });

  it('a file new under an import glob changes the stacks that import it', async () => {
    const { run, write, shown } = project({
      'stacks/mixins/a.yaml': 'vars: { a: 1 }\n',
      'stacks/dev.yaml': 'import: ["mixins/*"]\ncomponents:\n  terraform:\n    app: {}\n',
    });
    await run();
    write({ 'stacks/mixins/b.yaml': 'components:\n  terraform:\n    app: { metadata: { inherits: [nothing] } }\n' });
    const after = await run();
    assert.equal(after.fromCache, 0);
    assert.match(shown(after).join('\n'), /inherits from 'nothing'/);
  });

  it('the identities defined are part of what a kept result depends on', async () => {
    const files = { 'stacks/dev.yaml': 'components:\n  terraform:\n    app: { auth: { identity: deploy } }\n' };
    const { dir, cacheDir } = project(files);
    const run = (identities: string[]) => validateStacks(new StackRepository(stacksSettingsFrom(dir, settings), {}, { readOnlyComponents: true }), { cacheDir, identities });
    assert.equal((await run(['deploy'])).problems.length, 0);
    const other = await run(['ci']);
    assert.deepEqual([other.fromCache, other.problems.map((p) => p.code)], [0, ['E_IDENTITY_UNKNOWN']]);
  });

  it('a stack reading the environment (!env) is validated on every run', async () => {
    const { run } = project({
      ...catalog,
      'stacks/prod.yaml': 'import: [catalog/vpc]\nvars: { stage: !env STAGE }\n',
    });
    await run();
    assert.equal((await run()).fromCache, 1);
  });

  it('stacks validated in threads report the same as in one thread, in stack order', async () => {
    const files: Record<string, string> = { ...catalog };
    for (let i = 0; i < 6; i++) files[`stacks/s${i}.yaml`] = `import: [catalog/vpc]\ncomponents:\n  terraform:\n    app: { settings: { depends_on: [vpc, db${i}] } }\n`;
    const { dir } = fixtureRepo(files, settings);
    const run = (workers: number) => validateStacks(new StackRepository(stacksSettingsFrom(dir, settings), {}, { readOnlyComponents: true }), { workers });
    const one = await run(1);
    const three = await run(3);
    assert.equal(one.problems.length, 6);
    assert.deepEqual(three.problems.map((problem) => problem.format()), one.problems.map((problem) => problem.format()));
    assert.deepEqual([three.stacks, three.components], [one.stacks, one.components]);
  });

  it('the cache is a 0600 file in a 0700 directory', async () => {
    const { run, cacheDir } = project(catalog);
    await run();
    const dir = path.join(cacheDir, 'validation');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const file of readdirSync(dir)) assert.equal(statSync(path.join(dir, file)).mode & 0o777, 0o600);
  });
});
