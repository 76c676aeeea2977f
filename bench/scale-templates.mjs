// Scale with Go templates: the generated 1,000-stack x 50-component repository, once plain and once
// with stacks named by `stacks.name_template` and `templates.settings.enabled` (every component's
// vars hold templates for the component pass). Prints the median wall and CPU time of
// `tfwrap describe component` and `tfwrap validate` for both, interleaved so that load on the
// machine falls on both alike, the ratios to the no-template runs, what describe costs with an
// empty name cache (cold: every stack's name is computed), and a verdict per target.
// Targets (issue 11): describe <= 200 ms, validate <= 2 s, templates on (warm name cache; validate
// with what the previous run kept, as in an edit-validate loop or a pre-commit hook). `validate
// --no-cache` (every component resolved; stack names still kept) and `validate` with an empty cache
// directory (a fresh CI runner: names computed too) are printed beside it, one run each.
// On a loaded machine wall time is mostly waiting: the verdict then goes by CPU time, and says so
// (the load is read as each group starts).
//
//   env -u NODE_EXTRA_CA_CERTS node bench/scale-templates.mjs [stacks] [components] [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, runnableRepo, tfwrapBin, timeInterleavedWithCpu } from './lib.mjs';

const stacks = Number(process.argv[2] ?? 1000);
const components = Number(process.argv[3] ?? 50);
const runs = Number(process.argv[4] ?? 10);
const root = mkdtempSync(join(tmpdir(), 'tfwrap-bench-scale-templates-'));

try {
  const repos = {};
  for (const templates of [false, true]) {
    repos[templates ? 'templates' : 'plain'] = await runnableRepo(join(root, templates ? 'templates' : 'plain'), stacks, components, { templates });
  }
  const component = `c-${Math.floor(components / 2)}`;
  const env = { ...process.env, XDG_CACHE_HOME: join(root, 'cache'), XDG_CONFIG_HOME: join(root, 'config') };
  const args = (repo, command) => [tfwrapBin, '-C', repo.dir, ...command];
  const describe = (repo) => ['describe', 'component', component, '-s', repo.stack, '--format', 'json'];

  // The load average as each group starts (the generator's and earlier groups' work counts in the
  // one-minute figure, but less than at the end, after the --no-cache runs loaded both CPUs).
  const loadBefore = { describe: loadavg()[0] };
  const describeRows = timeInterleavedWithCpu([
    ['describe component, no templates', process.execPath, args(repos.plain, describe(repos.plain))],
    ['describe component, name_template + templates on', process.execPath, args(repos.templates, describe(repos.templates))],
  ], { runs, warmup: 2, env });
  // Cold: the name cache removed before each run (XDG_CACHE_HOME of its own; node's compile cache too).
  const coldCache = join(root, 'cold-cache');
  const coldRuns = Math.max(1, Math.min(runs, 3));
  const coldCpu = [];
  const coldWall = [];
  for (let i = 0; i < coldRuns; i++) {
    rmSync(coldCache, { recursive: true, force: true });
    const [[, wall, cpu]] = timeInterleavedWithCpu([
      ['cold', process.execPath, args(repos.templates, describe(repos.templates)), { ...env, XDG_CACHE_HOME: coldCache }],
    ], { runs: 1, warmup: 0, env });
    coldWall.push(...wall);
    coldCpu.push(...cpu);
  }
  const validateRuns = Math.max(3, Math.min(runs, 5));
  loadBefore.validate = loadavg()[0];
  const validateRows = timeInterleavedWithCpu([
    ['validate, no templates', process.execPath, args(repos.plain, ['validate'])],
    ['validate, name_template + templates on', process.execPath, args(repos.templates, ['validate'])],
  ], { runs: validateRuns, warmup: 1, env });

  const coldRow = ['describe component, templates on, cold name cache', coldWall, coldCpu];
  loadBefore.uncached = loadavg()[0];
  const uncachedRows = timeInterleavedWithCpu([
    ['validate --no-cache, no templates', process.execPath, args(repos.plain, ['validate', '--no-cache'])],
    ['validate --no-cache, templates on', process.execPath, args(repos.templates, ['validate', '--no-cache'])],
    ['validate, empty cache directory, no templates', process.execPath, args(repos.plain, ['validate']), { ...env, XDG_CACHE_HOME: join(root, 'empty-cache-plain') }],
    ['validate, empty cache directory, templates on', process.execPath, args(repos.templates, ['validate']), { ...env, XDG_CACHE_HOME: join(root, 'empty-cache-templates') }],
  ], { runs: 1, warmup: 0, env });

  console.log(`\nscale with Go templates: ${stacks} stacks x ${components} components (median; describe of ${runs} runs, cold of ${coldRuns}, validate of ${validateRuns})`);
  for (const [label, wall, cpu] of [...describeRows, coldRow, ...validateRows, ...uncachedRows]) {
    console.log(`  ${label.padEnd(52)} wall ${median(wall).toFixed(0).padStart(6)} ms   cpu ${median(cpu).toFixed(0).padStart(6)} ms`);
  }
  const ratio = (row, base, i) => (median(row[i]) / median(base[i])).toFixed(2);
  console.log(`\n  templates cost (templates on / off): describe ${ratio(describeRows[1], describeRows[0], 1)}x wall, ${ratio(describeRows[1], describeRows[0], 2)}x cpu; validate ${ratio(validateRows[1], validateRows[0], 1)}x wall, ${ratio(validateRows[1], validateRows[0], 2)}x cpu; cold describe ${ratio(coldRow, describeRows[1], 2)}x warm cpu`);
  // Loaded: more runnable processes than CPUs as the group started; then CPU time (V8's helper
  // threads included, so it overstates) stands for the wall time an idle machine would show.
  const verdict = (label, row, target, load) => {
    const loaded = load > cpus().length;
    const ms = median(row[loaded ? 2 : 1]);
    console.log(`  ${label.padEnd(30)} ${ms.toFixed(0).padStart(6)} ms ${loaded ? 'cpu' : 'wall'} of ${target} ms target (${(ms / target).toFixed(2)}): ${ms <= target ? 'MET' : 'MISSED'} (load average ${load.toFixed(1)} as it started, on ${cpus().length} CPUs; fastest wall ${Math.min(...row[1]).toFixed(0)} ms)`);
  };
  console.log('\n  verdict (templates on, median wall time; median CPU time where the machine was loaded)');
  verdict('describe component, warm', describeRows[1], 200, loadBefore.describe);
  verdict('validate (kept results)', validateRows[1], 2000, loadBefore.validate);
  verdict('validate --no-cache', uncachedRows[1], 2000, loadBefore.uncached);
  verdict('validate, empty cache dir', uncachedRows[3], 2000, loadBefore.uncached);
} finally {
  rmSync(root, { recursive: true, force: true });
}
