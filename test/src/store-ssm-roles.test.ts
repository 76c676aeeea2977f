// The SSM store's read_role_arn / write_role_arn (Atmos pkg/store/providers/aws_ssm_param_store.go)
// end to end on moto with request auth on: a store hook writes as the write role and `!store`
// reads as the read role. moto keeps parameters per account, and each role lives in another
// account than the store's identity (admin), so where a value lands and which value is read show
// which credentials signed; a role whose policy has no ssm:* is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ACCOUNTS, REGION, roleArn, sharedMoto, type Moto } from './support/moto.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { ok, runTfwrap } from './support/cli.js';
import { errorLines, writeTree } from './support/terraform.js';

const NET = `
variable "stage" { type = string }
resource "terraform_data" "vpc" { input = "vpc-\${var.stage}" }
output "vpc_id" { value = terraform_data.vpc.output }
`;

describe('stores: the SSM store assumes read_role_arn to read and write_role_arn to write (moto, auth on)', function () {
  this.timeout(600_000); // moto, several terraform runs and aws CLI calls on a shared 2-core machine
  let moto: Moto;
  let env: Record<string, string>;
  let repo: string;
  let prefix: string;
  const readRole = roleArn(ACCOUNTS.instance, 'TerraformDeployRole');
  const writeRole = roleArn(ACCOUNTS.state, 'TerraformDeployRole');
  const tfwrap = (...args: string[]) => runTfwrap(args, { env, cwd: repo });
  const awsCli = (cliEnv: Record<string, string>, ...args: string[]) =>
    execFileSync('aws', ['--endpoint-url', moto.endpoint, '--region', REGION, '--output', 'json', ...args], { env: cliEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** The aws CLI's environment signed as `role`, assumed from admin. */
  const roleEnvs = new Map<string, Record<string, string>>();
  const asRole = (role: string): Record<string, string> => {
    const known = roleEnvs.get(role);
    if (known) return known;
    const { Credentials: c } = JSON.parse(awsCli(env, 'sts', 'assume-role', '--role-arn', role, '--role-session-name', 'e2e-check')) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    };
    const made = { ...env, AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken };
    roleEnvs.set(role, made);
    return made;
  };
  const parameter = (cliEnv: Record<string, string>, name: string): string | undefined => {
    try {
      return (JSON.parse(awsCli(cliEnv, 'ssm', 'get-parameter', '--name', name)) as { Parameter: { Value: string } }).Parameter.Value;
    } catch (err) {
      if (/ParameterNotFound/.test(String((err as { stderr?: string }).stderr))) return undefined;
      throw err;
    }
  };

  before(async () => {
    moto = await sharedMoto();
    prefix = `/tfwrap-e2e/${randomUUID()}`;
    const store = (name: string, options: string, identity = 'admin') => `  ${name}: { type: aws-ssm-parameter-store, identity: ${identity}, options: { region: ${REGION}, prefix: "${prefix}", ${options} } }`;
    repo = writeTree(tempDir('tfwrap-ssm-roles-'), {
      'tfwrap.yaml': [
        'auth:',
        '  identities:',
        '    admin: { kind: aws/ambient, principal: { region: us-east-1 } }',
        '    limited:',
        '      kind: aws/assume-role',
        '      via: { identity: admin }',
        `      principal: { assume_role: "${roleArn(ACCOUNTS.state, 'Limited')}" }`,
        'stores:',
        store('roles', `read_role_arn: "${readRole}", write_role_arn: "${writeRole}"`),
        // Limited may use sts:* and s3:* only.
        store('limited-read', `read_role_arn: "${roleArn(ACCOUNTS.state, 'Limited')}"`),
        store('limited-write', `write_role_arn: "${roleArn(ACCOUNTS.state, 'Limited')}"`),
        // moto checks a role's trust policy only within one account: Untrusted trusts nobody.
        store('untrusted-read', `read_role_arn: "${roleArn(ACCOUNTS.state, 'Untrusted')}"`, 'limited'),
        '',
      ].join('\n'),
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    net:',
        '      vars: { stage: dev }',
        '      hooks:',
        '        outputs-to-ssm: { events: [after-terraform-apply], kind: store, name: roles, outputs: { vpc_id: .vpc_id } }',
        '    net-limited:',
        '      metadata: { component: net }',
        '      vars: { stage: limited }',
        '      hooks:',
        '        outputs-to-ssm: { events: [after-terraform-apply], kind: store, name: limited-write, outputs: { vpc_id: .vpc_id } }',
        '    app:',
        '      vars: { vpc_id: !store roles net vpc_id }',
        '    app-limited:',
        '      metadata: { component: app }',
        '      vars: { vpc_id: !store limited-read net vpc_id }',
        '    app-untrusted:',
        '      metadata: { component: app }',
        '      vars: { vpc_id: !store untrusted-read net vpc_id }',
        '',
      ].join('\n'),
      'components/terraform/net/main.tf': NET,
      'components/terraform/app/main.tf': 'variable "vpc_id" { type = string }\n',
    });
    env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
    });
    // moto builds an account's SSM backend on its first SSM request, loading AWS's public
    // parameters (seconds on a busy machine, past tfwrap's 5 s request limit): build both now.
    for (const role of [readRole, writeRole]) awsCli(asRole(role), 'ssm', 'describe-parameters', '--max-results', '1');
    ok(await tfwrap('apply', 'dev', 'net', '-auto-approve', '-no-color'), 'apply dev net');
  });

  it('the store hook wrote as write_role_arn: the parameter is in the write role\'s account, not in the identity\'s', () => {
    const name = `${prefix}/dev/net/vpc_id`;
    assert.equal(parameter(asRole(writeRole), name), '"vpc-dev"');
    assert.equal(parameter(env, name), undefined, 'admin\'s own account has no such parameter');
    assert.equal(parameter(asRole(readRole), name), undefined, 'nor has the read role\'s');
  });

  it('!store read as read_role_arn: the value in the read role\'s account, not the one the hook wrote', async () => {
    awsCli(asRole(readRole), 'ssm', 'put-parameter', '--name', `${prefix}/dev/net/vpc_id`, '--type', 'String', '--value', '"vpc-in-the-read-account"');
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'dev', '--format', 'json'), 'describe app').stdout) as { vars: Record<string, unknown> };
    assert.equal(described.vars.vpc_id, 'vpc-in-the-read-account');
  });

  // admin, the stores' identity, may do anything: a denial is the role's.
  it('a read role without ssm:GetParameter is refused: one line naming the store, key and the denial', async () => {
    const result = await tfwrap('describe', 'component', 'app-limited', '-s', 'dev');
    assert.equal(result.exitCode, 2, result.stderr);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^tfwrap: error: .*stacks\/dev\.yaml:\d+: !store limited-read net vpc_id: store 'limited-read' failed reading key 'vpc_id'.*(access ?denied|not authorized)/i);
  });

  it('a write role without ssm:PutParameter fails the apply\'s store hook: one line naming hook, store and key', async () => {
    const result = await tfwrap('apply', 'dev', 'net-limited', '-auto-approve', '-no-color');
    assert.notEqual(result.exitCode, 0, result.stderr);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^tfwrap: error: store hook 'outputs-to-ssm' of component 'net-limited' in stack 'dev': writing key 'vpc_id' to store 'limited-write' failed: .*(access ?denied|not authorized)/i);
    assert.equal(parameter(asRole(roleArn(ACCOUNTS.state, 'TerraformDeployRole')), `${prefix}/dev/net-limited/vpc_id`), undefined);
  });

  it('a read role that cannot be assumed is one line naming the store and the role', async () => {
    const result = await tfwrap('describe', 'component', 'app-untrusted', '-s', 'dev');
    assert.notEqual(result.exitCode, 0, result.stderr);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /store 'untrusted-read': sts:AssumeRole arn:aws:iam::999999999999:role\/Untrusted failed: .*(access ?denied|not authorized)/i);
  });
});
