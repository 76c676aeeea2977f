// Wrapper overhead: `tfwrap plan dev <component> --skip-init` against `terraform plan` run by hand
// with the same files and environment. Prints medians and the ratio (target: <= 1.15x).
//
//   node bench/terraform-overhead.mjs [runs]
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, repoRoot, report, tfwrapBin, timeCommand } from './lib.mjs';

const runs = Number(process.argv[2] ?? 15);
const root = mkdtempSync(join(tmpdir(), 'tfwrap-bench-tf-'));
try {
  const project = join(root, 'quickstart');
  cpSync(join(repoRoot, 'examples/quickstart'), project, { recursive: true, filter: (s) => !/(\.terraform|terraform\.tfstate\.d|tfvars\.json|backend\.tf\.json)$/.test(s) });
  const tfrc = join(root, 'terraformrc');
  writeFileSync(tfrc, '');
  mkdirSync(join(root, 'home'));
  const env = {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    XDG_CACHE_HOME: join(root, 'cache'),
    XDG_CONFIG_HOME: join(root, 'config'),
    TF_CLI_CONFIG_FILE: tfrc,
    CHECKPOINT_DISABLE: '1',
  };
  // Once with init, so that both sides find an initialized directory with the dev workspace.
  const first = spawnSync(process.execPath, [tfwrapBin, '-C', project, 'plan', 'dev', 'network'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (first.status !== 0) throw new Error(`tfwrap plan failed: ${first.stderr}`);

  const componentDir = join(project, 'components/terraform/network');
  // What tfwrap gives terraform: the same env plus TF_IN_AUTOMATION (stdout is not a terminal),
  // the plugin cache, and the selected workspace (already in .terraform/environment).
  const terraformEnv = { ...env, TF_IN_AUTOMATION: '1', TF_PLUGIN_CACHE_DIR: join(root, 'cache/tfwrap/terraform-plugins') };
  const direct = timeCommand('terraform', ['plan', '-var-file=dev-network.terraform.tfvars.json'], { runs, env: terraformEnv, cwd: componentDir });
  const wrapped = timeCommand(process.execPath, [tfwrapBin, '-C', project, 'plan', 'dev', 'network', '--skip-init'], { runs, env, cwd: root });
  // The fixed cost of starting node and the CLI, to tell it apart from the per-run work.
  const startup = timeCommand(process.execPath, [tfwrapBin, '--version'], { runs, env, cwd: root });
  const bare = timeCommand(process.execPath, ['-e', '0'], { runs, env, cwd: root });
  const rows = [
    ['terraform plan (by hand)', median(direct)],
    ['tfwrap plan dev network --skip-init', median(wrapped)],
    ['  for reference: node -e 0', median(bare)],
    ['  for reference: tfwrap --version', median(startup)],
  ];
  report(`wrapper overhead (${runs} runs each, median)`, rows, { base: 'terraform plan (by hand)' });
  console.log(`  ratio: ${(rows[1][1] / rows[0][1]).toFixed(3)}x (target <= 1.15x)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
