import assert from 'node:assert/strict';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';

const config = { stacks: { excluded_paths: ['catalog/**', 'mixins/**'] } };

describe('StackRepository', () => {
  after(removeFixtureRepos);

  it('names stacks by their path without extension, or by name:', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': 'vars: {}',
      'stacks/prod/us-east-1.yml': 'vars: {}',
      'stacks/prod/eu-west-1.yaml': `
        # the explicit name wins over the path
        name: "prod-eu"
        vars: {}
      `,
      'stacks/catalog/vpc.yaml': 'vars: {}',
      'stacks/README.md': 'not a manifest',
    }, config);
    assert.deepEqual(await repo.listStacks(), [
      { name: 'dev', file: file('stacks/dev.yaml'), files: [file('stacks/dev.yaml')] },
      { name: 'prod-eu', file: file('stacks/prod/eu-west-1.yaml'), files: [file('stacks/prod/eu-west-1.yaml')] },
      { name: 'prod/us-east-1', file: file('stacks/prod/us-east-1.yml'), files: [file('stacks/prod/us-east-1.yml')] },
    ]);
    assert.equal((await repo.loadStack('prod/us-east-1')).file, file('stacks/prod/us-east-1.yml'));
    const explicit = await repo.loadStack('prod-eu');
    assert.equal(explicit.name, 'prod-eu');
    assert.equal(explicit.file, file('stacks/prod/eu-west-1.yaml'));
    // The path no longer names that stack.
    assert.equal((await rejection(repo.loadStack('prod/eu-west-1'))).code, 'E_STACK_UNKNOWN');
  });

  it('takes stacks only from included_paths, minus excluded_paths, with or without extension in patterns', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/acme/dev.yaml': 'vars: {}',
      'stacks/orgs/acme/_defaults.yaml': 'vars: {}',
      'stacks/orgs/acme/prod.yaml': 'vars: {}',
      'stacks/sandbox/me.yaml': 'vars: {}',
    }, { stacks: { included_paths: ['orgs/**/*'], excluded_paths: ['**/_defaults.yaml', 'orgs/*/prod'] } });
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['orgs/acme/dev']);
  });

  it('says when the wanted stack is a manifest excluded from stacks', async () => {
    const { repo } = fixtureRepo({ 'stacks/catalog/vpc.yaml': 'vars: {}', 'stacks/dev.yaml': 'vars: {}' }, config);
    const err = await rejection(repo.loadStack('catalog/vpc'));
    assert.equal(err.code, 'E_STACK_UNKNOWN');
    assert.match(err.hint ?? '', /catalog\/vpc\.yaml is not a stack because it matches stacks\.excluded_paths \(it can still be imported\)/);
  });

  it('suggests near stack names for an unknown stack, and tfwrap list stacks', async () => {
    const { repo } = fixtureRepo({
      'stacks/prod/us-east-1.yaml': 'vars: {}',
      'stacks/prod/us-east-2.yaml': 'vars: {}',
      'stacks/dev.yaml': 'vars: {}',
    });
    const err = await rejection(repo.loadStack('prod/us-eats-1'));
    assert.equal(err.code, 'E_STACK_UNKNOWN');
    assert.equal(err.message, "unknown stack 'prod/us-eats-1'");
    assert.equal(err.hint, "Did you mean 'prod/us-east-1'? Run `tfwrap list stacks` to see the stacks");
    assert.equal(err.location, undefined);
    assert.equal(err.exitCode, 2);
    assert.match(err.format(), /^unknown stack 'prod\/us-eats-1'\. Hint: Did you mean/);
  });

  it('makes one stack of two manifests giving one name; a component both define differently is an error (Atmos internal/exec/utils.go findComponentInStacks)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/a.yaml': 'name: shared\ncomponents: { terraform: { vpc: { vars: { cidr: 10.0.0.0/16 } }, dns: { vars: { zone: a } } } }',
      'stacks/b.yaml': 'vars: {}\nname: shared\ncomponents: { terraform: { app: { vars: { image: x } }, dns: { vars: { zone: b } } } }',
    });
    assert.deepEqual(await repo.listStacks(), [{ name: 'shared', file: file('stacks/a.yaml'), files: [file('stacks/a.yaml'), file('stacks/b.yaml')] }]);
    const stack = await repo.loadStack('shared');
    assert.deepEqual(stack.componentNames(), ['app', 'dns', 'vpc']);
    assert.deepEqual((await stack.component('vpc')).vars, { cidr: '10.0.0.0/16' });
    assert.deepEqual((await stack.component('app')).vars, { image: 'x' });
    const err = await rejection(stack.component('dns'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.message, "component 'dns' of stack 'shared' is defined differently by a.yaml and b.yaml");
  });

  it('loads a stack without reading unrelated manifests, even broken ones', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/app.yaml': 'components: { terraform: { app: { vars: { ok: true } } } }',
      'stacks/dev.yaml': 'import: [catalog/app]',
      'stacks/renamed/file.yaml': 'name: staging\nimport: [catalog/app]',
      'stacks/broken.yaml': 'vars: [unclosed',
      'stacks/invalid.yaml': 'vars: [a list]\nimport: [does/not/exist]',
      'stacks/catalog/broken.yaml': ':\n  - : :',
    }, config);
    assert.equal((await (await repo.loadStack('dev')).component('app')).vars.ok, true);
    // Finding a name declared inside a file scans name: lines only, so broken files do not matter either.
    assert.equal((await (await repo.loadStack('staging')).component('app')).vars.ok, true);
    // ... and they fail only when loaded themselves.
    assert.equal((await rejection(repo.loadStack('broken'))).code, 'E_CONFIG_SYNTAX');
    assert.equal((await rejection(repo.loadStack('invalid'))).code, 'E_STACK_INVALID');
  });

  it('rejects a manifest that is not a mapping, and accepts an empty one', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/list.yaml': '- a\n- b\n',
      'stacks/empty.yaml': '# nothing yet\n',
    });
    const err = await rejection(repo.loadStack('list'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.message, 'a stack manifest must be a mapping, not a list');
    assert.equal(err.location?.file, file('stacks/list.yaml'));
    assert.equal(err.location?.line, 1);
    assert.deepEqual((await repo.loadStack('empty')).componentNames(), []);
  });

  it('rejects a YAML syntax error in the stack file with its line', async () => {
    const { repo, file } = fixtureRepo({ 'stacks/dev.yaml': 'vars:\n  a: "unclosed\n' });
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_CONFIG_SYNTAX');
    assert.equal(err.location?.file, file('stacks/dev.yaml'));
    assert.equal(typeof err.location?.line, 'number');
  });

  it('takes every spelling of a stack name as the one name: ./dev, dev.yaml, dev/../dev, dev/', async () => {
    const { repo } = fixtureRepo({ 'stacks/dev.yaml': 'components: { terraform: { app: {} } }', 'stacks/prod/east.yaml': 'vars: {}' });
    for (const spelling of ['dev', './dev', 'dev.yaml', 'dev/../dev', 'dev/', ' ./dev.yml ', 'prod/../dev']) {
      const stack = await repo.loadStack(spelling);
      assert.equal(stack.name, 'dev', spelling);
      assert.equal((await stack.component('app')).workspace, 'dev', spelling);
    }
    assert.equal((await repo.loadStack('./prod//east.yaml')).name, 'prod/east');
  });

  it('refuses stack names that leave the stacks directory or name nothing', async () => {
    const { repo } = fixtureRepo({ 'stacks/dev.yaml': 'vars: {}', 'outside.yaml': 'vars: {}' });
    for (const spelling of ['../outside', '/etc/passwd', '.', '', 'dev/../../outside']) {
      const err = await rejection(repo.loadStack(spelling));
      assert.equal(err.code, 'E_STACK_UNKNOWN', spelling);
      assert.match(err.message, /is not a stack name: it (points outside the stacks directory|names no manifest)$/, spelling);
    }
    // A spelling of no manifest is unknown, never a new stack.
    assert.equal((await rejection(repo.loadStack('./dev2'))).message, "unknown stack 'dev2'");
  });

  it('does not take another case of a file name as the stack (case-insensitive disks)', async () => {
    const { repo } = fixtureRepo({ 'stacks/dev.yaml': 'vars: {}' });
    assert.equal((await rejection(repo.loadStack('Dev'))).code, 'E_STACK_UNKNOWN');
  });
});
