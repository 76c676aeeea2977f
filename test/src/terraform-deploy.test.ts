// Atmos's `terraform deploy <component> -s <stack>` with real terraform: apply with -auto-approve,
// and terraform init first only when components.terraform.deploy_run_init is true (Atmos,
// internal/exec/terraform.go: deploy is apply with -auto-approve; init unless deploy_run_init is false).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hermeticEnv } from './support/env.js';
import { runTfwrap, type RunResult } from './support/cli.js';
import { SIMPLE_COMPONENT, fixtureProject } from './support/terraform.js';

const CONFIG = 'stacks:\n  excluded_paths: ["catalog/**"]\nauth:\n  identities:\n    local:\n      kind: ambient\n      default: true\n';

function initRan(result: RunResult): boolean {
  return /\] terraform init -input=false/.test(result.stderr);
}

describe('tfwrap terraform deploy (e2e, real terraform)', function () {
  this.timeout(300_000);

  it('applies without a prompt; runs init first only with components.terraform.deploy_run_init: true', async () => {
    const repo = fixtureProject({
      'tfwrap.yaml': `${CONFIG}components:\n  terraform:\n    deploy_run_init: true\n`,
      'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    app: {}\n',
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
    });
    const env = hermeticEnv();
    const deploy = () => runTfwrap(['--debug', 'terraform', 'deploy', 'app', '-s', 'dev', '-no-color'], { env, cwd: repo });

    const first = await deploy();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.ok(initRan(first), 'deploy_run_init: true runs init first');
    assert.match(first.stderr, /exec \(main\) terraform apply .*-auto-approve/);
    assert.match(first.stdout, /Apply complete! Resources: 1 added/);

    // Without deploy_run_init (Atmos's default: false) no init runs, even where plan would run one
    // (the Terraform CLI configuration changed).
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    writeFileSync(env.TF_CLI_CONFIG_FILE!, 'disable_checkpoint = true\n');
    writeFileSync(join(repo, 'stacks/dev.yaml'), 'vars: { stage: dev2 }\ncomponents:\n  terraform:\n    app: {}\n');
    const second = await deploy();
    assert.equal(second.exitCode, 0, second.stderr);
    assert.ok(!initRan(second), 'no init without deploy_run_init');
    assert.match(second.stdout, /Apply complete! Resources: 1 added, 0 changed, 1 destroyed|Apply complete! Resources: 0 added, 1 changed/);
    assert.match(second.stdout, /"dev2"/);
  });
});
