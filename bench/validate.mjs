// tfwrap validate (no stack): the whole project checked offline, end to end (node start included).
// Targets (issue 6): <= 300 ms on examples/quickstart, <= 2 s on the generated 1,000-stack
// repository. Prints figures; asserts nothing.
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
  const validate = (cwd) => median(timeCommand(process.execPath, [tfwrapBin, 'validate'], { runs, warmup: 2, cwd }));
  const rows = [
    ['node -e 0', median(timeCommand(process.execPath, ['-e', '0'], { runs, cwd: quickstart }))],
    ['tfwrap --version', median(timeCommand(process.execPath, [tfwrapBin, '--version'], { runs, cwd: quickstart }))],
    ['tfwrap validate: quickstart (target <= 300 ms)', validate(quickstart)],
    [`tfwrap validate: ${stacks} stacks x ${generated.componentNames.length} components (target <= 2000 ms)`, median(timeCommand(process.execPath, [tfwrapBin, 'validate'], { runs: Math.min(runs, 5), warmup: 1, cwd: large }))],
  ];
  report(`tfwrap validate (median of ${runs} runs; the 1,000-stack row of ${Math.min(runs, 5)})`, rows, { base: 'node -e 0' });
} finally {
  rmSync(quickstart, { recursive: true, force: true });
  rmSync(large, { recursive: true, force: true });
}
