// Shared by the benchmarks: timing whole commands and printing medians and ratios.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const tfwrapBin = join(repoRoot, 'packages/cli/bin/tfwrap.js');
/** The tsc output without the bundle (what `bin/tfwrap.js` ran before the bundle), for comparison. */
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
