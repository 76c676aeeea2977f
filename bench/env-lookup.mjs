// !env and the component's env: at scale: the generated repository (200 stacks x 50 components by
// default), once as generated and once with a stack-wide `region_x: !env REGION_X` whose variable
// the stack-wide env: also sets, so that every component merges again with env:'s value (Atmos's
// lookup order, stack.ts patchedPlan). Prints the median wall and CPU time of `validate --no-cache`
// and `describe component`, and the ratios to the plain repository.
//
//   env -u NODE_EXTRA_CA_CERTS node bench/env-lookup.mjs [stacks] [components] [runs]
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineNote, median, runnableRepo, tfwrapBin, timeInterleavedWithCpu } from './lib.mjs';

const stacks = Number(process.argv[2] ?? 200);
const components = Number(process.argv[3] ?? 50);
const runs = Number(process.argv[4] ?? 5);
const root = mkdtempSync(join(tmpdir(), 'tfwrap-bench-env-lookup-'));

try {
  const repos = {};
  for (const variant of ['plain', 'env']) {
    repos[variant] = await runnableRepo(join(root, variant), stacks, components);
    if (variant === 'env') {
      // The deepest level every stack imports: a var read with !env, and env: giving it a value.
      const level = join(repos.env.dir, 'stacks/catalog/level-5');
      for (const file of readdirSync(level)) {
        const text = readFileSync(join(level, file), 'utf8');
        writeFileSync(join(level, file), text.replace('vars:\n', 'vars:\n  region_x: !env REGION_X\n').replace('env:\n', 'env:\n  REGION_X: from-env-section\n'));
      }
    }
  }
  const env = { ...process.env, REGION_X: 'from-the-environment', XDG_CACHE_HOME: join(root, 'cache'), XDG_CONFIG_HOME: join(root, 'config') };
  const component = `c-${Math.floor(components / 2)}`;
  const rows = timeInterleavedWithCpu([
    ['validate --no-cache, no !env', process.execPath, [tfwrapBin, '-C', repos.plain.dir, 'validate', '--no-cache']],
    ['validate --no-cache, !env that env: sets', process.execPath, [tfwrapBin, '-C', repos.env.dir, 'validate', '--no-cache']],
    ['describe component, no !env', process.execPath, [tfwrapBin, '-C', repos.plain.dir, 'describe', 'component', component, '-s', repos.plain.stack, '--format', 'json']],
    ['describe component, !env that env: sets', process.execPath, [tfwrapBin, '-C', repos.env.dir, 'describe', 'component', component, '-s', repos.env.stack, '--format', 'json']],
  ], { runs, warmup: 1, env });
  console.log(`\n!env looked up in env: (${stacks} stacks x ${components} components, median of ${runs})`);
  for (const [label, wall, cpu] of rows) console.log(`  ${label.padEnd(44)} wall ${median(wall).toFixed(0).padStart(6)} ms   cpu ${median(cpu).toFixed(0).padStart(6)} ms`);
  const ratio = (a, b) => (median(rows[b][2]) / median(rows[a][2])).toFixed(2);
  console.log(`  cpu ratio (!env / none): validate ${ratio(0, 1)}x, describe ${ratio(2, 3)}x`);
  console.log(machineNote());
} finally {
  rmSync(root, { recursive: true, force: true });
}
