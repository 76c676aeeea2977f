// Scale: a generated repository of 1,000 stacks x 50 components through a catalog, 5 import levels.
// Prints median time and peak memory (max RSS) of `tfwrap describe component`, `tfwrap list stacks`,
// `tfwrap describe stacks` (every component), and the time from starting `tfwrap plan <stack>
// <component>` until terraform is spawned.
// Targets: describe <= 200 ms, list stacks <= 2 s.
//
//   node bench/scale.mjs [stacks] [components] [runs]
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRepo } from '@tfwrap/stacks/bench-fixture';
import { median, tfwrapBin, unbundledBin } from './lib.mjs';

const stacks = Number(process.argv[2] ?? 1000);
const components = Number(process.argv[3] ?? 50);
const runs = Number(process.argv[4] ?? 10);
const root = mkdtempSync(join(tmpdir(), 'tfwrap-bench-scale-'));

try {
  const repoDir = join(root, 'repo');
  const started = performance.now();
  const generated = generateRepo(repoDir, { stacks, componentsPerStack: components, importLevels: 5 });
  // Fake terraform: records when it was started (ms since the epoch), and succeeds.
  const marks = join(root, 'spawned');
  const fake = join(root, 'fake-terraform');
  writeFileSync(fake, `#!/bin/sh\ndate +%s%3N >> "${marks}"\nexit 0\n`);
  chmodSync(fake, 0o755);
  writeFileSync(join(repoDir, 'tfwrap.yaml'), [
    'components:',
    `  terraform: { base_path: components/terraform, command: ${fake} }`,
    'stacks:',
    '  base_path: stacks',
    '  included_paths: ["**/*"]',
    '  excluded_paths: ["catalog/**"]',
    'auth:',
    '  identities:',
    '    local: { kind: ambient, default: true }',
    '',
  ].join('\n'));
  for (let i = 0; i < 10; i++) mkdirSync(join(repoDir, `components/terraform/module-${i}`), { recursive: true });
  console.log(`generated ${stacks} stacks x ${components} components in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const maxRssHook = join(root, 'maxrss.cjs');
  const rssFile = join(root, 'maxrss');
  writeFileSync(maxRssHook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  const env = { ...process.env, XDG_CACHE_HOME: join(root, 'cache'), XDG_CONFIG_HOME: join(root, 'config'), NODE_OPTIONS: `--require ${maxRssHook}` };

  const measure = (label, args, count = runs, bin = tfwrapBin) => {
    const times = [];
    const rss = [];
    for (let i = 0; i < count + 1; i++) {
      const start = performance.now();
      const result = spawnSync(process.execPath, [bin, '-C', repoDir, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - start;
      if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      if (i === 0) continue; // warm-up (file cache)
      times.push(ms);
      rss.push(Number(readFileSync(rssFile, 'utf8')) / 1024);
    }
    // The fastest run too: on a shared machine disturbance only adds time (see bench/ambient-exec.mjs).
    console.log(`  ${label.padEnd(56)} ${median(times).toFixed(1).padStart(8)} ms   fastest ${Math.min(...times).toFixed(1).padStart(7)} ms   peak RSS ${Math.max(...rss).toFixed(0)} MB`);
    return median(times);
  };

  const stack = generated.stackNames[Math.floor(stacks / 2)];
  const component = generated.componentNames[Math.floor(components / 2)];
  console.log(`\nscale (${runs} runs each, median; stack ${stack}, component ${component})`);
  const nodeTimes = [];
  for (let i = 0; i < runs + 1; i++) {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    if (i > 0) nodeTimes.push(performance.now() - start);
  }
  const node = median(nodeTimes);
  console.log(`  ${'node -e 0 (the floor; ratios below are to it)'.padEnd(56)} ${node.toFixed(1).padStart(8)} ms   fastest ${Math.min(...nodeTimes).toFixed(1).padStart(7)} ms`);
  const describe = measure(`describe component ${component} -s <stack>`, ['describe', 'component', component, '-s', stack]);
  const list = measure('list stacks', ['list', 'stacks'], Math.min(runs, 5));
  const unbundled = measure('  describe, unbundled (tsc output)', ['describe', 'component', component, '-s', stack], runs, unbundledBin);
  // Every component resolved and printed (no target; its time and memory grow with the repository).
  measure('describe stacks --format json (every component)', ['describe', 'stacks', '--format', 'json'], Math.min(runs, 2));

  // Time until terraform is spawned: the fake records its start; the workspace is pre-selected so
  // the first terraform started is the plan itself (after the stack's before-plan hooks).
  const instanceDir = join(repoDir, `components/terraform/module-${Math.floor(components / 2) % 10}`);
  mkdirSync(join(instanceDir, '.terraform'), { recursive: true });
  writeFileSync(join(instanceDir, '.terraform/environment'), stack.replace(/\//g, '-'));
  const spawnTimes = [];
  for (let i = 0; i < runs + 1; i++) {
    rmSync(marks, { force: true });
    const start = Date.now();
    const result = spawnSync(process.execPath, [tfwrapBin, '-C', repoDir, 'plan', stack, component, '--skip-init'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`plan exited ${result.status}: ${result.stderr}`);
    if (i > 0) spawnTimes.push(Number(readFileSync(marks, 'utf8').trim().split('\n')[0]) - start);
  }
  console.log(`  ${'plan <stack> <component>: until terraform is spawned'.padEnd(56)} ${median(spawnTimes).toFixed(1).padStart(8)} ms`);
  console.log(`\n  describe: ${(describe / 200).toFixed(2)} of the 200 ms target (${(describe / unbundled).toFixed(2)}x unbundled, ${(describe / node).toFixed(1)}x node -e 0); list stacks: ${(list / 2000).toFixed(2)} of the 2 s target (${(list / node).toFixed(1)}x node -e 0)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
