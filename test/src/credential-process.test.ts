// aws/credential-process and `tfwrap auth credential-process` end to end: moto (auth on) behind the
// counting proxy, a script printing moto-minted credentials, and the aws CLI. Issue 5.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { REGION, sharedMoto, type Moto } from './support/moto.js';
import { startStsProxy, type StsProxy } from './support/sts-proxy.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runCommand, runTfwrap, tfwrapBin, type RunResult } from './support/cli.js';

const GARBAGE_SECRET = 'garbage-secret-that-must-not-be-echoed-0123456789';

const config = (node: string) => `
auth:
  identities:
    vault:
      kind: aws/credential-process
      principal:
        command: ["${node}", ./creds.cjs]
        region: us-east-1
    deployer:
      kind: aws/assume-role
      via: { identity: vault }
      principal:
        assume_role: "arn:aws:iam::999999999999:role/TerraformDeployRole"
    garbage:
      kind: aws/credential-process
      principal:
        command: '"${node}" ./garbage.cjs'
    garbage-deployer:
      kind: aws/assume-role
      via: { identity: garbage }
      principal:
        assume_role: "arn:aws:iam::999999999999:role/TerraformDeployRole"
    plain:
      kind: ambient
`;

describe('aws/credential-process and auth credential-process (e2e, moto with auth on)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let proxy: StsProxy;
  let minted: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
  const secrets = new Set<string>([GARBAGE_SECRET]);
  const outputs: string[] = [];

  before(async () => {
    moto = await sharedMoto();
    proxy = await startStsProxy(moto.endpoint);
    // What an existing tool (aws-vault, granted) would hand out: a session minted by STS.
    const sts = new STSClient({ region: REGION, endpoint: moto.endpoint, credentials: moto.admin });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::888888888888:role/Hop1', RoleSessionName: 'from-the-tool' }));
    sts.destroy();
    const c = out.Credentials!;
    minted = { AccessKeyId: c.AccessKeyId!, SecretAccessKey: c.SecretAccessKey!, SessionToken: c.SessionToken!, Expiration: c.Expiration!.toISOString() };
    secrets.add(minted.SecretAccessKey).add(minted.SessionToken).add(moto.admin.secretAccessKey);
  });
  after(async () => {
    await proxy?.close();
  });
  beforeEach(() => proxy.reset());

  function repository() {
    const env = hermeticEnv({ AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION, AWS_ENDPOINT_URL_STS: proxy.endpoint });
    const repo = tempDir('tfwrap-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), config(process.execPath));
    writeFileSync(join(repo, 'creds.cjs'), `process.stdout.write(${JSON.stringify(JSON.stringify({ Version: 1, ...minted }))});\n`);
    writeFileSync(join(repo, 'garbage.cjs'), `process.stdout.write('export AWS_SECRET_ACCESS_KEY=${GARBAGE_SECRET}\\n');\n`);
    return { env, repo };
  }

  const tfwrap = async (args: string[], ctx: { env: Record<string, string>; repo: string }, cwd = ctx.repo): Promise<RunResult> => {
    const r = await runTfwrap(args, { env: ctx.env, cwd });
    outputs.push(r.stdout + '\n' + r.stderr);
    return r;
  };

  it('chains into aws/assume-role: the aws CLI in auth exec runs as the assumed role, signed with the tool\'s session', async () => {
    const ctx = repository();
    const r = await tfwrap(['auth', 'exec', '-i', 'deployer', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], ctx);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, /^arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/deployer$/);
    const assumes = proxy.calls.filter((c) => c.action === 'AssumeRole');
    assert.equal(assumes.length, 1);
    assert.equal(assumes[0]!.accessKeyId, minted.AccessKeyId, 'AssumeRole was signed with the credentials the command printed');
  });

  it('as a target: the child gets the managed environment and is the tool\'s session', async () => {
    const ctx = repository();
    const probe = `const e=process.env;console.log(JSON.stringify({p:e.AWS_PROFILE,k:e.AWS_ACCESS_KEY_ID??null,imds:e.AWS_EC2_METADATA_DISABLED,exp:e.AWS_CREDENTIAL_EXPIRATION}))`;
    const env = await tfwrap(['auth', 'exec', '-i', 'vault', '--', process.execPath, '-e', probe], ctx);
    assert.equal(env.exitCode, 0, env.stderr);
    assert.deepEqual(JSON.parse(env.stdout), { p: 'vault', k: null, imds: 'true', exp: minted.Expiration });
    const r = await tfwrap(['auth', 'exec', '-i', 'vault', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], ctx);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /arn:aws:sts::888888888888:assumed-role\/Hop1\/from-the-tool/);
  });

  it('a command that prints garbage: one line, exit 3, its output not shown', async () => {
    const r = await tfwrap(['auth', 'exec', '-i', 'garbage-deployer', '--', 'aws', 'sts', 'get-caller-identity'], repository());
    assert.equal(r.exitCode, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tfwrap: error: identity "garbage" \(step 1 of garbage -> garbage-deployer\): credential_process command .*node did not print a credential_process JSON object \(\d+ bytes of output, not shown\).*Hint: it must print one JSON object with Version 1/);
    assert.equal(proxy.count(), 0);
  });

  it('auth credential-process prints the identity as credential_process JSON, served from the cache', async () => {
    const ctx = repository();
    const first = await tfwrap(['auth', 'credential-process', '-i', 'deployer'], ctx);
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(first.stderr, '');
    const out = JSON.parse(first.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(out.Version, 1);
    assert.ok(Date.parse(out.Expiration as string) > Date.now());
    secrets.add(out.SecretAccessKey as string).add(out.SessionToken as string);
    assert.equal(proxy.count('AssumeRole'), 1);
    const again = await tfwrap(['auth', 'credential-process', '-i', 'deployer'], ctx);
    assert.equal(again.stdout, first.stdout, 'the cached session');
    assert.equal(proxy.count('AssumeRole'), 1);

    const none = await tfwrap(['auth', 'credential-process', '-i', 'plain'], ctx);
    assert.equal(none.exitCode, 3);
    assert.match(none.stderr, /^tfwrap: error: identity "plain" \(ambient\) yields no AWS credentials to print.*\[E_AUTH_FAILED\]$/);
    assert.equal(none.stderr.split('\n').length, 1);
    assert.equal(none.stdout, '');
  });

  it('round trip: an aws CLI profile with credential_process = tfwrap auth credential-process', async () => {
    const ctx = repository();
    const awsConfig = join(ctx.env.HOME!, 'aws-config');
    writeFileSync(awsConfig, `[profile tfw]\ncredential_process = "${process.execPath}" "${tfwrapBin}" auth credential-process -i deployer --config "${join(ctx.repo, 'tfwrap.yaml')}"\nregion = us-east-1\n`);
    const elsewhere = tempDir('tfwrap-elsewhere-');
    const r = await runCommand('aws', ['sts', 'get-caller-identity', '--output', 'json'], { env: { ...ctx.env, AWS_CONFIG_FILE: awsConfig, AWS_PROFILE: 'tfw' }, cwd: elsewhere });
    outputs.push(r.stdout + '\n' + r.stderr);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, /^arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/deployer$/);
    assert.equal(proxy.count('AssumeRole'), 1);
  });

  it('no output but auth credential-process\'s stdout holds a secret', () => {
    const printed = outputs.filter((text) => text.startsWith('{"Version":1'));
    for (const text of outputs) {
      if (printed.includes(text)) continue;
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret reached the output: ${text.slice(0, 80)}`);
    }
  });
});
