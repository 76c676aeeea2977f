// `tfwrap plan dev app` on an unchanged component with the real hashicorp/aws provider, an s3
// backend (moto, request auth on) and a chained identity (aws/ambient → aws/assume-role), against
// `terraform plan` run by hand in the same initialized directory with the same managed environment
// (`tfwrap auth env`). Target (issue 12): default tfwrap plan ≤ 1.05× terraform plan by hand.
// For reference, `--init` shows what every run paid before init elision.
//
// The provider comes from a filesystem mirror (/opt/tf-plugins, or TFWRAP_BENCH_PROVIDER_MIRROR);
// without it the bench says so and skips. Needs the built tree (npm run build) and moto.
//
//   BENCH_RUNS=7 node bench/terraform-real-provider.mjs
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, repoRoot, report, tfwrapBin } from './lib.mjs';

const mirror = process.env.TFWRAP_BENCH_PROVIDER_MIRROR ?? '/opt/tf-plugins';
const TITLE = 'real-provider plan (hashicorp/aws, s3 backend on moto, aws/ambient → aws/assume-role)';
if (!existsSync(join(mirror, 'registry.terraform.io/hashicorp/aws'))) {
  console.log(`\n${TITLE}\n  skipped: no hashicorp/aws provider in a filesystem mirror at ${mirror} (set TFWRAP_BENCH_PROVIDER_MIRROR)`);
  process.exit(0);
}
const motoModule = join(repoRoot, 'test/dist/support/moto.js');
if (!existsSync(motoModule)) {
  console.log(`\n${TITLE}\n  skipped: ${motoModule} is missing (run npm run build first)`);
  process.exit(0);
}
const { startMoto } = await import(pathToFileURL(motoModule).href);

