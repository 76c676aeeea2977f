// The hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a temporary git repository,
// offline: the hook repository is a local clone, the hooks are language: system.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCommand, tfwrapBin, type RunResult } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      return readFileSync(join(dir, cmd)).length > 0;
    } catch {
      return false;
    }
  });
}

describe('pre-commit hooks (tfwrap-validate, tfwrap-fmt)', function () {
  this.timeout(180_000);
  let project: string;
  let env: Record<string, string>;
  const git = (...args: string[]) => runCommand('git', args, { env, cwd: project });
  const commit = async (message: string): Promise<RunResult> => {
    await git('add', '-A');
    return git('commit', '-q', '-m', message);
  };

  before(async function () {
    if (!onPath('pre-commit')) {
      if (process.env.CI) throw new Error('pre-commit is not installed (.ci/run installs it)');
      this.skip();
    }
    // The hook repository: a git repository holding this checkout's .pre-commit-hooks.yaml.
    const hooksRepo = tempDir('tfwrap-hooks-repo-');
    const bin = tempDir('tfwrap-bin-');
    writeFileSync(join(bin, 'tfwrap'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(tfwrapBin)} "$@"\n`);
    chmodSync(join(bin, 'tfwrap'), 0o755);
    env = hermeticEnv({
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      PRE_COMMIT_HOME: join(tempDir('tfwrap-pre-commit-home-'), 'cache'),
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
    });
    cpSync(join(repoRoot, '.pre-commit-hooks.yaml'), join(hooksRepo, '.pre-commit-hooks.yaml'));
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['commit', '-q', '-m', 'hooks']]) {
      const r = await runCommand('git', args, { env, cwd: hooksRepo });
      assert.equal(r.exitCode, 0, r.stderr);
    }
    const rev = (await runCommand('git', ['rev-parse', 'HEAD'], { env, cwd: hooksRepo })).stdout.trim();

    project = tempDir('tfwrap-pre-commit-');
    cpSync(join(repoRoot, 'examples/quickstart'), project, { recursive: true });
    writeFileSync(join(project, '.pre-commit-config.yaml'), `repos:\n  - repo: ${hooksRepo}\n    rev: ${rev}\n    hooks:\n      - id: tfwrap-validate\n      - id: tfwrap-fmt\n`);
    assert.equal((await git('init', '-q', '-b', 'main')).exitCode, 0);
    const install = await runCommand('pre-commit', ['install'], { env, cwd: project });
    assert.equal(install.exitCode, 0, install.stderr + install.stdout);
  });

  it('let a clean commit through', async () => {
    const result = await commit('quickstart');
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /tfwrap validate\.+Passed/);
  });

  it('refuse a commit with an invalid manifest, naming its file and line', async () => {
    writeFileSync(join(project, 'stacks/dev.yaml'), readFileSync(join(project, 'stacks/dev.yaml'), 'utf8') + 'env:\n  TF_LOG: [debug]\n');
    const result = await commit('break dev');
    assert.notEqual(result.exitCode, 0);
    const output = result.stdout + result.stderr;
    assert.match(output, /tfwrap validate\.+Failed/);
    const lines = readFileSync(join(project, 'stacks/dev.yaml'), 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('TF_LOG')) + 1;
    assert.ok(output.includes(`${join(project, 'stacks/dev.yaml')}:${line}:`), output);
    assert.match(output, /env\.TF_LOG must be a string/);
    await runCommand('git', ['checkout', '--', '.'], { env, cwd: project });
    await runCommand('git', ['reset', '-q'], { env, cwd: project });
    await runCommand('git', ['checkout', '--', 'stacks/dev.yaml'], { env, cwd: project });
  });

  it('format the components a commit touches, and refuse it until the result is staged', async () => {
    mkdirSync(join(project, 'components/terraform/app'), { recursive: true });
    const file = join(project, 'components/terraform/app/extra.tf');
    writeFileSync(file, 'variable "size" {\ndefault    = 1\n}\n');
    const first = await commit('extra');
    assert.notEqual(first.exitCode, 0);
    assert.match(first.stdout + first.stderr, /tfwrap fmt\.+Failed[\s\S]*formatted: components\/terraform\/app\/extra\.tf/);
    assert.equal(readFileSync(file, 'utf8'), 'variable "size" {\n  default = 1\n}\n');
    const second = await commit('extra, formatted');
    assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  });
});
