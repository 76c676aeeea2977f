import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeAffected } from './affected.js';
import { openGitRepository } from './git-revision.js';

describe('git revisions (real git)', () => {
  let dir: string;
  before(() => {
    dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tfwrap-git-revision-')));
    const git = (...args: string[]) => execFileSync('git', args, {
      cwd: dir, stdio: 'ignore',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
    mkdirSync(path.join(dir, 'infra/stacks'), { recursive: true });
    writeFileSync(path.join(dir, 'infra/stacks/dev.yaml'), 'components:\n  terraform:\n    vpc:\n      vars: { cidr: 10.0.0.0/16 }\n');
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'base');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the top directory and the project directory under it (one git process for both)', async () => {
    assert.deepEqual(await openGitRepository(path.join(dir, 'infra')), { top: dir, prefix: 'infra' });
    assert.deepEqual(await openGitRepository(path.join(dir, 'infra/stacks')), { top: dir, prefix: 'infra/stacks' });
    assert.deepEqual(await openGitRepository(dir), { top: dir, prefix: '' });
  });

  it('reports an unknown --base before an unknown --head, though both are read at once', async () => {
    await assert.rejects(describeAffected({ projectDir: path.join(dir, 'infra'), base: 'no-such-base', head: 'no-such-head' }),
      (err: Error) => /--base no-such-base is not a commit/.test(err.message));
    await assert.rejects(describeAffected({ projectDir: path.join(dir, 'infra'), base: 'HEAD', head: 'no-such-head' }),
      (err: Error) => /--head no-such-head is not a commit/.test(err.message));
  });
});
