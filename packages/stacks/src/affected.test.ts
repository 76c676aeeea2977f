// describeAffected on real git repositories: Atmos's file and folder dependencies
// (internal/exec/describe_affected_components.go checkDependencyChangesIndexed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync, rmSync } from 'node:fs';
import { describeAffected } from './affected.js';
import { fixtureRepo, removeFixtureRepos, writeFiles } from './test-support.js';

const atmos = 'base_path: .\nstacks: { base_path: stacks, included_paths: ["orgs/**/*"] }\ncomponents: { terraform: { base_path: components/terraform } }\n';

describe('describe affected: file and folder dependencies', () => {
  after(removeFixtureRepos);

  /** A committed repository; `change` writes files (null deletes one) and commits; returns the reasons by stack/component against the commit before. */
  function repository(files: Record<string, string>) {
    const { dir } = fixtureRepo({ 'atmos.yaml': atmos, ...files });
    const root = realpathSync(dir);
    const git = (...args: string[]) => execFileSync('git', args, {
      cwd: root, stdio: 'ignore',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'base');
    return async (changed: Record<string, string | null>) => {
      for (const [file, text] of Object.entries(changed)) {
        if (text === null) rmSync(`${root}/${file}`);
        else writeFiles(root, { [file]: text });
      }
      git('add', '-A');
      git('commit', '-qm', 'change');
      const report = await describeAffected({ projectDir: root, atmosFile: `${root}/atmos.yaml`, configFile: `${root}/atmos.yaml`, base: 'HEAD~1' });
      return report.components.map((entry) => `${entry.stack}/${entry.component} ${entry.reasons.join(',')}`);
    };
  }

  it('dependencies.files and .folders (and kind: file entries) are watched; a deleted file counts; globs match as Atmos\'s doublestar does', async () => {
    const change = repository({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            fn:
              dependencies:
                files: [config/fn.json]
                folders: [src/fn]
            api:
              dependencies:
                components: [{ name: fn }, { kind: file, path: "schemas/*.graphql" }]
      `,
      'config/fn.json': '{}',
      'src/fn/index.js': '1',
      'schemas/api.graphql': 'type A',
    });
    assert.deepEqual(await change({ 'src/fn/index.js': null }), ['orgs/dev/fn folder:src/fn']);
    assert.deepEqual(await change({ 'config/fn.json': '{"a":1}', 'schemas/api.graphql': 'type B' }), ['orgs/dev/api file:schemas/*.graphql', 'orgs/dev/fn file:config/fn.json']);
    assert.deepEqual(await change({ 'src/other.js': '1' }), []);
  });

  it('a dependency on a stack manifest counts when only manifests changed, in a stack whose own files did not change', async () => {
    const change = repository({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            app:
              settings: { depends_on: { 1: { folder: stacks/orgs/shared } } }
      `,
      'stacks/orgs/prod.yaml': 'components: { terraform: { app: {} } }',
      'stacks/orgs/shared/defaults.yaml': 'vars: { a: 1 }',
    });
    // Reformatted only: Atmos reads git's list of changed files as is.
    assert.deepEqual(await change({ 'stacks/orgs/shared/defaults.yaml': 'vars:\n  a: 1\n' }), ['orgs/dev/app folder:stacks/orgs/shared']);
  });
});
