// Self-test of the e2e harness: real moto (auth on), the aws CLI, the JS SDK and terraform.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  STSClient,
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  type Credentials,
} from '@aws-sdk/client-sts';
import { ACCOUNTS, REGION, roleArn, sharedMoto, startMoto, STATE_BUCKET, type AwsKey, type Moto } from './support/moto.js';
import { startStsProxy, type StsProxy } from './support/sts-proxy.js';
import { startBlackHole, startEcsCredentialsServer, startImdsServer } from './support/fake-endpoints.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { repoRoot, runCommand, tfwrapBin, type RunResult } from './support/cli.js';

const stsModule = pathToFileURL(createRequire(import.meta.url).resolve('@aws-sdk/client-sts')).href;
const providersModule = pathToFileURL(createRequire(import.meta.url).resolve('@aws-sdk/credential-providers')).href;
// The SDK's default chain, with more than its default 1 s and one try for the metadata endpoints:
// this machine can stall a process for about a second.
const WHOAMI = `const { STSClient, GetCallerIdentityCommand } = await import(${JSON.stringify(stsModule)});
const { fromNodeProviderChain } = await import(${JSON.stringify(providersModule)});
const sts = new STSClient({ credentials: fromNodeProviderChain({ timeout: 10000, maxRetries: 3 }) });
try { console.log(JSON.stringify(await sts.send(new GetCallerIdentityCommand({})))); } finally { sts.destroy(); }`;

type Creds = AwsKey & { sessionToken?: string };

