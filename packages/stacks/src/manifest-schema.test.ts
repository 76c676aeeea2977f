import assert from 'node:assert/strict';
import * as v from 'valibot';
import { TfwrapErrors, parseYaml } from '@tfwrap/core';
import { parseManifest } from './manifest.js';
import { stackCommandKeys, stackManifestSchema } from './manifest-schema.js';
import { ManifestProblem, ManifestProblems } from './problem.js';
import { fixtureRepo, removeFixtureRepos } from './test-support.js';

/** The problems parseManifest throws for `yaml`, as `path: message | hint`; [] when it passes. */
function problemsOf(yaml: string): string[] {
  try {
    parseManifest(yaml, '/repo/stacks/x.yaml');
    return [];
  } catch (err) {
    const problems = err instanceof ManifestProblems ? err.problems : err instanceof ManifestProblem ? [err] : undefined;
    if (!problems) throw err;
    return problems.map((p) => `${p.yamlPath.join('.')}: ${p.message}${p.hint ? ` | ${p.hint}` : ''}`);
  }
}

describe('stackManifestSchema', () => {
  after(removeFixtureRepos);

  it('is what the loader checks: it accepts what the loader accepts and rejects what it rejects', () => {
    const table: Array<[yaml: string, valid: boolean]> = [
      ['', true],
      ['vars: { a: [1], b: null }\nunknown_key: [kept, but ignored]', true],
      ['import: null\nterraform: null\ncomponents: { terraform: { vpc: null, app: { metadata: null } } }', true],
      ['env: { A: 1, B: true, C: null, D: text }', true],
      ['hooks: { h: { events: [after-terraform-apply], command: [x], env: { A: 1 }, enabled: false }, off: null }', true],
      ['vars: [1]', false],
      ['name: "  "', false],
      ['import: [catalog/a, ""]', false],
      ['env: { A: { nested: 1 } }', false],
      // Atmos takes any event name (one that never happens never matches) and no events (every event).
      ['hooks: { h: { events: [after-terraform-aply] } }', true],
      ['hooks: { h: { events: [], command: [x] } }', true],
      ['hooks: { h: { events: after-terraform-apply } }', false],
      ['hooks: { h: { command: [] } }', false],
      ['hooks: { h: { unknown: 1 } }', false],
      ['components: { terraform: { vpc: { metadata: { type: concrete } } } }', false],
      ['components: { terraform: [vpc] }', false],
    ];
    for (const [yaml, valid] of table) {
      const document = v.safeParse(stackManifestSchema, parseYaml(yaml, 'x.yaml') ?? {});
      assert.equal(document.success, valid, `schema: ${yaml}`);
      assert.equal(problemsOf(yaml).length === 0, valid, `loader: ${yaml}`);
    }
  });

  it('reports every problem of a manifest at once, with hints', () => {
    assert.deepEqual(problemsOf(`
vars: [1]
name: 3
hooks: { h: { comand: x, events: before-terraform-plan } }
components: { terraform: { a: { env: { X: [] }, metadata: { type: abstarct } } } }
`), [
      'name: name must be a non-empty string, not the number 3',
      'vars: vars must be a mapping, not a list',
      "hooks.h.events: stack command 'h': events must be a list such as [before-terraform-plan]",
      "hooks.h.comand: unknown key 'comand' in stack command 'h' | Did you mean 'command'?",
      'components.terraform.a.env.X: env.X must be a string, not a list | environment variables are text; null unsets an inherited one',
      "components.terraform.a.metadata.type: metadata.type must be real or abstract, not the string \"abstarct\" | Did you mean 'abstract'?",
    ]);
  });

  it('names the keys a stack command takes in the hint for an unknown one', () => {
    assert.deepEqual(problemsOf('hooks: { h: { zzzzzzzzzz: 1 } }'), [
      `hooks.h.zzzzzzzzzz: unknown key 'zzzzzzzzzz' in stack command 'h' | stack commands take ${stackCommandKeys.join(', ')}`,
    ]);
  });

  it('comes out of loadStack as one TfwrapErrors, in line order, each located', async () => {
    const { repo, file } = fixtureRepo({ 'stacks/dev.yaml': 'backend_type: 3\nvars: [1]\nimport: x\n' });
    let caught: unknown;
    try {
      await repo.loadStack('dev');
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof TfwrapErrors, String(caught));
    assert.deepEqual(caught.errors.map((e) => [e.code, e.location?.file, e.location?.line, e.message]), [
      ['E_STACK_INVALID', file('stacks/dev.yaml'), 1, 'backend_type must be a backend name such as s3, not the number 3'],
      ['E_STACK_INVALID', file('stacks/dev.yaml'), 2, 'vars must be a mapping, not a list'],
      ['E_STACK_INVALID', file('stacks/dev.yaml'), 3, 'import must be a list of paths, not the string "x"'],
    ]);
  });
});
