/** The suite must catch kinds that break its rules, each in the test for that rule. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface MochaJson {
  failures: Array<{ fullTitle: string }>;
  passes: Array<{ fullTitle: string }>;
}

describe('conformance suite against broken kinds', function () {
  this.timeout(60_000);
  let report: MochaJson;

  before(() => {
    const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
    const fixture = fileURLToPath(new URL('./broken-kinds.fixture.js', import.meta.url));
    let out: string;
    try {
      out = execFileSync(process.execPath, [mocha, '--no-config', '--reporter', 'json', fixture], { encoding: 'utf8' });
    } catch (err) {
      out = (err as { stdout: string }).stdout; // mocha exits non-zero: failures are expected
    }
    report = JSON.parse(out.slice(out.indexOf('{'))) as MochaJson;
  });

  const failed = (flaw: string) => report.failures.filter((f) => f.fullTitle.includes(`broken-${flaw})`)).map((f) => f.fullTitle.replace(/^.*\) /, ''));

  const expectations: Record<string, RegExp> = {
    'keeps-parent-keys': /^prepares the child's environment by the managed rules$/,
    'world-readable': /^prepares the child's environment by the managed rules$/,
    'leaky-error': /^reports a failed authentication/,
    'accepts-anything': /^rejects an unknown field/,
    expired: /^authenticates, yielding credentials/,
    'api-2': /^targets plugin API 1/,
  };
  for (const [flaw, test] of Object.entries(expectations)) {
    it(`catches a kind that breaks a rule: ${flaw}`, () => {
      const failures = failed(flaw);
      assert.ok(failures.some((title) => test.test(title)), `expected a failure matching ${test}, got: ${failures.join(' | ') || 'none'}`);
      if (flaw !== 'api-2') assert.equal(failures.length, 1, `only one rule should fail, got: ${failures.join(' | ')}`);
    });
  }
});
