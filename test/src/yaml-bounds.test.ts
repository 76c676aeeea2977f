// Hostile YAML: an alias bomb ("billion laughs") or a document nested thousands deep fails fast as
// one line naming the file and line, in a stack manifest and in tfwrap.yaml (issue 10, problem 3).
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runTfwrap } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

function quickstart(): string {
  const dir = tempDir('tfwrap-yaml-bounds-');
  cpSync(join(repoRoot, 'examples/quickstart'), dir, { recursive: true });
  return dir;
}

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded, in a few hundred bytes. */
function aliasBomb(key: string): string {
  const names = 'abcdefghi'.split('');
  const lines = names.map((name, i) => `  ${name}: &${name} [${Array(9).fill(i === 0 ? '"lol"' : `*${names[i - 1]}`).join(',')}]`);
  return `${key}:\n${lines.join('\n')}\n`;
}

/** The run ends with exactly one error line naming the file and a line, and no stack trace. */
function assertOneLineAt(stderr: string, file: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n').filter((line) => !/^tfwrap: \d+ problems? found$/.test(line));
  assert.equal(lines.length, 1, stderr);
  assert.ok(lines[0]!.includes(`${file}:`), stderr);
  assert.match(lines[0]!, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /internal error|\n\s+at /);
}

describe('bounded YAML', function () {
  this.timeout(60_000);

  it('an alias bomb in a stack manifest fails validate with one line at its file and line, exit 1', async () => {
    const dir = quickstart();
    const manifest = join(dir, 'stacks/dev.yaml');
    writeFileSync(manifest, `import: [catalog/defaults]\n${aliasBomb('vars')}`);
    const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 1, run.stderr);
    assertOneLineAt(run.stderr, manifest, /aliases expand to too many nodes.*\[E_CONFIG_SYNTAX\]$/);
  });

  it('the same manifest stops other commands with exit 2', async () => {
    const dir = quickstart();
    const manifest = join(dir, 'stacks/dev.yaml');
    writeFileSync(manifest, `import: [catalog/defaults]\n${aliasBomb('vars')}`);
    const run = await runTfwrap(['describe', 'component', 'network', '-s', 'dev'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 2, run.stderr);
    assertOneLineAt(run.stderr, manifest, /aliases expand to too many nodes/);
  });

  it('an alias bomb in tfwrap.yaml fails with one line at its line, exit 1 from validate and 2 elsewhere', async () => {
    const dir = quickstart();
    const config = join(dir, 'tfwrap.yaml');
    writeFileSync(config, `stacks:\n  base_path: stacks\n${aliasBomb('bomb')}`);
    const validate = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
    assert.equal(validate.exitCode, 1, validate.stderr);
    assertOneLineAt(validate.stderr, config, /aliases expand to too many nodes/);
    const list = await runTfwrap(['auth', 'list'], { env: hermeticEnv(), cwd: dir });
    assert.equal(list.exitCode, 2, list.stderr);
    assertOneLineAt(list.stderr, config, /aliases expand to too many nodes/);
  });

  it('a manifest nested thousands of levels deep is refused the same way', async () => {
    const dir = quickstart();
    const manifest = join(dir, 'stacks/dev.yaml');
    writeFileSync(manifest, `vars:\n  deep: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 1, run.stderr);
    assertOneLineAt(run.stderr, manifest, /nested more than \d+ levels deep/);
  });

  it('anchors, aliases and merge keys of ordinary size still work', async () => {
    const dir = quickstart();
    writeFileSync(join(dir, 'stacks/dev.yaml'), `import: [catalog/defaults, catalog/components]
defaults: &defaults { stage: dev, tags: &tags { team: core } }
vars:
  <<: *defaults
  extra_tags: *tags
`);
    const run = await runTfwrap(['describe', 'component', 'network', '-s', 'dev', '--format', 'json'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /"team": "core"/);
  });
});
