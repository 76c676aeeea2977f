// scripts/check-docs.mjs on small trees: it must pass good docs and name every broken reference.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot, runCommand } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

const checker = join(repoRoot, 'scripts/check-docs.mjs');

function tree(files: Record<string, string>): string {
  const dir = tempDir('tfwrap-check-docs-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const good = {
  'README.md': '# Demo\n\nSee [setup](docs/setup.md#first-steps-v2) and [ADRs](docs/adr/).\n',
  'docs/setup.md': '# Setup\n\n## First steps (v2)\n\nThe cache is `packages/core/src/cache.ts`; why: `adr/001-cache.md`.\n\n```md\n[in a fence](nowhere.md)\n```\n',
  'docs/adr/001-cache.md': '# Cache\n\nBack to [setup](../setup.md#setup).\n',
  'packages/core/src/cache.ts': '// Why: docs/adr/001-cache.md\nexport {};\n',
  'docs/run.md': '# Run\n\nRun `node bench/run.mjs`; it reads packages/core/src/cache.ts:2 and `plugins/identity-*/src` (see https://example.com/docs/x.md).\n',
  'bench/run.mjs': '',
};

describe('scripts/check-docs.mjs', function () {
  this.timeout(30_000);

  it('passes a tree whose links, anchors and quoted paths all exist', async () => {
    const run = await runCommand(process.execPath, [checker, tree(good)], { env: hermeticEnv(), cwd: repoRoot });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /no findings/);
  });

  it('reports each broken reference as file:line and exits 1', async () => {
    const dir = tree({
      ...good,
      'README.md': '# Demo\n\nSee [setup](docs/setup.md#no-such-heading).\n\nAnd [gone](docs/gone.md).\n',
      'docs/setup.md': '# Setup\n\nSee `bench/README.md` and `adr/002-cache.md`; `aws/assume-role` is a kind, not a path.\n',
      'packages/core/src/cache.ts': '// Why: docs/adr/009-cache.md\nexport {};\n',
      'docs/run.md': '# Run\n\nRun `node bench/gone.mjs`; it reads packages/core/src/gone.ts.\n',
    });
    const run = await runCommand(process.execPath, [checker, dir], { env: hermeticEnv(), cwd: repoRoot });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const lines = run.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [
      'README.md:3: broken link: docs/setup.md#no-such-heading (no heading #no-such-heading in docs/setup.md)',
      'README.md:5: broken link: docs/gone.md (no file docs/gone.md)',
      'docs/run.md:3: no such file: `bench/gone.mjs`',
      'docs/run.md:3: no such file: `packages/core/src/gone.ts`',
      'docs/setup.md:3: no such file: `adr/002-cache.md`',
      'docs/setup.md:3: no such file: `bench/README.md`',
      'packages/core/src/cache.ts:1: no such file: docs/adr/009-cache.md',
    ]);
  });
});