const runs = Number(process.env.BENCH_RUNS ?? 7);
const root = mkdtempSync(join(tmpdir(), 'tfwrap-bench-aws-'));
// moto's seeding has a 30 s limit, which a busy machine can miss: try a few times (a late
// failure of an abandoned attempt arrives as an unhandled rejection; it is not this bench's).
process.on('unhandledRejection', (err) => {
  if (!/moto/.test(String(err?.message))) throw err;
});
let moto;
for (let attempt = 1; !moto; attempt++) {
  try {
    moto = await startMoto({ startTimeoutMs: 180_000 });
  } catch (err) {
    if (attempt === 3) throw err;
  }
}
try {
  const project = join(root, 'project');
  const app = join(project, 'components/terraform/app');
  mkdirSync(app, { recursive: true });
  mkdirSync(join(project, 'stacks'));
  writeFileSync(
    join(project, 'tfwrap.yaml'),
    `auth:
  identities:
    admin:
      kind: aws/ambient
      principal: { region: us-east-1 }
    deployer:
      kind: aws/assume-role
      via: { identity: admin }
      principal:
        assume_role: "arn:aws:iam::999999999999:role/TerraformDeployRole"
`,
  );
  writeFileSync(
    join(project, 'stacks/dev.yaml'),
    `vars: { stage: dev }
terraform:
  backend_type: s3
  backend:
    s3:
      bucket: tfstate-bucket
      key: bench/app/terraform.tfstate
      region: us-east-1
      use_path_style: true
      use_lockfile: true
      skip_requesting_account_id: true
      skip_metadata_api_check: true
      skip_region_validation: true
  auth: { identity: deployer }
components:
  terraform:
    app: {}
`,
  );
  writeFileSync(
    join(app, 'main.tf'),
    `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = true
}
variable "stage" { type = string }
data "aws_caller_identity" "current" {}
resource "terraform_data" "this" { input = { stage = var.stage, arn = data.aws_caller_identity.current.arn } }
output "arn" { value = data.aws_caller_identity.current.arn }
`,
  );
  const tfrc = join(root, 'mirror.tfrc');
  writeFileSync(
    tfrc,
    `provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }
}
`,
  );
  mkdirSync(join(root, 'home'));
  const env = {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_CACHE_HOME: join(root, 'cache'),
    TF_CLI_CONFIG_FILE: tfrc,
    CHECKPOINT_DISABLE: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(root, 'home/.aws/config'),
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'home/.aws/credentials'),
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
  };

  // Async spawn: moto's bookkeeping lives in this process's event loop.
  const run = (command, args, runEnv, cwd) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(command, args, { env: runEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c) => (output += c));
      child.stderr.on('data', (c) => (output += c));
      child.on('close', (code) => {
        const ms = performance.now() - started;
        if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
        else resolve({ ms, output });
      });
    });
  const tfwrap = (...args) => run(process.execPath, [tfwrapBin, '-C', project, ...args], env, root);

  // Once, untimed: init (the provider from the mirror), the dev workspace, the session cache.
  await tfwrap('plan', 'dev', 'app', '-input=false');

  // By hand: the identity's environment from `tfwrap auth env`, plus what tfwrap adds for terraform.
  const cli = (...args) => spawnSync(process.execPath, [tfwrapBin, '-C', project, ...args], { env, cwd: root, encoding: 'utf8' });
  const set = JSON.parse(cli('auth', 'env', '-i', 'deployer', '-f', 'json').stdout);
  const unset = cli('auth', 'env', '-i', 'deployer').stdout.split('\n').filter((l) => l.startsWith('unset ')).map((l) => l.slice(6));
  const byHandEnv = { ...env, ...set, TF_IN_AUTOMATION: '1', TF_PLUGIN_CACHE_DIR: join(root, 'cache/tfwrap/terraform-plugins') };
  for (const name of unset) delete byHandEnv[name];
  const byHand = () => run('terraform', ['plan', '-input=false', '-var-file=dev-app.terraform.tfvars.json'], byHandEnv, app);
  const check = await byHand();
  if (!/1 to add/.test(check.output)) throw new Error(`terraform plan by hand did not plan the resource:\n${check.output}`);

  // Interleaved, so that a busy machine slows every row alike.
  const rows = { hand: [], tfwrap: [], skip: [], init: [] };
  for (let i = 0; i < runs; i++) {
    rows.hand.push((await byHand()).ms);
    const plan = await tfwrap('--debug', 'plan', 'dev', 'app', '-input=false');
    if (!/init: skipped \(unchanged\)/.test(plan.output)) throw new Error(`tfwrap ran init on an unchanged component:\n${plan.output}`);
    rows.tfwrap.push(plan.ms);
    rows.skip.push((await tfwrap('plan', 'dev', 'app', '-input=false', '--skip-init')).ms);
    rows.init.push((await tfwrap('plan', 'dev', 'app', '-input=false', '--init')).ms);
    // Progress on stderr: on a busy machine a run takes minutes.
    console.error(`  run ${i + 1}/${runs}: by hand ${rows.hand[i].toFixed(0)} ms, tfwrap ${rows.tfwrap[i].toFixed(0)} ms, --skip-init ${rows.skip[i].toFixed(0)} ms, --init ${rows.init[i].toFixed(0)} ms`);
  }
  const table = [
    ['terraform plan (by hand)', median(rows.hand)],
    ['tfwrap plan dev app', median(rows.tfwrap)],
    ['tfwrap plan dev app --skip-init', median(rows.skip)],
    ['tfwrap plan dev app --init (init every run)', median(rows.init)],
  ];
  report(`${TITLE} (${runs} runs each, interleaved, median)`, table, { base: 'terraform plan (by hand)' });
  const ratio = table[1][1] / table[0][1];
  console.log(`  ratio: ${ratio.toFixed(3)}x (target <= 1.05x: ${ratio <= 1.05 ? 'met' : 'NOT met'}); tfwrap's own time: +${(table[1][1] - table[0][1]).toFixed(0)} ms`);
  // The least disturbed run of each (a busy machine only ever adds time): steadier than medians
  // here, where a plan's time moves by tens of percent from run to run (README "Performance").
  const fastest = [
    ['terraform plan (by hand)', Math.min(...rows.hand)],
    ['tfwrap plan dev app', Math.min(...rows.tfwrap)],
    ['tfwrap plan dev app --skip-init', Math.min(...rows.skip)],
    ['tfwrap plan dev app --init (init every run)', Math.min(...rows.init)],
  ];
  report(`fastest of ${runs} runs each`, fastest, { base: 'terraform plan (by hand)' });
  const fastestRatio = fastest[1][1] / fastest[0][1];
  console.log(`  ratio of the fastest runs: ${fastestRatio.toFixed(3)}x (target <= 1.05x: ${fastestRatio <= 1.05 ? 'met' : 'NOT met'}); tfwrap's own time: +${(fastest[1][1] - fastest[0][1]).toFixed(0)} ms`);
  console.log('  (tfwrap and terraform run with only the variables above: no NODE_EXTRA_CA_CERTS)');
} finally {
  await moto.stop();
  rmSync(root, { recursive: true, force: true });
}
