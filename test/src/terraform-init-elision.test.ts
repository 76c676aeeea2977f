// Init elision and workspace selection with real terraform: init runs the first time and again
// only when something it depends on changed (each such input has a step below); the stack's
// workspace is selected without a terraform process once it is known to exist, and every stack
// still reads and writes its own state (local backend, and s3 on moto with request auth).
//
// Evidence is what tfwrap --debug prints for each child it starts ("[dir] terraform init ...")
// and what only a real init leaves behind (installed modules, lock file entries, providers).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEPLOYER_CONFIG, REGION, s3BackendSection, sharedMoto } from './support/moto.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { ok, runCommand, type RunResult, runTfwrap } from './support/cli.js';
import { fixtureProject, writeTree } from './support/terraform.js';

/** Whether tfwrap started `terraform init` (its --debug line for every helper child). */
function initRan(result: RunResult): boolean {
  return /\] terraform init -input=false/.test(result.stderr);
}

function workspaceProcess(result: RunResult): boolean {
  return /\] terraform workspace select/.test(result.stderr);
}

function realTerraform(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'terraform'))) return join(dir, 'terraform');
  }
  throw new Error('terraform is not on PATH');
}

/** A directory holding a `terraform` script; put it first on PATH. */
function terraformWrapper(script: string): string {
  const dir = tempDir('tfwrap-tfbin-');
  writeFileSync(join(dir, 'terraform'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'terraform'), 0o755);
  return dir;
}

const STACKS = {
  'stacks/catalog/app.yaml': 'components:\n  terraform:\n    app: {}\n',
  'stacks/dev.yaml': 'import: [catalog/app]\nvars: { stage: dev }\n',
  'stacks/prod.yaml': 'import: [catalog/app]\nvars: { stage: prod }\n',
};

const APP = [
  'variable "stage" { type = string }',
  'resource "terraform_data" "this" { input = { stage = var.stage, ws = terraform.workspace } }',
  'output "echo" { value = terraform_data.this.output }',
  '',
].join('\n');

