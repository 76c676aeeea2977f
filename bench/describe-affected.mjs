// tfwrap describe affected between two commits of the generated repository (1,000 stacks x 50
// components by default) where one mixin imported by 100 stacks changed. Target (issue 13): <= 3 s
// end to end (node start, git reads and comparison included). Prints the fastest and median runs,
// wall and CPU, beside node -e 0's; asserts only that the affected set is the expected one.
//
//   node bench/describe-affected.mjs     BENCH_RUNS=N (default 3), BENCH_STACKS=N (default 1000),
//                                        BENCH_COMPONENTS=N (default 50), BENCH_KEEP_DIR=<dir> (build there, keep it)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, repoRoot, tfwrapBin, timeInterleavedWithCpu } from './lib.mjs';

const { generateRepo } = await import(join(repoRoot, 'packages/stacks/dist/bench-fixture.js'));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const stacks = Number(process.env.BENCH_STACKS ?? 1000);
const components = Number(process.env.BENCH_COMPONENTS ?? 50);
const importers = Math.min(100, stacks);

const dir = process.env.BENCH_KEEP_DIR ?? mkdtempSync(join(tmpdir(), 'tfwrap-bench-affected-'));
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (...args) => execFileSync('git', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
try {
  const generated = generateRepo(dir, { stacks, componentsPerStack: components, importLevels: 5 });
  writeFileSync(join(dir, 'tfwrap.yaml'), JSON.stringify({ ...generated.projectConfig, auth: { identities: { base: { kind: 'ambient', default: true } } } }, null, 2) + '\n');
  // One mixin, imported by the first 100 stacks.
  mkdirSync(join(dir, 'stacks/catalog/mixins'), { recursive: true });
  writeFileSync(join(dir, 'stacks/catalog/mixins/team.yaml'), 'vars:\n  team: platform\n');
  for (let n = 0; n < importers; n++) {
    const file = join(dir, `stacks/deploy/group-${Math.floor(n / 50)}/stack-${n}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('import: [', 'import: [catalog/mixins/team, '));
  }
  for (let i = 0; i < 10; i++) {
    mkdirSync(join(dir, `components/terraform/module-${i}`), { recursive: true });
    writeFileSync(join(dir, `components/terraform/module-${i}/main.tf`), 'variable "name" { type = string }\n');
  }
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  writeFileSync(join(dir, 'stacks/catalog/mixins/team.yaml'), 'vars:\n  team: networking\n');
  git('commit', '-qam', 'change the mixin');

  const args = [tfwrapBin, 'describe', 'affected', '--base', 'HEAD~1'];
  const out = JSON.parse(execFileSync(process.execPath, args, { cwd: dir, maxBuffer: 1 << 28 }).toString());
  const expected = importers * components;
  if (out.length !== expected) throw new Error(`expected ${expected} affected components, got ${out.length}`);
  const matrix = execFileSync(process.execPath, [...args, '--format', 'matrix'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  const files = git('ls-files').split('\n').length;
  // Wall and CPU time per run (node -e 0 alongside, as the yardstick of the machine's load): on a
  // shared machine wall time includes waiting for a core; the CPU time is what the work costs.
  const timed = timeInterleavedWithCpu([
    ['node -e 0', process.execPath, ['-e', '0']],
    ['describe affected', process.execPath, args],
  ], { runs, warmup: 1, cwd: dir });
  const grouped = JSON.parse(matrix.toString()).include.length;
  console.log(`\ntfwrap describe affected: ${stacks} stacks x ${components} components, ${files} files, 1 mixin imported by ${importers} stacks changed`);
  console.log(`(${runs} runs; ${out.length} affected components, matrix of ${grouped} jobs; target <= 3000 ms; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
  // The fastest run is the verdict (disturbance only adds time; README, Performance); the median beside it.
  const fastest = (values) => Math.min(...values);
  const figures = (values) => `${fastest(values).toFixed(0).padStart(7)} fastest ${median(values).toFixed(0).padStart(7)} median`;
  for (const [label, wall, cpu] of timed) console.log(`  ${label.padEnd(20)} wall ms ${figures(wall)}   CPU ms ${figures(cpu)}`);
  const [[, baseWall, baseCpu], [, wall, cpu]] = timed;
  console.log(`  describe affected / node -e 0 (fastest runs): ${(fastest(wall) / fastest(baseWall)).toFixed(1)}x wall, ${(fastest(cpu) / fastest(baseCpu)).toFixed(1)}x CPU;`
    + ` fastest wall ${fastest(wall) <= 3000 ? 'within' : 'above'} the 3 s target`);
} finally {
  if (!process.env.BENCH_KEEP_DIR) rmSync(dir, { recursive: true, force: true });
}
