/**
 * Benchmark: `node packages/stacks/dist/bench.js [--stacks 1000] [--components 50] [--levels 5] [--runs 5]`
 *
 * Generates the scale repository in a temporary directory, then times fresh Node processes (so the
 * figures include Node's start and module loading, as a CLI run would):
 *   - loadStack + one component, for a stack found by path and for one found by `name:` (scan);
 *   - listStacks;
 *   - `node -e ""` alone, for reference.
 * Prints the figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateRepo } from './bench-fixture.js';

const { values } = parseArgs({
  options: {
    stacks: { type: 'string', default: '1000' },
    components: { type: 'string', default: '50' },
    levels: { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' },
  },
});
const runs = Number(values.runs);
const indexUrl = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'index.js')).href;

const dir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-stacks-bench-'));
try {
  const started = performance.now();
  const repo = generateRepo(dir, {
    stacks: Number(values.stacks), componentsPerStack: Number(values.components), importLevels: Number(values.levels),
  });
  console.log(`generated ${repo.stackNames.length} stacks x ${repo.componentNames.length} components, ${values.levels} import levels in ${ms(performance.now() - started)}`);

  const settingsCode = `const { StackRepository, stacksSettingsFrom } = await import(${JSON.stringify(indexUrl)});
    const repo = new StackRepository(stacksSettingsFrom(${JSON.stringify(dir)}, ${JSON.stringify(repo.projectConfig)}));
    const t0 = performance.now();`;
  const middle = Math.floor(repo.stackNames.length / 2);
  const byPath = repo.stackNames.find((name, i) => i >= middle && !name.startsWith('named-')) as string;
  const byName = repo.stackNames.find((name, i) => i >= middle && name.startsWith('named-')) as string;
  const component = repo.componentNames[Math.floor(repo.componentNames.length / 2)] as string;
  const loadOne = (stack: string) => `${settingsCode}
    const instance = await (await repo.loadStack(${JSON.stringify(stack)})).component(${JSON.stringify(component)});
    if (!instance.vars) throw new Error('no vars');
    process.stdout.write(String(performance.now() - t0));`;

  report('node -e "" (reference)', time('', runs));
  report(`loadStack('${byPath}') + component('${component}')`, time(loadOne(byPath), runs));
  report(`loadStack('${byName}') (found by name:, scans) + component`, time(loadOne(byName), runs));
  report(`listStacks() (${repo.stackNames.length} stacks)`, time(`${settingsCode}
    const stacks = await repo.listStacks();
    if (stacks.length !== ${repo.stackNames.length}) throw new Error('listed ' + stacks.length);
    process.stdout.write(String(performance.now() - t0));`, runs));
  report(`every stack + every component, one process`, time(`${settingsCode}
    for (const entry of await repo.listStacks()) await (await repo.loadStack(entry.name)).components();
    process.stdout.write(String(performance.now() - t0));`, 1));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

interface Timing { wall: number[]; inside: number[] }

/** Run `code` in fresh processes; wall time of each, and the time the code itself printed. */
function time(code: string, count: number): Timing {
  const timing: Timing = { wall: [], inside: [] };
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    timing.wall.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`benchmark child failed: ${child.stderr}`);
    if (child.stdout) timing.inside.push(Number(child.stdout));
  }
  return timing;
}

function report(label: string, { wall, inside }: Timing): void {
  const inProcess = inside.length > 0 ? `; in-process ${ms(median(inside))}` : '';
  console.log(`${label}: median ${ms(median(wall))} wall (min ${ms(Math.min(...wall))})${inProcess}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}
