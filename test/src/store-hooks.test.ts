// Stores end to end (issue 11): Atmos's store hooks write a component's terraform outputs after a
// successful apply (real terraform, local backend) to the built-in yaml-file store and to SSM
// (moto, request auth on), and another component reads them with !store; !store reads a parameter
// the aws CLI put; a missing parameter and an access denied are one line naming store, stack,
// component and key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNTS, REGION, roleArn, sharedMoto, type Moto } from './support/moto.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { ok, runTfwrap } from './support/cli.js';
import { errorLines, writeTree } from './support/terraform.js';

const NET = `
variable "stage" { type = string }
resource "terraform_data" "vpc" { input = "vpc-\${var.stage}" }
output "vpc_id" { value = terraform_data.vpc.output }
output "tags" { value = { team = "net", cost = 3 } }
`;

describe('stores: store hooks write outputs after apply, !store reads them (yaml-file, SSM on moto with auth on)', function () {
  this.timeout(240_000);
  let moto: Moto;
  let env: Record<string, string>;
  let repo: string;
  let prefix: string;
  const tfwrap = (...args: string[]) => runTfwrap(args, { env, cwd: repo });
  const awsCli = (...args: string[]) => execFileSync('aws', ['--endpoint-url', moto.endpoint, '--region', REGION, '--output', 'json', ...args], { env, encoding: 'utf8' });

  before(async () => {
    moto = await sharedMoto();
    prefix = `/tfwrap-e2e/${randomUUID()}`;
    repo = writeTree(tempDir('tfwrap-stores-'), {
      'tfwrap.yaml': [
        'auth:',
        '  identities:',
        '    admin: { kind: aws/ambient, principal: { region: us-east-1 } }',
        '    limited:',
        '      kind: aws/assume-role',
        '      via: { identity: admin }',
        `      principal: { assume_role: "${roleArn(ACCOUNTS.state, 'Limited')}" }`,
        'stores:',
        '  local: { type: yaml-file, options: { path: stores/outputs.yaml } }',
        `  ssm: { type: aws-ssm-parameter-store, identity: admin, options: { region: ${REGION}, prefix: "${prefix}" } }`,
        `  ssm-limited: { kind: aws/ssm, identity: limited, options: { region: ${REGION}, prefix: "${prefix}" } }`,
        `  ssm-secret: { kind: aws/ssm, secret: true, identity: admin, options: { region: ${REGION}, prefix: "${prefix}/secret" } }`,
        '  file-secret: { type: yaml-file, secret: true, options: { path: stores/secret.yaml } }',
        '',
      ].join('\n'),
      'stores/outputs.yaml': '# written by the store hooks\nother: { kept: true }\n',
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    net:',
        '      vars: { stage: dev }',
        '      hooks:',
        '        outputs-to-file:',
        '          events: [after.terraform.apply]   # Atmos\'s current spelling',
        '          command: store                    # Atmos\'s older spelling of kind: store',
        '          name: local',
        '          outputs: { vpc_id: .vpc_id, tags: .tags, team: platform }',
        '        outputs-to-ssm:',
        '          events: [after-terraform-apply]',
        '          kind: store',
        '          name: ssm',
        '          outputs: { vpc_id: .vpc_id }',
        '        outputs-to-secret-ssm:',
        '          events: [after-terraform-apply]',
        '          kind: store',
        '          name: ssm-secret',
        '          outputs: { vpc_id: .vpc_id, tags: .tags, flag: "true" }',
        '    app:',
        '      vars:',
        '        vpc_id: !store local net vpc_id',
        '        team: !store local net team',
        '        cost: !store local net tags | query .cost',
        '        ssm_vpc_id: !store ssm net vpc_id',
        '        greeting: !store ssm shared greeting',
        '    missing:',
        '      vars: { x: !store ssm net subnet_id }',
        '    denied:',
        '      vars: { x: !store ssm-limited net vpc_id }',
        '    secret-reader:',
        '      metadata: { component: missing }',
        '      vars: { x: !store ssm-secret net vpc_id }',
        '    secret-file-reader:',
        '      metadata: { component: missing }',
        '      vars: { x: !store file-secret net vpc_id }',
        '',
      ].join('\n'),
      'components/terraform/net/main.tf': NET,
      'components/terraform/app/main.tf': 'variable "vpc_id" { type = string }\n',
      'components/terraform/missing/main.tf': 'variable "x" { type = string }\n',
      'components/terraform/denied/main.tf': 'variable "x" { type = string }\n',
    });
    env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
    });
    // A parameter another tool wrote, JSON-encoded as Atmos writes them: stack dev, component shared.
    awsCli('ssm', 'put-parameter', '--name', `${prefix}/dev/shared/greeting`, '--type', 'String', '--value', '"hello from the CLI"');
    ok(await tfwrap('apply', 'dev', 'net', '-auto-approve', '-no-color'), 'apply dev net');
  });

  it('the apply wrote the outputs and literal values to the yaml-file store, keeping the rest of the file', () => {
    const text = readFileSync(join(repo, 'stores/outputs.yaml'), 'utf8');
    assert.match(text, /^# written by the store hooks$/m);
    assert.match(text, /kept: true/);
    assert.match(text, /vpc_id: vpc-dev/);
    assert.match(text, /team: platform/);
  });

  it('the apply wrote vpc_id to SSM under <prefix>/<stack>/<component>/<key>, JSON-encoded as Atmos writes it', () => {
    const parameter = JSON.parse(awsCli('ssm', 'get-parameter', '--name', `${prefix}/dev/net/vpc_id`)) as { Parameter: { Value: string } };
    assert.equal(parameter.Parameter.Value, '"vpc-dev"');
  });

  it('a following component reads them with !store (file, SSM, and a parameter the aws CLI put)', async () => {
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'dev', '--format', 'json'), 'describe app').stdout) as { vars: Record<string, unknown> };
    assert.deepEqual(described.vars, { vpc_id: 'vpc-dev', team: 'platform', cost: 3, ssm_vpc_id: 'vpc-dev', greeting: 'hello from the CLI' });
  });

  it('a missing parameter is one line naming the store, stack, component and key', async () => {
    const result = await tfwrap('describe', 'component', 'missing', '-s', 'dev');
    assert.equal(result.exitCode, 2, result.stderr);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^tfwrap: error: .*stacks\/dev\.yaml:\d+: !store ssm net subnet_id: store 'ssm' has no key 'subnet_id' for component 'net' of stack 'dev'/);
  });

  it('access denied is one line naming the store, stack, component and key, and the reason', async () => {
    const result = await tfwrap('describe', 'component', 'denied', '-s', 'dev');
    assert.equal(result.exitCode, 2, result.stderr);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^tfwrap: error: .*stacks\/dev\.yaml:\d+: !store ssm-limited net vpc_id: store 'ssm-limited' failed reading key 'vpc_id' for component 'net' of stack 'dev': .*(access ?denied|not authorized)/i);
  });

  describe('secret: true (Atmos): SecureString parameters, values as written, not readable with !store', () => {
    type Parameter = { Parameter: { Type: string; Value: string } };
    const secretParameter = (key: string, decrypt: boolean) =>
      (JSON.parse(awsCli('ssm', 'get-parameter', '--name', `${prefix}/secret/dev/net/${key}`, ...(decrypt ? ['--with-decryption'] : []))) as Parameter).Parameter;

    it('the store hook wrote SecureString parameters: a text as its bytes, a map as JSON, a literal as written', () => {
      const vpc = secretParameter('vpc_id', true);
      assert.equal(vpc.Type, 'SecureString');
      assert.equal(vpc.Value, 'vpc-dev', 'a text is written as it is, not JSON-quoted');
      assert.notEqual(secretParameter('vpc_id', false).Value, 'vpc-dev', 'without decryption SSM does not give the value');
      assert.deepEqual(JSON.parse(secretParameter('tags', true).Value), { team: 'net', cost: 3 });
      assert.equal(secretParameter('flag', true).Value, 'true');
    });

    it('!store on a secret store is one line naming the store and the rule, with a hint', async () => {
      const result = await tfwrap('describe', 'component', 'secret-reader', '-s', 'dev');
      assert.equal(result.exitCode, 2, result.stderr);
      const lines = errorLines(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^tfwrap: error: .*stacks\/dev\.yaml:\d+: !store ssm-secret net vpc_id: store 'ssm-secret' is a secret store \(secret: true\); Atmos reads it only with !secret, not !store\. Hint: /);
      assert.doesNotMatch(result.stderr, /vpc-dev/, 'the value is not read');
    });

    it('a store type that does not encrypt at rest cannot be secret: true: one line naming the store in tfwrap.yaml', async () => {
      const result = await tfwrap('describe', 'component', 'secret-file-reader', '-s', 'dev');
      assert.equal(result.exitCode, 2, result.stderr);
      const lines = errorLines(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^tfwrap: error: .*tfwrap\.yaml:\d+:\d+: stores\.file-secret: a store of type yaml-file cannot be secret: true, it does not encrypt values at rest\. Hint: use a type that does \(.*aws-ssm-parameter-store/);
    });
  });
});
