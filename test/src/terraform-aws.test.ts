// Terraform as a chained AWS identity against moto (request authentication on): an s3 backend
// whose state is written with the chain's credentials, one workspace per stack, and the
// hashicorp/aws provider from the offline mirror proving who terraform runs as.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOYER_CONFIG, REGION, STATE_BUCKET, s3BackendSection, sharedMoto, type Moto } from './support/moto.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { ok, runTfwrap } from './support/cli.js';
import { writeTree } from './support/terraform.js';



describe('terraform with an aws/assume-role chain (e2e, moto with auth on)', function () {
  this.timeout(180_000);
  let moto: Moto;
  let env: Record<string, string>;

  before(async () => {
    moto = await sharedMoto();
    env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      // The root of the chain: the admin user's keys. The managed environment removes them, so
      // terraform can only use the role's session.
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
    });
  });

  it('writes state to the s3 backend as the chained role, one workspace per stack', async () => {
    const key = `tfwrap-e2e/${randomUUID()}`;
    const repo = writeTree(tempDir('tfwrap-s3-'), {
      'tfwrap.yaml': DEPLOYER_CONFIG,
      'stacks/catalog/base.yaml': s3BackendSection(key) + 'components:\n  terraform:\n    app: {}\n',
      'stacks/dev.yaml': 'import: [catalog/base]\nvars: { stage: dev }\n',
      'stacks/prod.yaml': 'import: [catalog/base]\nvars: { stage: prod }\n',
      'components/terraform/app/main.tf': [
        'variable "stage" { type = string }',
        'resource "terraform_data" "this" { input = { stage = var.stage, ws = terraform.workspace } }',
        'output "echo" { value = terraform_data.this.output }',
        '',
      ].join('\n'),
    });
    const tfwrap = (...args: string[]) => runTfwrap(args, { env, cwd: repo });
    const dev = ok(await tfwrap('apply', 'dev', '-auto-approve', '-no-color'), 'apply dev');
    assert.match(dev.stdout, /Apply complete! Resources: 1 added/);
    ok(await tfwrap('apply', 'prod', '-auto-approve', '-no-color'), 'apply prod');
    const again = ok(await tfwrap('plan', 'dev', '-no-color', '-detailed-exitcode'), 'plan dev again');
    assert.match(again.stdout, /No changes\./);

    // Read the state objects back as the role (the admin key alone is not what terraform used).
    const s3 = async (path: string) => {
      const result = await runTfwrap(['auth', 'exec', '-i', 'deployer', '--', 'aws', '--endpoint-url', moto.endpoint, 's3', 'cp', `s3://${STATE_BUCKET}/${path}`, '-'], { env, cwd: repo });
      return JSON.parse(ok(result, `read ${path}`).stdout) as { outputs: { echo: { value: { stage: string; ws: string } } } };
    };
    // workspace_key_prefix is the component's directory (Atmos's automatic prefix), not terraform's env:.
    assert.deepEqual((await s3(`app/dev/${key}/terraform.tfstate`)).outputs.echo.value, { stage: 'dev', ws: 'dev' });
    assert.deepEqual((await s3(`app/prod/${key}/terraform.tfstate`)).outputs.echo.value, { stage: 'prod', ws: 'prod' });
    const workspaces = ok(await tfwrap('terraform', 'workspace', 'app', '-s', 'dev', '--', 'list'), 'workspace list');
    assert.match(workspaces.stdout, /\* dev/);
    assert.match(workspaces.stdout, /\bprod\b/);
    const summary = ok(await tfwrap('plan', 'dev', '--json'), 'plan --json');
    const component = (JSON.parse(summary.stdout) as { components: Array<{ identity: string; principalArn: string }> }).components[0]!;
    assert.equal(component.identity, 'deployer');
    assert.match(component.principalArn, /assumed-role\/TerraformDeployRole\//);
  });

  it('gives components built from one directory their own objects: <directory>/<stack>-<component>/<key>', async () => {
    const key = `tfwrap-e2e/${randomUUID()}`;
    const repo = writeTree(tempDir('tfwrap-s3-prefix-'), {
      'tfwrap.yaml': DEPLOYER_CONFIG,
      'stacks/prod/east.yaml': s3BackendSection(key) + [
        'components:',
        '  terraform:',
        '    vpc-a: { metadata: { component: net/vpc }, vars: { stage: a } }',
        '    vpc-b: { metadata: { component: net/vpc }, vars: { stage: b } }',
        '',
      ].join('\n'),
      'components/terraform/net/vpc/main.tf': 'variable "stage" { type = string }\nresource "terraform_data" "this" { input = var.stage }\n',
    });
    const tfwrap = (...args: string[]) => runTfwrap(args, { env, cwd: repo });
    ok(await tfwrap('apply', 'prod/east', '-auto-approve', '-no-color'), 'apply prod/east');
    const listed = ok(await runTfwrap(['auth', 'exec', '-i', 'deployer', '--', 'aws', '--endpoint-url', moto.endpoint, 's3api', 'list-objects-v2',
      '--bucket', STATE_BUCKET, '--query', 'Contents[].Key', '--output', 'json'], { env, cwd: repo }), 'list objects');
    const keys = (JSON.parse(listed.stdout) as string[]).filter((object) => object.includes(key) && !object.endsWith('.tflock')).sort();
    assert.deepEqual(keys, [`net-vpc/prod-east-vpc-a/${key}/terraform.tfstate`, `net-vpc/prod-east-vpc-b/${key}/terraform.tfstate`]);
  });

  it('the hashicorp/aws provider (offline mirror) sees terraform running as the chained role', async () => {
    const cliConfig = join(tempDir('tfwrap-tfrc-'), 'mirror.tfrc');
    writeFileSync(cliConfig, `provider_installation {
  filesystem_mirror {
    path    = "/opt/tf-plugins"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }
}
`);
    const repo = writeTree(tempDir('tfwrap-provider-'), {
      'tfwrap.yaml': DEPLOYER_CONFIG,
      'stacks/dev.yaml': 'components:\n  terraform:\n    whoami:\n      auth: { identity: deployer }\n',
      'components/terraform/whoami/main.tf': [
        'terraform {',
        '  required_providers {',
        '    aws = { source = "hashicorp/aws", version = "5.100.0" }',
        '  }',
        '}',
        'provider "aws" {',
        `  region                      = "${REGION}"`,
        '  skip_metadata_api_check     = true',
        '  skip_region_validation      = true',
        '  skip_requesting_account_id  = true',
        '}',
        'data "aws_caller_identity" "current" {}',
        'output "arn" { value = data.aws_caller_identity.current.arn }',
        '',
      ].join('\n'),
    });
    const providerEnv = { ...env, TF_CLI_CONFIG_FILE: cliConfig };
    // The data source is read while planning, so the plan shows the output's value: one terraform
    // run with the provider (an apply and an output would start the 700 MB provider twice more).
    const plan = ok(await runTfwrap(['plan', 'dev', 'whoami', '-no-color'], { env: providerEnv, cwd: repo, timeout: 150_000 }), 'plan whoami');
    assert.match(plan.stdout, /^\s*\+ arn\s*=\s*"arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/[\w+=,.@-]+"$/m);
  });
});
