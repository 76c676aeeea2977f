import assert from 'node:assert/strict';
import { StackRepository } from './repository.js';
import { stacksSettingsFrom } from './settings.js';
import { fixtureRepo, removeFixtureRepos } from './test-support.js';

// Stacks importing the same catalog share the merges of its layers (merge.ts MergeMemo, ADR 011):
// one stack's values must never show in another's, whatever the order they are resolved in and
// whatever a caller does to what it was handed.
const files = {
  'stacks/catalog/app.yaml': `
    settings: { team: platform, nested: { level: catalog } }
    terraform:
      backend_type: s3
      backend: { s3: { bucket: shared-state } }
    components:
      terraform:
        app-defaults:
          metadata: { type: abstract }
          vars: { tags: { owner: platform }, zones: [a, b] }
          settings: { nested: { from: defaults } }
        app:
          metadata: { inherits: [app-defaults] }
          settings: { depends_on: [] }
          backend: { s3: { key: app.tfstate } }
  `,
  'stacks/one.yaml': `
    import: [catalog/app]
    vars: { stage: one }
    components:
      terraform:
        app:
          vars: { label: one, tags: { stack: one } }
  `,
  'stacks/two.yaml': `
    import: [catalog/app]
    vars: { stage: two }
    components:
      terraform:
        app:
          vars: { label: two }
          settings: { nested: { level: two } }
  `,
  'stacks/three.yaml': `
    import: [catalog/app]
    overrides:
      settings: { team: overridden }
  `,
};
const config = { stacks: { excluded_paths: ['catalog/**'] } };

describe('merges shared between stacks', () => {
  after(removeFixtureRepos);

  const expected = {
    one: { vars: { stage: 'one', tags: { owner: 'platform', stack: 'one' }, zones: ['a', 'b'], label: 'one' }, settings: { team: 'platform', nested: { level: 'catalog', from: 'defaults' }, depends_on: [] } },
    two: { vars: { stage: 'two', tags: { owner: 'platform' }, zones: ['a', 'b'], label: 'two' }, settings: { team: 'platform', nested: { level: 'two', from: 'defaults' }, depends_on: [] } },
    three: { vars: { tags: { owner: 'platform' }, zones: ['a', 'b'] }, settings: { team: 'overridden', nested: { level: 'catalog', from: 'defaults' }, depends_on: [] } },
  };
  const backend = { bucket: 'shared-state', key: 'app.tfstate', workspace_key_prefix: 'app' };

  it('gives each stack its own values, in any order, with or without copies', async () => {
    for (const readOnlyComponents of [false, true]) {
      for (const order of [['one', 'two', 'three'], ['three', 'two', 'one']]) {
        const { dir } = fixtureRepo(files, config);
        const repo = new StackRepository(stacksSettingsFrom(dir, config), process.env, { readOnlyComponents });
        for (const stack of order) {
          const app = await (await repo.loadStack(stack)).component('app');
          const want = expected[stack as keyof typeof expected];
          assert.deepEqual({ vars: app.vars, settings: app.settings }, want, `${stack} (${order.join(', ')}, readOnly ${readOnlyComponents})`);
          assert.deepEqual(app.backend, backend);
        }
      }
    }
  });

  it('keeps what one stack hands out from reaching another stack or a later load', async () => {
    const { repo } = fixtureRepo(files, config);
    const one = await (await repo.loadStack('one')).component('app');
    // A caller changing every nested value it was given (the default hands out copies).
    (one.settings.nested as Record<string, unknown>).level = 'changed';
    one.settings.team = 'changed';
    (one.vars.tags as Record<string, unknown>).owner = 'changed';
    (one.vars.zones as string[]).push('z');
    one.backend!.bucket = 'changed';
    for (const stack of ['one', 'two', 'three'] as const) {
      const app = await (await repo.loadStack(stack)).component('app');
      assert.deepEqual({ vars: app.vars, settings: app.settings }, expected[stack], stack);
      assert.deepEqual(app.backend, backend, stack);
    }
    const defaults = await (await repo.loadStack('two')).component('app-defaults');
    assert.deepEqual(defaults.settings, { team: 'platform', nested: { level: 'catalog', from: 'defaults' } });
  });
});