function fromSts(c: Credentials | undefined): Creds {
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken, 'STS returned credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** Run `fn` with an STS client (no retries, so faults surface) and always release its sockets. */
async function withSts<T>(endpoint: string, creds: Creds | undefined, fn: (sts: STSClient) => Promise<T>): Promise<T> {
  const sts = new STSClient({ endpoint, region: REGION, maxAttempts: 1, ...(creds ? { credentials: creds } : {}) });
  try {
    return await fn(sts);
  } finally {
    sts.destroy();
  }
}

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.exitCode, 0, `${what} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
}

function credsEnv(c: Creds): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
  };
}

describe('e2e harness', function () {
  let moto: Moto;
  const aws = (args: string[], extraEnv: Record<string, string | undefined>) => {
    const env = hermeticEnv({ AWS_DEFAULT_REGION: REGION, ...extraEnv });
    return runCommand('aws', ['--endpoint-url', moto.endpoint, '--output', 'json', ...args], { env, cwd: env.HOME });
  };
  /** GetCallerIdentity from a child node process using the SDK's default credential chain. */
  const sdkCallerIdentity = async (extraEnv: Record<string, string | undefined>) => {
    const env = hermeticEnv({ AWS_REGION: REGION, AWS_ENDPOINT_URL: moto.endpoint, ...extraEnv });
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', WHOAMI], { env, cwd: env.HOME });
    assertOk(r, 'SDK GetCallerIdentity');
    return JSON.parse(r.stdout) as { Account: string; Arn: string };
  };
  const assumeAsAdmin = (arn: string, session = 'harness') =>
    withSts(moto.endpoint, moto.admin, async (sts) =>
      fromSts((await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: session }))).Credentials),
    );

  before(async function () {
    moto = await sharedMoto();
  });

  describe('moto with request auth on', function () {
    it('rejects an unknown access key', async function () {
      const bogus = { accessKeyId: 'AKIABOGUSBOGUSBOGUS1', secretAccessKey: 'x' };
      await assert.rejects(
        withSts(moto.endpoint, bogus, (sts) => sts.send(new GetCallerIdentityCommand({}))),
        { name: 'InvalidClientTokenId' },
      );
    });

    it('lets admin assume TerraformDeployRole in 999999999999; the aws CLI accepts the creds', async function () {
      const c = await assumeAsAdmin(roleArn(ACCOUNTS.state, 'TerraformDeployRole'), 'cli');
      const who = await aws(['sts', 'get-caller-identity'], credsEnv(c));
      assertOk(who, 'get-caller-identity');
      const id = JSON.parse(who.stdout);
      assert.equal(id.Account, ACCOUNTS.state);
      assert.equal(id.Arn, 'arn:aws:sts::999999999999:assumed-role/TerraformDeployRole/cli');
    });

    it('denies AssumeRole to the nopolicy user', async function () {
      await assert.rejects(
        withSts(moto.endpoint, moto.nopolicy, (sts) =>
          sts.send(new AssumeRoleCommand({ RoleArn: roleArn(ACCOUNTS.state, 'Hop1'), RoleSessionName: 'np' })),
        ),
        (err: Error) => err.name === 'AccessDenied' && /user\/nopolicy is not authorized to perform: sts:AssumeRole/.test(err.message),
      );
    });

    it('applies role policies: Limited may use STS but not DynamoDB', async function () {
      const limited = await assumeAsAdmin(roleArn(ACCOUNTS.state, 'Limited'), 'lim');
      const hop = await withSts(moto.endpoint, limited, (sts) =>
        sts.send(new AssumeRoleCommand({ RoleArn: roleArn(ACCOUNTS.state, 'Hop1'), RoleSessionName: 'from-limited' })),
      );
      assert.equal(hop.AssumedRoleUser?.Arn, 'arn:aws:sts::999999999999:assumed-role/Hop1/from-limited');
      const ddb = await aws(['dynamodb', 'list-tables'], credsEnv(limited));
      assert.notEqual(ddb.exitCode, 0);
      // Authenticated fine, then refused by the role policy.
      assert.match(ddb.stderr, /assumed-role\/Limited\/lim is not authorized to perform: dynamodb:ListTables/);
    });

    it('accepts an unsigned AssumeRoleWithWebIdentity into irsa (patch b)', async function () {
      const proxy = await startStsProxy(moto.endpoint);
      try {
        const arn = roleArn(ACCOUNTS.irsa, 'irsa');
        // No credentials: the SDK sends this operation unsigned, as it does for IRSA.
        const out = await withSts(proxy.endpoint, undefined, (sts) =>
          sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: arn, RoleSessionName: 'web1', WebIdentityToken: 'token-xyz' })),
        );
        assert.deepEqual(
          proxy.calls.map((c) => [c.action, c.signed]),
          [['AssumeRoleWithWebIdentity', false]],
        );
        const id = await withSts(moto.endpoint, fromSts(out.Credentials), (sts) => sts.send(new GetCallerIdentityCommand({})));
        assert.equal(id.Arn, 'arn:aws:sts::111122223333:assumed-role/irsa/web1');
      } finally {
        await proxy.close();
      }
    });
  });

  describe('terraform against moto', function () {
    it('init + apply with an s3 backend (path style, lockfile, workspace dev) using a managed credentials file (patch a)', async function () {
      const c = await assumeAsAdmin(roleArn(ACCOUNTS.state, 'TerraformDeployRole'), 'tf');
      const managed = tempDir('tfwrap-creds-');
      const credentialsFile = join(managed, 'credentials');
      const configFile = join(managed, 'config');
      writeFileSync(
        credentialsFile,
        `[tfwrap]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\naws_session_token = ${c.sessionToken}\n`,
      );
      writeFileSync(configFile, `[profile tfwrap]\nregion = ${REGION}\n`);

      const key = `harness/${randomUUID()}/terraform.tfstate`;
      const dir = tempDir('tfwrap-tf-');
      writeFileSync(
        join(dir, 'main.tf'),
        `terraform {
  backend "s3" {
    bucket                     = "${STATE_BUCKET}"
    key                        = "${key}"
    region                     = "${REGION}"
    use_path_style             = true
    use_lockfile               = true
    skip_requesting_account_id = true
    skip_metadata_api_check    = true
    skip_region_validation     = true
  }
}
resource "terraform_data" "example" {
  input = { ws = terraform.workspace }
}
output "ws" { value = terraform_data.example.output.ws }
`,
      );
      // Only the managed files supply credentials; the endpoint is not a credential.
      const env = hermeticEnv({
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_CONFIG_FILE: configFile,
        AWS_PROFILE: 'tfwrap',
        AWS_ENDPOINT_URL: moto.endpoint,
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
      });
      const tf = (...args: string[]) => runCommand('terraform', [...args, '-no-color'], { env, cwd: dir });
      // init lists `prefix=env:/` (the workspaces): unpatched moto answers SignatureDoesNotMatch.
      assertOk(await tf('init'), 'terraform init');
      assertOk(await tf('workspace', 'new', 'dev'), 'terraform workspace new dev');
      assertOk(await tf('apply', '-auto-approve'), 'terraform apply');

      const state = await aws(
        ['s3', 'cp', `s3://${STATE_BUCKET}/env:/dev/${key}`, '-'],
        credsEnv(c),
      );
      assertOk(state, 'reading the state object');
      assert.equal(JSON.parse(state.stdout).outputs.ws.value, 'dev');
    });
  });

  describe('sts proxy', function () {
    let proxy: StsProxy;
    before(async function () {
      proxy = await startStsProxy(moto.endpoint);
    });
    after(async function () {
      await proxy.close();
    });
    beforeEach(function () {
      proxy.reset();
    });

    it('counts STS calls per action and forwards them to moto (one AssumeRole per chain step)', async function () {
      const hop1 = roleArn(ACCOUNTS.state, 'Hop1');
      const hop2 = roleArn(ACCOUNTS.instance, 'Hop2');
      const first = await withSts(proxy.endpoint, moto.admin, async (sts) =>
        fromSts((await sts.send(new AssumeRoleCommand({ RoleArn: hop1, RoleSessionName: 's1' }))).Credentials),
      );
      const id = await withSts(proxy.endpoint, first, async (sts) => {
        const second = fromSts((await sts.send(new AssumeRoleCommand({ RoleArn: hop2, RoleSessionName: 's2' }))).Credentials);
        return withSts(proxy.endpoint, second, (s) => s.send(new GetCallerIdentityCommand({})));
      });
      assert.equal(id.Arn, 'arn:aws:sts::888888888888:assumed-role/Hop2/s2');
      assert.deepEqual(proxy.counts(), { AssumeRole: 2, GetCallerIdentity: 1 });
      assert.deepEqual(
        proxy.calls.filter((c) => c.action === 'AssumeRole').map((c) => [c.params.RoleArn, c.accessKeyId]),
        [
          [hop1, moto.admin.accessKeyId],
          [hop2, first.accessKeyId],
        ],
      );
      proxy.reset();
      assert.equal(proxy.count(), 0);
    });

    it('fails only the next matching request with an injected Throttling fault', async function () {
      proxy.injectFault('throttling', { action: 'AssumeRole' });
      const params = { RoleArn: roleArn(ACCOUNTS.state, 'Hop1'), RoleSessionName: 'th' };
      await withSts(proxy.endpoint, moto.admin, async (sts) => {
        await sts.send(new GetCallerIdentityCommand({})); // other actions are not affected
        await assert.rejects(sts.send(new AssumeRoleCommand(params)), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
          return err.name === 'Throttling' && err.$metadata?.httpStatusCode === 400;
        });
        await sts.send(new AssumeRoleCommand(params));
      });
      assert.deepEqual(
        proxy.calls.map((c) => [c.action, c.faulted]),
        [
          ['GetCallerIdentity', false],
          ['AssumeRole', true],
          ['AssumeRole', false],
        ],
      );
    });

    it('injects AccessDenied as a 403 in the STS error format', async function () {
      proxy.injectFault('accessDenied');
      await assert.rejects(
        withSts(proxy.endpoint, moto.admin, (sts) => sts.send(new GetCallerIdentityCommand({}))),
        (err: Error & { $metadata?: { httpStatusCode?: number } }) =>
          err.name === 'AccessDenied' && err.$metadata?.httpStatusCode === 403 && /injected/.test(err.message),
      );
    });
  });

  describe('fake credential endpoints', function () {
    it('ECS endpoint: 401 without the token; the SDK default chain gets creds from it that moto accepts', async function () {
      const ecs = await startEcsCredentialsServer({ moto });
      try {
        assert.equal((await fetch(ecs.url)).status, 401);
        const id = await sdkCallerIdentity({
          AWS_CONTAINER_CREDENTIALS_FULL_URI: ecs.url,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: ecs.token,
        });
        assert.match(id.Arn, /^arn:aws:sts::777777777777:assumed-role\/ecs-task\//);
      } finally {
        await ecs.close();
      }
    });

    it('IMDS: v2 token required; the SDK default chain gets creds from it that moto accepts', async function () {
      const imds = await startImdsServer({ moto });
      try {
        assert.equal((await fetch(`${imds.endpoint}/latest/meta-data/iam/security-credentials/`)).status, 401);
        const id = await sdkCallerIdentity({
          AWS_EC2_METADATA_DISABLED: undefined,
          AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
        });
        assert.match(id.Arn, /^arn:aws:sts::888888888888:assumed-role\/instance\//);
      } finally {
        await imds.close();
      }
    });

    it('black hole: accepts a connection and never answers', async function () {
      const hole = await startBlackHole();
      const socket = net.connect(hole.port, '127.0.0.1');
      let received = 0;
      socket.on('data', (d: Buffer) => (received += d.length));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.on('error', () => undefined);
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      while (hole.connections === 0) await new Promise((r) => setImmediate(r));
      await hole.close(); // the only way this connection ends
      await closed;
      assert.equal(received, 0);
    });
  });

  describe('env and cli helpers', function () {
    it('hermeticEnv passes nothing inherited and points at fresh, empty locations', async function () {
      process.env.AWS_PROFILE = 'must-not-leak';
      let env: Record<string, string>;
      try {
        env = hermeticEnv({ EXTRA: '1' });
      } finally {
        delete process.env.AWS_PROFILE;
      }
      assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('AWS_')).sort(), [
        'AWS_CONFIG_FILE',
        'AWS_EC2_METADATA_DISABLED',
        'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
        'AWS_SHARED_CREDENTIALS_FILE',
      ]);
      assert.deepEqual(readdirSync(env.HOME), []);
      assert.equal(statSync(env.TF_CLI_CONFIG_FILE).size, 0);
      assert.ok(!existsSync(env.AWS_CONFIG_FILE) && !existsSync(env.AWS_SHARED_CREDENTIALS_FILE));

      // The child sees exactly this environment, and the given stdin.
      const r = await runCommand(
        process.execPath,
        ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({env:process.env,s})))'],
        { env, cwd: env.HOME, input: 'hello' },
      );
      assertOk(r, 'node -e');
      assert.deepEqual(JSON.parse(r.stdout), { env, s: 'hello' });
    });

    it('runTfwrap targets packages/cli/bin/tfwrap.cjs in this repository', function () {
      assert.equal(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).name, 'tfwrap-monorepo');
      assert.equal(tfwrapBin, join(repoRoot, 'packages/cli/bin/tfwrap.cjs'));
    });
  });

  describe('startMoto (private instance)', function () {
    this.timeout(240_000); // two starts (90 s limit each) on a loaded machine
    it('setAuth toggles auth, reset() issues new keys, stop() ends the python process', async function () {
      const m = await startMoto();
      try {
        const bogus = { accessKeyId: 'AKIABOGUSBOGUSBOGUS2', secretAccessKey: 'x' };
        const gci = (k: AwsKey) => withSts(m.endpoint, k, (sts) => sts.send(new GetCallerIdentityCommand({})));
        await assert.rejects(gci(bogus), { name: 'InvalidClientTokenId' });
        await m.setAuth(false);
        assert.equal((await gci(bogus)).Account, ACCOUNTS.admin);
        await m.setAuth(true);

        const old = m.admin;
        await m.reset();
        assert.notEqual(m.admin.accessKeyId, old.accessKeyId);
        await assert.rejects(gci(old), { name: 'InvalidClientTokenId' });
        assert.equal((await gci(m.admin)).Arn, 'arn:aws:iam::123456789012:user/admin');
      } finally {
        await m.stop();
      }
      assert.throws(() => process.kill(m.pid, 0), { code: 'ESRCH' });
    });
  });
});

