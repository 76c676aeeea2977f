// !terraform.state on the s3 backend: the state object read from S3 (moto, request auth on) with
// the referenced component's identity, no terraform process; a terraform shim on PATH records
// every call to prove it.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBlackHole } from './support/fake-endpoints.js';
import { ACCOUNTS, DEPLOYER_CONFIG, REGION, roleArn, s3BackendSection, sharedMoto, type Moto } from './support/moto.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { ok, runTfwrap, tfwrapBin } from './support/cli.js';
import { recordingTerraform, writeTree, type RecordingTerraform } from './support/terraform.js';


describe('!terraform.state reads s3 state directly (e2e, moto with auth on)', function () {
  this.timeout(180_000);
  let moto: Moto;
  let env: Record<string, string>;
  let shim: RecordingTerraform;
  let repo: string;
  const terraformCalls = () => shim.calls();
  const tfwrap = (...args: string[]) => runTfwrap(args, { env, cwd: repo });

  let credentialsFile: string;

  before(async () => {
    moto = await sharedMoto();
    const key = `tfwrap-e2e/${randomUUID()}`;
    // The backend's `profile` is looked up in this test-made shared credentials file (never ~/.aws).
    credentialsFile = join(tempDir('tfwrap-state-s3-aws-'), 'credentials');
    const profileBackend = (profile: string) => `      backend: { s3: { profile: ${profile}, shared_credentials_files: ["${credentialsFile}"] } }`;
    repo = writeTree(tempDir('tfwrap-state-s3-'), {
      'tfwrap.yaml': DEPLOYER_CONFIG,
      'stacks/catalog/base.yaml': s3BackendSection(key),
      'stacks/dev.yaml': [
        'import: [catalog/base]',
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    vpc: {}',
        '    app:',
        '      vars:',
        '        vpc_id: !terraform.state vpc vpc_id',
        '        second: !terraform.state vpc .subnets[1]',
        '        peer: !terraform.state vpc prod \'.vpc_id // "none"\'',
        // The same state, reached as admin through the backend's assume_role (as Terraform would).
        '    vpc-via-role:',
        '      metadata: { component: vpc, terraform_workspace: dev }',
        '      auth: { identity: admin }',
        `      backend: { s3: { assume_role: { role_arn: "${roleArn(ACCOUNTS.state, 'TerraformDeployRole')}", session_name: e2e } } }`,
        '    app-via-role:',
        '      metadata: { component: app }',
        '      vars: { vpc_id: !terraform.state vpc-via-role vpc_id }',
        // The same state through the backend's profile: the deployer role's session keys.
        '    vpc-via-profile:',
        '      metadata: { component: vpc, terraform_workspace: dev }',
        '      auth: { identity: admin }',
        profileBackend('reader'),
        '    app-via-profile:',
        '      metadata: { component: app }',
        '      vars: { vpc_id: !terraform.state vpc-via-profile vpc_id }',
        // A profile with keys that may do nothing, on a component whose identity (deployer) may read.
        '    vpc-via-nobody:',
        '      metadata: { component: vpc, terraform_workspace: dev }',
        profileBackend('nobody'),
        '    app-via-nobody:',
        '      metadata: { component: app }',
        '      vars: { vpc_id: !terraform.state vpc-via-nobody vpc_id }',
        '',
      ].join('\n'),
      'stacks/prod.yaml': 'import: [catalog/base]\nvars: { stage: prod }\ncomponents:\n  terraform:\n    vpc: {}\n    app:\n      vars: { vpc_id: !terraform.state vpc vpc_id }\n',
      'components/terraform/vpc/main.tf': [
        'variable "stage" { type = string }',
        'output "vpc_id" { value = "vpc-${var.stage}-1234" }',
        'output "subnets" { value = ["a-${var.stage}", "b-${var.stage}"] }',
        '',
      ].join('\n'),
      'components/terraform/app/main.tf': 'variable "stage" { type = string }\nvariable "vpc_id" { type = string }\n',
    });
    shim = recordingTerraform();
    env = hermeticEnv({
      PATH: `${shim.bin}:${process.env.PATH}`,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
    });
    ok(await tfwrap('apply', 'dev', 'vpc', '-auto-approve', '-no-color'), 'apply dev vpc');
    const assumed = JSON.parse(execFileSync('aws', ['--endpoint-url', moto.endpoint, '--region', REGION, '--output', 'json', 'sts', 'assume-role', '--role-arn', roleArn(ACCOUNTS.state, 'TerraformDeployRole'), '--role-session-name', 'reader'], { env, encoding: 'utf8' })) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    };
    writeFileSync(credentialsFile, [
      '[reader]',
      `aws_access_key_id = ${assumed.Credentials.AccessKeyId}`,
      `aws_secret_access_key = ${assumed.Credentials.SecretAccessKey}`,
      `aws_session_token = ${assumed.Credentials.SessionToken}`,
      '[nobody]',
      `aws_access_key_id = ${moto.nopolicy.accessKeyId}`,
      `aws_secret_access_key = ${moto.nopolicy.secretAccessKey}`,
      '',
    ].join('\n'), { mode: 0o600 });
  });

  it('describe component reads the outputs from vpc/dev/<key> in S3 as the deployer role, with no terraform process', async () => {
    const before = terraformCalls().length;
    assert.ok(before > 0, 'the shim recorded the apply');
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'dev', '--format', 'json'), 'describe').stdout) as { vars: Record<string, unknown> };
    assert.equal(described.vars.vpc_id, 'vpc-dev-1234');
    assert.equal(described.vars.second, 'b-dev');
    // prod's vpc was never applied: no object, so the default.
    assert.equal(described.vars.peer, 'none');
    assert.deepEqual(terraformCalls().slice(before), [], 'no terraform ran for the reads');
  });

  it('a backend with assume_role is read directly too: the role assumed from the component identity, no terraform process', async () => {
    const before = terraformCalls().length;
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app-via-role', '-s', 'dev', '--format', 'json'), 'describe').stdout) as { vars: Record<string, unknown> };
    assert.equal(described.vars.vpc_id, 'vpc-dev-1234');
    assert.deepEqual(terraformCalls().slice(before), [], 'no terraform ran for the read');
  });

  it('a backend with profile is read with that profile\'s keys (shared_credentials_files), even where the component identity has none that may read', async () => {
    // tfwrap itself, and so the component's identity (admin, aws/ambient), signs with keys that may do nothing.
    const nopolicyEnv = { ...env, AWS_ACCESS_KEY_ID: moto.nopolicy.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.nopolicy.secretAccessKey };
    const before = terraformCalls().length;
    const described = JSON.parse(ok(await runTfwrap(['describe', 'component', 'app-via-profile', '-s', 'dev', '--format', 'json'], { env: nopolicyEnv, cwd: repo }), 'describe').stdout) as { vars: Record<string, unknown> };
    assert.equal(described.vars.vpc_id, 'vpc-dev-1234');
    assert.deepEqual(terraformCalls().slice(before), [], 'no terraform ran for the read');
  });

  it('the backend\'s profile wins over the component identity: a profile that may not read is access denied, one line', async () => {
    const result = await tfwrap('describe', 'component', 'app-via-nobody', '-s', 'dev');
    assert.equal(result.exitCode, 2, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^tfwrap: error: .*stacks\/dev\.yaml:\d+: !terraform\.state vpc-via-nobody vpc_id: .*reading s3:\/\/tfstate-bucket\/.* failed: .*(access ?denied|forbidden|not authorized)/i);
    assert.doesNotMatch(result.stderr, new RegExp(moto.nopolicy.secretAccessKey), 'no secret in the message');
  });

  it('an unapplied component is one line naming the function and its file:line, still without terraform', async () => {
    const before = terraformCalls().length;
    const result = await tfwrap('describe', 'component', 'app', '-s', 'prod');
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /^tfwrap: error: .*stacks\/prod\.yaml:7: !terraform\.state vpc vpc_id: component 'vpc' of stack 'prod' has no state: it has not been applied/m);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.deepEqual(terraformCalls().slice(before), []);
  });

  it('Ctrl-C while the S3 read hangs stops the run at once: exit 130, no error line, nothing ran', async () => {
    const hole = await startBlackHole(); // an S3 endpoint that accepts connections and never answers
    writeFileSync(join(repo, 'stacks/hang.yaml'), [
      'import: [catalog/base]',
      'vars: { stage: hang }',
      `terraform: { backend: { s3: { endpoints: { s3: "${hole.url}" } } } }`,
      'components:',
      '  terraform:',
      '    vpc: {}',
      '    app:',
      '      vars: { vpc_id: !terraform.state vpc vpc_id }',
      '',
    ].join('\n'));
    try {
      const before = terraformCalls().length;
      const child = spawn(process.execPath, [tfwrapBin, 'describe', 'component', 'app', '-s', 'hang'], { env, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (hole.connections === 0) {
        if (Date.now() > deadline) throw new Error(`the read never reached the endpoint; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      process.kill(-child.pid!, 'SIGINT');
      assert.equal(await exited, 130, stderr);
      assert.doesNotMatch(stderr, /at .*\.js:\d+|E_FUNCTION_FAILED/);
      assert.deepEqual(terraformCalls().slice(before), [], 'no terraform ran');
    } finally {
      await hole.close();
    }
  });
});