describe('terraform init elision (e2e, real terraform)', function () {
  this.timeout(480_000);

  it('runs init once, then only when something init depends on changes', async () => {
    const repo = fixtureProject({ ...STACKS, 'components/terraform/app/main.tf': APP });
    const app = join(repo, 'components/terraform/app');
    const env = hermeticEnv();
    const plan = async (what: string, extra: string[] = [], runEnv = env) => ok(await runTfwrap(['--debug', 'plan', 'dev', 'app', '-no-color', ...extra], { env: runEnv, cwd: repo }), what);

    assert.ok(initRan(await plan('first plan')), 'the first run initializes');
    const second = await plan('second plan');
    assert.ok(!initRan(second), 'nothing changed: no init');
    assert.match(second.stderr, /init: skipped \(unchanged\)/);
    assert.match(second.stdout, /1 to add/);

    // Not an init input: a resource argument and an output.
    writeFileSync(join(app, 'main.tf'), APP.replace('ws = terraform.workspace', 'ws = terraform.workspace, extra = 1'));
    assert.ok(!initRan(await plan('plan after editing a resource')), 'a resource edit needs no init');

    // A new local module: plan cannot work without init installing it.
    writeTree(app, {
      'modules/one/main.tf': 'output "name" { value = "one" }\n',
      'modules/two/main.tf': 'module "inner" { source = "../inner" }\noutput "name" { value = "two-${module.inner.name}" }\n',
      'modules/inner/main.tf': 'output "name" { value = "inner" }\n',
      'module.tf': 'module "m" { source = "./modules/one" }\noutput "m" { value = module.m.name }\n',
    });
    const withModule = await plan('plan with a new module');
    assert.ok(initRan(withModule), 'a new module call initializes');
    assert.match(withModule.stdout, /\+ m\s+= "one"/);

    // Module source change (to a module that itself calls a local module).
    writeFileSync(join(app, 'module.tf'), 'module "m" { source = "./modules/two" }\noutput "m" { value = module.m.name }\n');
    const moved = await plan('plan after a module source change');
    assert.ok(initRan(moved), 'a module source change initializes');
    assert.match(moved.stdout, /\+ m\s+= "two-inner"/);

    // A change inside a local module that init must see: a new nested module call.
    writeTree(app, { 'modules/two/more.tf': 'module "more" { source = "../one" }\n' });
    assert.ok(initRan(await plan('plan after a nested module call')), 'a module call inside a local module initializes');
    assert.ok(!initRan(await plan('plan unchanged')));

    // Version constraint change.
    writeFileSync(join(app, 'versions.tf'), 'terraform {\n  required_version = ">= 1.0"\n}\n');
    assert.ok(initRan(await plan('plan with required_version')), 'a new terraform block initializes');
    writeFileSync(join(app, 'versions.tf'), 'terraform {\n  required_version = ">= 1.1"\n}\n');
    assert.ok(initRan(await plan('plan with another required_version')), 'a version constraint change initializes');

    // The CLI config file.
    writeFileSync(env.TF_CLI_CONFIG_FILE!, 'disable_checkpoint = true\n');
    assert.ok(initRan(await plan('plan with another CLI config')), 'a CLI config change initializes');

    // --skip-init still skips (the CLI config changes again), --init forces.
    writeFileSync(env.TF_CLI_CONFIG_FILE!, '');
    assert.ok(!initRan(await plan('plan --skip-init', ['--skip-init'])), '--skip-init skips');
    assert.ok(initRan(await plan('plan after --skip-init')), 'the change is still seen after --skip-init');
    const forced = await plan('plan --init', ['--init']);
    assert.ok(initRan(forced), '--init forces init');
    assert.match(forced.stderr, /init: running \(--init\)/);
    const both = await runTfwrap(['plan', 'dev', 'app', '--init', '--skip-init'], { env, cwd: repo });
    assert.equal(both.exitCode, 64, both.stderr);
    assert.match(both.stderr, /^tfwrap: error: --init and --skip-init cannot be used together/m);

    // Deleted .terraform.
    rmSync(join(app, '.terraform'), { recursive: true, force: true });
    const fresh = await plan('plan after deleting .terraform');
    assert.ok(initRan(fresh), 'a deleted .terraform initializes');
    assert.match(fresh.stdout, /\+ m\s+= "two-inner"/);

    // Another terraform binary: a wrapper reporting another version; then the real one again.
    const other = terraformWrapper(`if [ "$1" = version ]; then echo '{"terraform_version":"1.11.99"}'; exit 0; fi\nexec ${realTerraform()} "$@"`);
    const otherEnv = { ...env, PATH: `${other}${delimiter}${env.PATH}` };
    const withOther = await plan('plan with another terraform', [], otherEnv);
    assert.ok(initRan(withOther), 'another terraform binary initializes');
    assert.match(withOther.stderr, /init: running \(terraform binary or version changed\)/);
    assert.ok(!initRan(await plan('plan with the other terraform again', [], otherEnv)));
    assert.ok(initRan(await plan('plan with the first terraform again')), 'back to the first binary initializes');
  });

  it('providers: a new requirement, a constraint change, a lock file edit and a missing provider each run init', async () => {
    const root = tempDir('tfwrap-fake-mirror-');
    // A provider mirror that init can install from (terraform only checks files and hashes at init).
    for (const version of ['1.0.0', '1.1.0']) {
      const dir = join(root, `mirror/example.test/fake/fake/${version}/linux_amd64`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `terraform-provider-fake_v${version}`), `#!/bin/sh\n# ${version}\nexit 1\n`, { mode: 0o755 });
    }
    const cliConfig = join(root, 'mirror.tfrc');
    writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path    = "${join(root, 'mirror')}"\n    include = ["example.test/*/*"]\n  }\n  direct { exclude = ["example.test/*/*"] }\n}\n`);
    const repo = fixtureProject({ ...STACKS, 'components/terraform/app/main.tf': 'output "x" { value = 1 }\n' });
    const app = join(repo, 'components/terraform/app');
    const lockFile = join(app, '.terraform.lock.hcl');
    const env = hermeticEnv({ TF_CLI_CONFIG_FILE: cliConfig });
    // `terraform output` reads state only: it never starts the (fake) provider.
    const output = async (what: string) => ok(await runTfwrap(['--debug', 'output', 'dev', 'app', '-no-color'], { env, cwd: repo }), what);
    const requires = (constraint: string) => `terraform {\n  required_providers {\n    fake = { source = "example.test/fake/fake", version = "${constraint}" }\n  }\n}\n`;

    assert.ok(initRan(await output('first output')));
    assert.ok(!initRan(await output('second output')));

    writeFileSync(join(app, 'versions.tf'), requires('1.0.0'));
    assert.ok(initRan(await output('output with a new provider')), 'a new provider requirement initializes');
    assert.match(readFileSync(lockFile, 'utf8'), /provider "example\.test\/fake\/fake" \{\n\s+version\s+= "1\.0\.0"/);
    assert.ok(!initRan(await output('output again')));

    writeFileSync(join(app, 'versions.tf'), requires('>= 1.0.0'));
    assert.ok(initRan(await output('output with a new constraint')), 'a version constraint change initializes');
    assert.ok(!initRan(await output('output again')));

    // A lock file edit: pin 1.1.0 (what `terraform providers lock` or a merge would do).
    writeFileSync(lockFile, 'provider "example.test/fake/fake" {\n  version     = "1.1.0"\n  constraints = ">= 1.0.0"\n}\n');
    assert.ok(initRan(await output('output after a lock file edit')), 'a lock file edit initializes');
    assert.ok(existsSync(join(app, '.terraform/providers/example.test/fake/fake/1.1.0/linux_amd64')), 'init installed the locked version');
    assert.ok(!initRan(await output('output again')));

    // A provider missing from .terraform (the rest of it intact).
    rmSync(join(app, '.terraform/providers/example.test/fake/fake/1.1.0'), { recursive: true });
    const repaired = await output('output with a provider missing');
    assert.ok(initRan(repaired), 'a missing provider initializes');
    assert.match(repaired.stderr, /provider example\.test\/fake\/fake 1\.1\.0 is not installed/);
  });

  it('a failed or interrupted init records nothing: the next run initializes again', async () => {
    const repo = fixtureProject({ ...STACKS, 'components/terraform/app/main.tf': APP });
    const app = join(repo, 'components/terraform/app');
    const record = join(app, '.terraform/tfwrap-init.json');
    const marker = join(tempDir('tfwrap-marker-'), 'interrupt');
    // The same terraform for every run: with the marker present, init does its work and then
    // reports an interrupt (exit 130), as an init stopped half-way would.
    const wrapper = terraformWrapper(`if [ "$1" = init ] && [ -e "${marker}" ]; then ${realTerraform()} "$@"; exit 130; fi\nexec ${realTerraform()} "$@"`);
    const env = hermeticEnv({ PATH: `${wrapper}${delimiter}${process.env.PATH}` });
    const plan = (...extra: string[]) => runTfwrap(['--debug', 'plan', 'dev', 'app', '-no-color', ...extra], { env, cwd: repo });

    ok(await plan(), 'first plan');
    assert.ok(existsSync(record));
    assert.ok(!initRan(ok(await plan(), 'second plan')));

    writeFileSync(marker, '');
    const interrupted = await plan('--init');
    assert.equal(interrupted.exitCode, 130, interrupted.stderr);
    assert.ok(!existsSync(record), 'an interrupted init leaves no record');
    rmSync(marker);
    assert.ok(initRan(ok(await plan(), 'plan after the interrupted init')), 'the next run initializes');
    assert.ok(!initRan(ok(await plan(), 'plan again')));

    // A failing init (a module whose source does not exist).
    writeFileSync(join(app, 'module.tf'), 'module "m" { source = "./modules/missing" }\n');
    const failed = await plan();
    assert.notEqual(failed.exitCode, 0);
    assert.ok(initRan(failed));
    assert.ok(!existsSync(record), 'a failed init leaves no record');
    rmSync(join(app, 'module.tf'));
    assert.ok(initRan(ok(await plan(), 'plan after fixing the module')), 'the next run initializes');
  });

  it('switching stacks on one directory uses each stack\'s workspace and state (local backend), without a workspace process once it exists', async () => {
    const repo = fixtureProject({ ...STACKS, 'components/terraform/app/main.tf': APP });
    const app = join(repo, 'components/terraform/app');
    const env = hermeticEnv();
    const tfwrap = (...args: string[]) => runTfwrap(['--debug', ...args], { env, cwd: repo });
    const echo = async (stack: string) => JSON.parse(ok(await tfwrap('output', stack, 'app', '--', '-json', 'echo'), `output ${stack}`).stdout) as { stage: string; ws: string };

    assert.ok(workspaceProcess(ok(await tfwrap('apply', 'dev', 'app', '-auto-approve', '-no-color'), 'apply dev')), 'dev is created by terraform');
    assert.ok(workspaceProcess(ok(await tfwrap('apply', 'prod', 'app', '-auto-approve', '-no-color'), 'apply prod')), 'prod is created by terraform');
    for (const stack of ['dev', 'prod', 'dev', 'prod']) {
      const result = ok(await tfwrap('plan', stack, 'app', '-no-color', '-detailed-exitcode'), `plan ${stack}`);
      assert.match(result.stdout, /No changes\./, `${stack} plans against its own state`);
      assert.ok(!workspaceProcess(result), 'an existing workspace is selected without a process');
      assert.match(result.stderr, new RegExp(`workspace: selected ${stack} \\(known to exist; no terraform process\\)`));
      assert.deepEqual(await echo(stack), { stage: stack, ws: stack });
      // Terraform itself agrees about the selection.
      const shown = await runCommand(realTerraform(), ['workspace', 'show'], { env, cwd: app });
      assert.equal(shown.stdout.trim(), stack);
    }
    // A workspace that does not exist yet is created by terraform.
    writeFileSync(join(repo, 'stacks/qa.yaml'), 'import: [catalog/app]\nvars: { stage: qa }\n');
    const qa = ok(await tfwrap('plan', 'qa', 'app', '-no-color'), 'plan qa');
    assert.ok(workspaceProcess(qa));
    assert.match(qa.stdout, /1 to add/);
  });

  it('switching stacks with an s3 backend (moto) keeps each stack in its own workspace; a backend key change re-initializes', async () => {
    const moto = await sharedMoto();
    const env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
    });
    const catalog = (key: string) => `${s3BackendSection(key)}components:
  terraform:
    app: {}
`;
    const key = `tfwrap-e2e/${randomUUID()}`;
    const repo = writeTree(tempDir('tfwrap-s3-ws-'), {
      'tfwrap.yaml': DEPLOYER_CONFIG,
      'stacks/catalog/app.yaml': catalog(key),
      'stacks/dev.yaml': 'import: [catalog/app]\nvars: { stage: dev }\n',
      'stacks/prod.yaml': 'import: [catalog/app]\nvars: { stage: prod }\n',
      'components/terraform/app/main.tf': APP,
    });
    const tfwrap = (...args: string[]) => runTfwrap(['--debug', ...args], { env, cwd: repo, timeout: 120_000 });
    const echo = async (stack: string) => JSON.parse(ok(await tfwrap('output', stack, 'app', '--', '-json', 'echo'), `output ${stack}`).stdout) as { stage: string; ws: string };

    const dev = ok(await tfwrap('apply', 'dev', 'app', '-auto-approve', '-no-color'), 'apply dev');
    assert.ok(initRan(dev) && workspaceProcess(dev));
    const prod = ok(await tfwrap('apply', 'prod', 'app', '-auto-approve', '-no-color'), 'apply prod');
    assert.ok(!initRan(prod), 'the same backend for both stacks: no second init');
    assert.ok(workspaceProcess(prod), 'prod is created by terraform');
    for (const stack of ['dev', 'prod', 'dev']) {
      const result = ok(await tfwrap('plan', stack, 'app', '-no-color', '-detailed-exitcode'), `plan ${stack}`);
      assert.match(result.stdout, /No changes\./, `${stack} plans against its own state`);
      assert.ok(!initRan(result) && !workspaceProcess(result), `plan ${stack}: no init, no workspace process`);
      assert.deepEqual(await echo(stack), { stage: stack, ws: stack });
    }

    // Another backend key (a new, empty state): init runs with -reconfigure; dev starts from nothing.
    writeFileSync(join(repo, 'stacks/catalog/app.yaml'), catalog(`${key}-moved`));
    const moved = ok(await tfwrap('plan', 'dev', 'app', '-no-color'), 'plan with another key');
    assert.match(moved.stderr, /\] terraform init -input=false -reconfigure/);
    assert.match(moved.stdout, /1 to add/);
    assert.ok(!initRan(ok(await tfwrap('plan', 'dev', 'app', '-no-color'), 'plan again')));
  });
});
