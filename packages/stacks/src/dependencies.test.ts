import assert from 'node:assert/strict';
import { TfwrapError } from '@tfwrap/core';
import { dependencyLevels, findDependencyCycle } from './dependencies.js';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';

const names = (levels: Array<Array<{ name: string }>>) => levels.map((level) => level.map((node) => node.name));

describe('dependency ordering', () => {
  after(removeFixtureRepos);

  it('puts independent components in one level, dependencies first', () => {
    const nodes = [
      { name: 'app', dependsOn: ['db', 'network'] },
      { name: 'db', dependsOn: ['network'] },
      { name: 'network', dependsOn: [] },
      { name: 'dns', dependsOn: [] },
      { name: 'cdn', dependsOn: ['dns'] },
    ];
    assert.deepEqual(names(dependencyLevels(nodes)), [['dns', 'network'], ['cdn', 'db'], ['app']]);
  });

  it('orders selected components through unselected ones', () => {
    const nodes = [
      { name: 'a', dependsOn: ['b'] },
      { name: 'b', dependsOn: ['c'] },
      { name: 'c', dependsOn: [] },
      { name: 'd', dependsOn: ['b'] },
      { name: 'e', dependsOn: [] },
    ];
    assert.deepEqual(names(dependencyLevels(nodes, ['a', 'c', 'd', 'e'])), [['c', 'e'], ['a', 'd']]);
    assert.deepEqual(names(dependencyLevels(nodes, ['a', 'd'])), [['a', 'd']]);
  });

  it('names the path of a cycle and suggests for an unknown dependency', () => {
    assert.throws(() => dependencyLevels([
      { name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['c'] }, { name: 'c', dependsOn: ['a'] },
    ]), (err: TfwrapError) => err.code === 'E_COMPONENT_INVALID' && err.message === 'dependency cycle: a -> b -> c -> a');
    assert.throws(() => dependencyLevels([{ name: 'app', dependsOn: ['netwrk'] }, { name: 'network', dependsOn: [] }]),
      (err: TfwrapError) => err.code === 'E_COMPONENT_INVALID' && err.hint === "Did you mean 'network'?");
  });

  it('orders a stack by settings.depends_on, skipping abstract components', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            base: { metadata: { type: abstract }, settings: { depends_on: [network] } }
            network: {}
            db: { metadata: { inherits: [base] } }
            app: { settings: { depends_on: [db, network] } }
            dns: {}
      `,
    });
    const stack = await repo.loadStack('dev');
    assert.deepEqual(names(await stack.dependencyLevels()), [['dns', 'network'], ['db'], ['app']]);
    assert.deepEqual(names(await stack.dependencyLevels(['app', 'network'])), [['network'], ['app']]);
    assert.equal((await rejection(stack.dependencyLevels(['ap']))).code, 'E_COMPONENT_UNKNOWN');
    assert.equal((await rejection(stack.dependencyLevels(['base']))).code, 'E_COMPONENT_INVALID');
  });

  it('reports an unknown dependency at its depends_on entry, with a suggestion', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            network: {}
            app:
              settings:
                depends_on: [netwrok]
      `,
    });
    const err = await rejection((await repo.loadStack('dev')).dependencyLevels());
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, "component 'app' depends on 'netwrok', which stack 'dev' does not define");
    assert.equal(err.hint, "Did you mean 'network'?");
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 6, column: 22 });
  });

  it('reports a cycle in a stack as a -> b -> a, at the first dependency of the cycle', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            a: { settings: { depends_on: [b] } }
            b: { settings: { depends_on: [a] } }
      `,
    });
    const err = await rejection((await repo.loadStack('dev')).dependencyLevels());
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, "dependency cycle in stack 'dev': a -> b -> a");
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 3, column: 35 });
  });

  it('a chain of 100,000 components orders into 100,000 levels, and a ring of them is a cycle: no recursion to overflow', () => {
    const count = 100_000;
    const name = (index: number) => `c${String(index).padStart(6, '0')}`;
    const chain = Array.from({ length: count }, (_, index) => ({ name: name(index), dependsOn: index === 0 ? [] : [name(index - 1)] }));
    const levels = dependencyLevels(chain);
    assert.equal(levels.length, count);
    assert.deepEqual([levels[0]![0]!.name, levels[count - 1]![0]!.name], [name(0), name(count - 1)]);
    // Only the ends selected: still ordered through the 99,998 between them.
    assert.deepEqual(dependencyLevels(chain, [name(count - 1), name(0)]).map((level) => level.map((node) => node.name)), [[name(0)], [name(count - 1)]]);
    const ring = chain.map((node, index) => (index === 0 ? { ...node, dependsOn: [name(count - 1)] } : node));
    const cycle = findDependencyCycle(ring)!;
    assert.equal(cycle.length, count + 1);
    assert.deepEqual([cycle[0], cycle[1], cycle[count]], [name(0), name(count - 1), name(0)]);
  });

  it('rejects a dependency on an abstract component', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            base: { metadata: { type: abstract } }
            app: { settings: { depends_on: [base] } }
      `,
    });
    const err = await rejection((await repo.loadStack('dev')).dependencyLevels());
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.match(err.message, /depends on 'base', which is abstract/);
  });
});
