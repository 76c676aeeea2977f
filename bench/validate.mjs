// tfwrap validate (no stack): the whole project checked offline, end to end (node start included).
// Targets (issue 6): <= 300 ms on examples/quickstart, <= 2 s on the generated 1,000-stack
// repository. Prints figures; asserts nothing. A run after the first reuses what the previous one kept
// for unchanged stacks (docs/validate.md); the `--no-cache` rows resolve everything, as a fresh CI
// runner does. The cache lives in a temporary directory, not the user's.
//
//   node bench/validate.mjs            BENCH_RUNS=N (default 10), BENCH_STACKS=N (default 1000)
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, repoRoot, timeCommand, tfwrapBin } from './lib.mjs';

const { generateRepo } = await import(join(repoRoot, 'packages/stacks/dist/bench-fixture.js'));
const runs = Number(process.env.BENCH_RUNS ?? 10);
const stacks = Number(process.env.BENCH_STACKS ?? 1000);

const quickstart = mkdtempSync(join(tmpdir(), 'tfwrap-bench-validate-qs-'));
const large = mkdtempSync(join(tmpdir(), 'tfwrap-bench-validate-1k-'));
try {
  cpSync(join(repoRoot, 'examples/quickstart'), quickstart, { recursive: true });
  const generated = generateRepo(large, { stacks, componentsPerStack: 10, importLevels: 5 });
  writeFileSync(
    join(large, 'tfwrap.yaml'),
    JSON.stringify({
      ...generated.projectConfig,
      auth: { identities: { base: { kind: 'aws/ambient', default: true }, deploy: { kind: 'aws/assume-role', via: { identity: 'base' }, principal: { assume_role: 'arn:aws:iam::123456789012:role/deploy' } } } },
    }, null, 2) + '\n',
  );
  const env = { ...process.env, XDG_CACHE_HOME: join(large, '.bench-cache') };
  const validate = (cwd, ...more) => median(timeCommand(process.execPath, [tfwrapBin, 'validate', ...more], { runs, warmup: 2, cwd, env }));
  const rows = [
    ['node -e 0', median(timeCommand(process.execPath, ['-e', '0'], { runs, cwd: quickstart }))],
    ['tfwrap --version', median(timeCommand(process.execPath, [tfwrapBin, '--version'], { runs, cwd: quickstart }))],
    ['tfwrap validate: quickstart (target <= 300 ms)', validate(quickstart)],
    ['tfwrap validate --no-cache: quickstart', validate(quickstart, '--no-cache')],
    [`tfwrap validate: ${stacks} stacks x ${generated.componentNames.length} components (target <= 2000 ms)`, median(timeCommand(process.execPath, [tfwrapBin, 'validate'], { runs: Math.min(runs, 5), warmup: 1, cwd: large, env }))],
    [`tfwrap validate --no-cache: ${stacks} stacks x ${generated.componentNames.length} components`, median(timeCommand(process.execPath, [tfwrapBin, 'validate', '--no-cache'], { runs: Math.min(runs, 3), warmup: 0, cwd: large, env }))],
  ];
  report(`tfwrap validate (median of ${runs} runs; the 1,000-stack rows of ${Math.min(runs, 5)} and ${Math.min(runs, 3)})`, rows, { base: 'node -e 0' });
} finally {
  rmSync(quickstart, { recursive: true, force: true });
  rmSync(large, { recursive: true, force: true });
}
