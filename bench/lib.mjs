// Shared by the benchmarks: timing whole commands and printing medians and ratios.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cpus, loadavg } from 'node:os';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * NODE_EXTRA_CA_CERTS (set by some sandboxes and company machines) makes every node process read
 * and parse a CA bundle before it runs anything: 50-1000 ms, and very noisy, on the machine these
 * benches were written on, which would swamp tfwrap's own start-up. So the benches' children run
 * without it (tfwrap makes no TLS connection the benches time), and every bench says so;
 * BENCH_KEEP_NODE_EXTRA_CA_CERTS=1 keeps it. The value as found, for a bench that measures both.
 */
export const nodeExtraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
if (nodeExtraCaCerts !== undefined && !process.env.BENCH_KEEP_NODE_EXTRA_CA_CERTS) delete process.env.NODE_EXTRA_CA_CERTS;

/** One line on the machine's state and the environment the children get; printed by every bench. */
export function machineNote() {
  const ca =
    nodeExtraCaCerts === undefined
      ? 'NODE_EXTRA_CA_CERTS not set'
      : process.env.NODE_EXTRA_CA_CERTS
        ? 'children run WITH NODE_EXTRA_CA_CERTS (BENCH_KEEP_NODE_EXTRA_CA_CERTS)'
        : 'children run without NODE_EXTRA_CA_CERTS (set here; see bench/lib.mjs)';
  return `node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${ca}`;
}
console.log(`[${machineNote()}]`);
export const tfwrapBin = join(repoRoot, 'packages/cli/bin/tfwrap.cjs');
/** The tsc output without the bundle (what `bin/tfwrap.cjs` ran before the bundle), for comparison. */
export const unbundledBin = join(repoRoot, 'bench/support/tfwrap-unbundled.mjs');

/** Run a command `runs` times after `warmup` runs; returns the wall times in ms. */
export function timeCommand(command, args, { runs = 20, warmup = 3, env = process.env, cwd = process.cwd() } = {}) {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    if (i >= warmup) times.push(elapsed);
  }
  return times;
}

/**
 * Time several commands round-robin (one run of each per round), so that load on a shared machine
 * falls on all of them alike. `variants` are [label, command, args]; returns [label, times[]].
 */
export function timeInterleaved(variants, { runs = 20, warmup = 3, env = process.env, cwd = process.cwd() } = {}) {
  const times = variants.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, [, command, args]] of variants.entries()) {
      const start = performance.now();
      const result = spawnSync(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      const elapsed = performance.now() - start;
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      if (round >= warmup) times[i].push(elapsed);
    }
  }
  return variants.map(([label], i) => [label, times[i]]);
}

/**
 * As timeInterleaved, but each run goes through bash's `time`, which also gives the CPU time
 * (user + sys) the command used: on a machine shared with other work, CPU time moves much less
 * than wall time. Returns [label, wall times[], CPU times[]] in ms.
 */
export function timeInterleavedWithCpu(variants, { runs = 20, warmup = 3, env = process.env, cwd = process.cwd() } = {}) {
  // A variant may carry its own environment as a fourth element.
  const wall = variants.map(() => []);
  const cpu = variants.map(() => []);
  const script = 'TIMEFORMAT="%3R %3U %3S"; time "$@" </dev/null >/dev/null 2>/dev/null';
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, [, command, args, ownEnv]] of variants.entries()) {
      const result = spawnSync('bash', ['-c', script, 'bash', command, ...args], { env: ownEnv ?? env, cwd, encoding: 'utf8' });
      const match = /^([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
      if (result.status !== 0 || !match) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      if (round < warmup) continue;
      wall[i].push(Number(match[1]) * 1000);
      cpu[i].push((Number(match[2]) + Number(match[3])) * 1000);
    }
  }
  return variants.map(([label], i) => [label, wall[i], cpu[i]]);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Print rows of [label, median ms] with the ratio to the first row and the difference to `base`. */
export function report(title, rows, { base } = {}) {
  console.log(`\n${title}`);
  const baseline = rows[0][1];
  const reference = base === undefined ? undefined : rows.find(([label]) => label === base)?.[1];
  for (const [label, ms] of rows) {
    const extra = reference === undefined ? '' : `  ${ms - reference >= 0 ? '+' : ''}${(ms - reference).toFixed(1)} ms vs ${base}`;
    console.log(`  ${label.padEnd(48)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline).toFixed(2)}x${extra}`);
  }
}

/**
 * The generated repository (@tfwrap/stacks bench-fixture, 5 import levels) in `dir`, ready to run:
 * a tfwrap.yaml with an ambient identity and the component directories. `options` go to
 * generateRepo (templates, ...). Gives the directory and the name of a stack in the middle.
 */
export async function runnableRepo(dir, stacks, components, options = {}) {
  const { generateRepo } = await import('@tfwrap/stacks/bench-fixture');
  const generated = generateRepo(dir, { stacks, componentsPerStack: components, importLevels: 5, ...options });
  writeFileSync(join(dir, 'tfwrap.yaml'), JSON.stringify({
    ...generated.projectConfig,
    components: { terraform: { base_path: 'components/terraform' } },
    auth: { identities: { local: { kind: 'ambient', default: true } } },
  }, null, 2) + '\n');
  for (let i = 0; i < 10; i++) mkdirSync(join(dir, `components/terraform/module-${i}`), { recursive: true });
  return { dir, stack: generated.stackNames[Math.floor(stacks / 2)] };
}
