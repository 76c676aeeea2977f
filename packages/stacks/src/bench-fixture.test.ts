import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './bench-fixture.js';
import { StackRepository } from './repository.js';
import { stacksSettingsFrom } from './settings.js';

describe('generated benchmark repository', () => {
  // Made in before(), not at load time: a run that filters this suite out must not leave it behind.
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-stacks-fixture-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads: 20 stacks importing a catalog through 5 levels', async () => {
    const generated = generateRepo(dir, { stacks: 20, componentsPerStack: 6, importLevels: 5 });
    const repo = new StackRepository(stacksSettingsFrom(dir, generated.projectConfig));

    const listed = await repo.listStacks();
    assert.deepEqual(listed.map((entry) => entry.name).sort(), [...generated.stackNames].sort());

    for (const name of [generated.stackNames[0] as string, 'named-9']) {
      const stack = await repo.loadStack(name);
      // 6 component files, 5 levels, the stack itself.
      assert.equal(stack.files.length, 6 + 5 + 1);
      const component = await stack.component('c-3');
      assert.equal(component.component, 'module-3');
      assert.equal(component.vars.overridden_by_level, 1);
      assert.equal(component.vars.level_5, component.vars.level_1);
      assert.equal(component.backendType, 's3');
      assert.deepEqual(Object.keys(component.hooks).sort(), ['level-1', 'level-2', 'level-3', 'level-4', 'level-5']);
      const levels = await stack.dependencyLevels();
      assert.deepEqual(levels.map((level) => level.map((c) => c.name)), generated.componentNames.map((c) => [c]));
    }
  });
});
