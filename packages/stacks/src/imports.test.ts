import assert from 'node:assert/strict';
import { fixtureRepo, rejection, removeFixtureRepos, writeFiles } from './test-support.js';
import { stacksSettingsFrom } from './settings.js';
import { StackRepository } from './repository.js';

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [prefix + name, text]));
}

const config = { stacks: { excluded_paths: ['catalog/**', 'mixins/**'] } };

describe('imports', () => {
  after(removeFixtureRepos);

  it('merges imports depth-first, each import after its own imports, then the file; lists replace', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/base.yaml': `
        vars: { order: [base], region: us-east-1, tags: { team: platform, cost: shared } }
      `,
      'stacks/catalog/vpc.yaml': `
        import: [catalog/base]
        vars: { order: [vpc], tags: { cost: network } }
        components: { terraform: { vpc: { vars: { cidr: 10.0.0.0/16 } } } }
      `,
      'stacks/mixins/prod.yaml': `
        vars: { stage: prod, order: [prod] }
      `,
      'stacks/prod.yaml': `
        import: [catalog/vpc, mixins/prod]
        vars: { tags: { owner: me } }
      `,
    }, config);
    const stack = await repo.loadStack('prod');
    assert.deepEqual(stack.files, [
      file('stacks/catalog/base.yaml'), file('stacks/catalog/vpc.yaml'), file('stacks/mixins/prod.yaml'), file('stacks/prod.yaml'),
    ]);
    const vpc = await stack.component('vpc');
    assert.deepEqual(vpc.vars, {
      order: ['prod'], // the last list wins whole
      region: 'us-east-1',
      stage: 'prod',
      tags: { team: 'platform', cost: 'network', owner: 'me' },
      cidr: '10.0.0.0/16',
    });
  });

  it('finds .yaml and .yml with or without the extension, and ./ paths relative to the importing file', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/a.yaml': 'vars: { a: 1 }',
      'stacks/catalog/b.yml': 'vars: { b: 2 }',
      'stacks/catalog/c.yaml': 'vars: { c: 3 }',
      'stacks/catalog/d.yaml': `
        import: [./a, ../catalog/b.yml]
        vars: { d: 4 }
      `,
      'stacks/dev.yaml': `
        import: [catalog/b, catalog/c.yaml, catalog/d]
        components: { terraform: { app: {} } }
      `,
    }, config);
    const stack = await repo.loadStack('dev');
    // b.yml is reached again through d: it counts there (last reached).
    assert.deepEqual(stack.files, [
      file('stacks/catalog/c.yaml'), file('stacks/catalog/a.yaml'), file('stacks/catalog/b.yml'), file('stacks/catalog/d.yaml'), file('stacks/dev.yaml'),
    ]);
    assert.deepEqual((await stack.component('app')).vars, { a: 1, b: 2, c: 3, d: 4 });
  });

  it('imports every manifest a glob matches, in sorted order, never the importing file itself; without an extension a glob gets .yaml, so ** not alone in a segment is * (stack_processor_utils.go, doublestar)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/mixins/b.yaml': 'vars: { winner: b }',
      'stacks/mixins/a.yml': 'vars: { winner: a, a: true }',
      'stacks/mixins/notes.txt': 'not a manifest',
      'stacks/mixins/all.yaml': 'import: ["mixins/*"]',
      'stacks/catalog/top.yaml': 'vars: { top: 1 }',
      'stacks/catalog/deep/x/one.yaml': 'vars: { one: 1 }',
      'stacks/catalog/deep/two.yaml': 'vars: { two: 2 }',
      'stacks/dev.yaml': `
        import: [mixins/all, "catalog/**"]
        components: { terraform: { app: {} } }
      `,
      'stacks/deep.yaml': `
        import: ["catalog/**/*"]
        components: { terraform: { app: {} } }
      `,
    }, config);
    // mixins/* is mixins/*.yaml (a.yml is not imported); catalog/** is catalog/**.yaml: catalog/*.yaml.
    const stack = await repo.loadStack('dev');
    assert.deepEqual(stack.files, [
      file('stacks/mixins/b.yaml'), file('stacks/mixins/all.yaml'), file('stacks/catalog/top.yaml'), file('stacks/dev.yaml'),
    ]);
    assert.deepEqual((await stack.component('app')).vars, { winner: 'b', top: 1 });
    // catalog/**/* is catalog/**/*.yaml: every manifest below catalog/.
    const deep = await repo.loadStack('deep');
    assert.deepEqual((await deep.component('app')).vars, { top: 1, one: 1, two: 2 });
  });

  it('matches a glob with its own extension as written (stack_processor_utils.go: no .yaml appended when filepath.Ext is not empty)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/svc-1.yaml': 'vars: { one: 1 }',
      'stacks/catalog/svc-2.yml': 'vars: { two: 2 }',
      'stacks/catalog/svc-3.yaml.tmpl': 'vars: { three: "{{ add 1 2 }}" }',
      'stacks/catalog/web-1.yaml': 'vars: { web: 1 }',
      'stacks/dev.yaml': `
        import: ["catalog/svc-?.*", "catalog/web-1.y*"]
        components: { terraform: { app: {} } }
      `,
    }, config);
    const stack = await repo.loadStack('dev');
    assert.deepEqual(stack.files, [
      file('stacks/catalog/svc-1.yaml'), file('stacks/catalog/svc-2.yml'), file('stacks/catalog/svc-3.yaml.tmpl'),
      file('stacks/catalog/web-1.yaml'), file('stacks/dev.yaml'),
    ]);
    assert.deepEqual((await stack.component('app')).vars, { one: 1, two: 2, three: '3', web: 1 });
  });

  it('refuses a glob with its own extension that matches a file that is not a manifest, naming the file', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/svc-1.yaml': 'vars: { one: 1 }',
      'stacks/catalog/svc-1.md': '# Service 1\n\nNotes about the service.',
      'stacks/dev.yaml': `
        import:
          - catalog/svc-1.*
      `,
    }, config);
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 2, column: 5 });
    assert.match(err.message, /^import 'catalog\/svc-1\.\*' matched catalog\/svc-1\.md, which is not a stack manifest \(\.yaml, \.yml, \.yaml\.tmpl or \.yml\.tmpl\)$/);
  });

  it('merges a file reached twice where it is last reached: Atmos merges each import\'s whole result in turn, so the second copy of a catalog undoes what the first importer set (stack_processor_utils.go processYAMLConfigFileWithContextInternal)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/defaults.yaml': 'vars: { size: small, zone: a }',
      'stacks/catalog/big.yaml': `
        import: [catalog/defaults]
        vars: { size: big }
      `,
      'stacks/catalog/zone-b.yaml': `
        import: [catalog/defaults]
        vars: { zone: b }
      `,
      'stacks/dev.yaml': `
        import: [catalog/big, catalog/zone-b]
        components: { terraform: { app: {} } }
      `,
    }, config);
    const stack = await repo.loadStack('dev');
    assert.deepEqual(stack.files, [
      file('stacks/catalog/big.yaml'), file('stacks/catalog/defaults.yaml'), file('stacks/catalog/zone-b.yaml'), file('stacks/dev.yaml'),
    ]);
    // Atmos: [defaults + big, defaults + zone-b, dev] merged in turn: defaults' size comes back.
    assert.deepEqual((await stack.component('app')).vars, { size: 'small', zone: 'b' });
  });

  it('reports a missing import at the line of its entry, with a suggestion', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/network.yaml': 'vars: {}',
      'stacks/dev.yaml': `
        import:
          - catalog/network
          - catalog/netwrok
      `,
    }, config);
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_IMPORT_MISSING');
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 3, column: 5 });
    assert.match(err.message, /import 'catalog\/netwrok' found no file \(looked for catalog\/netwrok\.yaml and catalog\/netwrok\.yml\)/);
    assert.equal(err.hint, "Did you mean 'network'?");
  });

  it('reports a glob that matches nothing, naming the glob', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': `
        vars: {}
        import: ["mixins/*"]
      `,
    }, config);
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_IMPORT_MISSING');
    assert.match(err.message, /import 'mixins\/\*' matched no manifest under the stacks directory/);
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 2, column: 10 });
  });

  it('reports an import cycle with the chain of files, at the import that closes it', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/a.yaml': 'import: [catalog/b]',
      'stacks/catalog/b.yaml': `
        vars: { x: 1 }
        import: [catalog/c]
      `,
      'stacks/catalog/c.yaml': 'import: [catalog/a]',
      'stacks/dev.yaml': 'import: [catalog/a]',
    }, config);
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_IMPORT_CYCLE');
    assert.equal(err.message, 'import cycle: catalog/a.yaml -> catalog/b.yaml -> catalog/c.yaml -> catalog/a.yaml');
    assert.deepEqual(err.location, { file: file('stacks/catalog/c.yaml'), line: 1, column: 10 });
    assert.ok(err.hint);
  });

  it('follows imports nested 1,000 files deep; deeper is one error at the import that goes too far (5,000 overflowed the call stack)', async () => {
    const chain = (depth: number) => {
      const files: Record<string, string> = { 'stacks/dev.yaml': 'import: [catalog/f0]\ncomponents: { terraform: { app: {} } }' };
      for (let i = 0; i < depth; i++) files[`stacks/catalog/f${i}.yaml`] = i + 1 < depth ? `import: [catalog/f${i + 1}]\nvars: { deepest: ${i} }` : `vars: { deepest: ${i} }`;
      return fixtureRepo(files, config);
    };
    assert.equal((await (await chain(999).repo.loadStack('dev')).component('app')).vars.deepest, 0);
    const { repo, file } = chain(5000);
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.message, 'imports nested more than 1000 files deep (from dev.yaml)');
    assert.deepEqual(err.location, { file: file('stacks/catalog/f998.yaml'), line: 1, column: 10 });
  });

  it('rejects an import section that is not a list of strings, at its line', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': `
        vars: {}
        import: catalog/vpc
      `,
      'stacks/qa.yaml': `
        import:
          - catalog/vpc
          - { path: catalog/x }
      `,
    }, config);
    let err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.message, 'import must be a list of paths, not the string "catalog/vpc"');
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 2, column: 1 });
    assert.match(err.hint ?? '', /import: \[catalog\/vpc/);

    // Atmos's object form ({ path: ... }) is an import like any other.
    err = await rejection(repo.loadStack('qa'));
    assert.equal(err.code, 'E_IMPORT_MISSING');
  });

  it('reports a YAML syntax error in an imported file at its line', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/bad.yaml': `
        vars:
          a: 1
         b: 2
      `,
      'stacks/dev.yaml': 'import: [catalog/bad]',
    }, config);
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_CONFIG_SYNTAX');
    assert.equal(err.location?.file, file('stacks/catalog/bad.yaml'));
    assert.equal(err.location?.line, 3);
  });

  it('parses a catalog shared by many stacks once per repository', async () => {
    const { repo, dir } = fixtureRepo({
      'stacks/catalog/shared.yaml': 'vars: { version: 1 }',
      'stacks/a.yaml': 'import: [catalog/shared]\ncomponents: { terraform: { app: {} } }',
      'stacks/b.yaml': 'import: [catalog/shared]\ncomponents: { terraform: { app: {} } }',
    }, config);
    assert.equal((await (await repo.loadStack('a')).component('app')).vars.version, 1);
    // Changed on disk after the first load: the cached parse is what the second stack sees.
    writeFiles(dir, { 'stacks/catalog/shared.yaml': 'vars: { version: 2 }' });
    assert.equal((await (await repo.loadStack('b')).component('app')).vars.version, 1);
  });

  it('warns about imports outside the repository by default, and refuses them with imports_outside_repo: deny', async () => {
    const files = {
      'stacks/dev.yaml': 'import: [../../elsewhere/shared, catalog/ok]\nvars: {}',
      'stacks/catalog/ok.yaml': 'vars: {}',
    };
    const { dir, file } = fixtureRepo({ 'project/.git/HEAD': 'ref', ...prefixed('project/', files) }, config);
    writeFiles(dir, { 'elsewhere/shared.yaml': 'vars: { from: elsewhere }' });
    // The repository is the git work tree holding the project: `project/`.
    const repoIn = (policy?: string) =>
      new StackRepository(stacksSettingsFrom(file('project'), { stacks: { ...config.stacks, ...(policy ? { imports_outside_repo: policy } : {}) } }));

    const warned = repoIn();
    await warned.loadStack('dev');
    const warnings = await warned.warnings();
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.code, 'E_IMPORT_OUTSIDE');
    assert.match(warnings[0]!.message, /^import '\.\.\/\.\.\/elsewhere\/shared' reaches outside the repository \(.*elsewhere\/shared\.yaml\)$/);
    assert.equal(warnings[0]!.location?.file, file('project/stacks/dev.yaml'));
    assert.equal(warnings[0]!.location?.line, 1);

    const err = await rejection(repoIn('deny').loadStack('dev'));
    assert.equal(err.code, 'E_IMPORT_OUTSIDE');
    assert.match(err.hint ?? '', /stacks\.imports_outside_repo is deny/);
  });

  it('counts an absolute import path as outside, even when it points inside', async () => {
    const { repo, file } = fixtureRepo({ 'stacks/catalog/ok.yaml': 'vars: {}' }, config);
    writeFiles(file(''), { 'stacks/dev.yaml': `import: ["${file('stacks/catalog/ok.yaml')}"]\nvars: {}` });
    await repo.loadStack('dev');
    const warnings = await repo.warnings();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /is an absolute path$/);
  });
});
