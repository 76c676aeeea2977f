// Scale with Go templates: the generated 1,000-stack x 50-component repository, once plain and once
// with stacks named by `stacks.name_template` and `templates.settings.enabled` (every component's
// vars hold templates for the component pass). Prints the median wall and CPU time of
// `tfwrap describe component` and `tfwrap validate` for both, interleaved so that load on the
// machine falls on both alike. Targets (issue 11): describe <= 200 ms, validate <= 2 s, templates on.
//
//   env -u NODE_EXTRA_CA_CERTS node bench/scale-templates.mjs [stacks] [components] [runs]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRepo } from '@tfwrap/stacks/bench-fixture';
import { median, tfwrapBin, timeInterleavedWithCpu } from './lib.mjs';

const stacks = Number(process.argv[2] ?? 1000);
const components = Number(process.argv[3] ?? 50);
const runs = Number(process.argv[4] ?? 10);
const root = mkdtempSync(join(tmpdir(), 'tfwrap-bench-scale-templates-'));

try {
  const repos = {};
  for (const templates of [false, true]) {
    const dir = join(root, templates ? 'templates' : 'plain');
    const generated = generateRepo(dir, { stacks, componentsPerStack: components, importLevels: 5, templates });
    writeFileSync(join(dir, 'tfwrap.yaml'), JSON.stringify({
      ...generated.projectConfig,
      components: { terraform: { base_path: 'components/terraform' } },
      auth: { identities: { local: { kind: 'ambient', default: true } } },
    }, null, 2) + '\n');
    for (let i = 0; i < 10; i++) mkdirSync(join(dir, `components/terraform/module-${i}`), { recursive: true });
    repos[templates ? 'templates' : 'plain'] = { dir, stack: generated.stackNames[Math.floor(stacks / 2)] };
  }
  const component = `c-${Math.floor(components / 2)}`;
  const env = { ...process.env, XDG_CACHE_HOME: join(root, 'cache'), XDG_CONFIG_HOME: join(root, 'config') };
  const args = (repo, command) => [tfwrapBin, '-C', repo.dir, ...command];
  const describe = (repo) => ['describe', 'component', component, '-s', repo.stack, '--format', 'json'];

  const describeRows = timeInterleavedWithCpu([
    ['describe component, no templates', process.execPath, args(repos.plain, describe(repos.plain))],
    ['describe component, name_template + templates on', process.execPath, args(repos.templates, describe(repos.templates))],
  ], { runs, warmup: 2, env });
  const validateRuns = Math.max(3, Math.min(runs, 5));
  const validateRows = timeInterleavedWithCpu([
    ['validate, no templates', process.execPath, args(repos.plain, ['validate'])],
    ['validate, name_template + templates on', process.execPath, args(repos.templates, ['validate'])],
  ], { runs: validateRuns, warmup: 1, env });

  console.log(`\nscale with Go templates: ${stacks} stacks x ${components} components (median; describe of ${runs} runs, validate of ${validateRuns})`);
  for (const [label, wall, cpu] of [...describeRows, ...validateRows]) {
    console.log(`  ${label.padEnd(52)} wall ${median(wall).toFixed(0).padStart(6)} ms   cpu ${median(cpu).toFixed(0).padStart(6)} ms`);
  }
  const [, describeWall] = describeRows[1];
  const [, validateWall] = validateRows[1];
  console.log(`\n  templates on: describe ${(median(describeWall) / 200).toFixed(2)} of the 200 ms target; validate ${(median(validateWall) / 2000).toFixed(2)} of the 2 s target`);
  console.log(`  templates cost: describe ${(median(describeWall) / median(describeRows[0][1])).toFixed(2)}x, validate ${(median(validateWall) / median(validateRows[0][1])).toFixed(2)}x`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
