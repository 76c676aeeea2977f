// aws/user end to end: moto with request authentication on (its GetSessionToken patched in the
// launcher to issue sessions that act as the calling IAM user), the STS proxy counting calls and
// injecting faults, the aws CLI in the child. Issue 5.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ACCOUNTS, REGION, roleArn, sharedMoto, type Moto } from './support/moto.js';
import { startStsProxy, type StsProxy } from './support/sts-proxy.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runTfwrap, type RunResult } from './support/cli.js';

const MFA = 'arn:aws:iam::123456789012:mfa/admin';

const CONFIG = `
auth:
  identities:
    me:
      kind: aws/user
      credentials:
        access_key_id_env: TEAM_AWS_KEY_ID
        secret_access_key_env: TEAM_AWS_SECRET
      principal:
        region: us-east-1
        duration: 2h
    me-mfa:
      kind: aws/user
      credentials: { access_key_id_env: TEAM_AWS_KEY_ID, secret_access_key_env: TEAM_AWS_SECRET }
      principal: { mfa_serial: "${MFA}" }
    stored:
      kind: aws/user
      principal: { region: us-east-1 }
    deployer:
      kind: aws/assume-role
      via: { identity: me }
      principal:
        assume_role: "${roleArn(ACCOUNTS.state, 'TerraformDeployRole')}"
        duration: 2h
`;

const secrets = new Set<string>();
const outputs: Array<{ what: string; text: string }> = [];

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.exitCode, 0, `${what} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
}

/** One `tfwrap: error:` line and nothing else on stderr; exit 3. */
function assertOneLineAuthError(r: RunResult, pattern: RegExp): void {
  assert.equal(r.exitCode, 3, `expected exit 3:\n${r.stderr}\n${r.stdout}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0]!, /^tfwrap: error: /);
  assert.match(lines[0]!, pattern);
}

function rememberSessionSecrets(env: Record<string, string>): void {
  const root = join(env.XDG_CACHE_HOME!, 'tfwrap');
  if (!existsSync(root)) return;
  for (const realm of readdirSync(root)) {
    const sessions = join(root, realm, 'sessions');
    if (!existsSync(sessions)) continue;
    for (const identity of readdirSync(sessions)) {
      for (const file of readdirSync(join(sessions, identity)).filter((f) => f.endsWith('.json'))) {
        const { credentials } = JSON.parse(readFileSync(join(sessions, identity, file), 'utf8')) as { credentials: Record<string, string> };
        secrets.add(credentials.secretAccessKey!);
        if (credentials.sessionToken) secrets.add(credentials.sessionToken);
      }
    }
  }
}

describe('aws/user (e2e, moto with auth on)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let proxy: StsProxy;
  let blackHole: Server | undefined;
  const held: Socket[] = [];

  before(async () => {
    moto = await sharedMoto();
    proxy = await startStsProxy(moto.endpoint);
  });
  after(async () => {
    await proxy?.close();
    held.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => (blackHole ? blackHole.close(() => resolve()) : resolve()));
    for (const { what, text } of outputs) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${what} printed a secret`);
    }
  });
  beforeEach(() => proxy.reset());

  /** A repository and an environment holding the admin user's keys under the configured names. */
  function workstation(extra: Record<string, string | undefined> = {}) {
    secrets.add(moto.admin.secretAccessKey);
    const env = hermeticEnv({ AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: proxy.endpoint, TEAM_AWS_KEY_ID: moto.admin.accessKeyId, TEAM_AWS_SECRET: moto.admin.secretAccessKey, ...extra });
    const repo = tempDir('tfwrap-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    return { env, repo };
  }

  async function tfwrap(what: string, args: string[], ctx: { env: Record<string, string>; repo: string }, input?: string): Promise<RunResult> {
    const r = await runTfwrap(args, { env: ctx.env, cwd: ctx.repo, ...(input === undefined ? {} : { input }) });
    outputs.push({ what, text: `${r.stdout}\n${r.stderr}` });
    return r;
  }

  const callerIdentity = ['--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'];

  it('keys from environment variables: GetSessionToken, then the aws CLI in the child acts as the IAM user', async () => {
    const ctx = workstation();
    const r = await tfwrap('env keys', ['auth', 'exec', '-i', 'me', ...callerIdentity], ctx);
    assertOk(r, 'auth exec');
    assert.equal((JSON.parse(r.stdout) as { Arn: string }).Arn, 'arn:aws:iam::123456789012:user/admin');
    const calls = proxy.calls.filter((c) => c.action === 'GetSessionToken');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.accessKeyId, moto.admin.accessKeyId, 'GetSessionToken is signed with the long-lived key');
    assert.equal(calls[0]!.params.DurationSeconds, '7200');
    // The child's own call is signed with the session, not the long-lived key.
    const child = proxy.calls.filter((c) => c.action === 'GetCallerIdentity');
    assert.ok(child.length >= 1 && child.every((c) => /^ASIA/.test(c.accessKeyId ?? '')), JSON.stringify(child.map((c) => c.accessKeyId)));
    rememberSessionSecrets(ctx.env);
  });

  it("the child never sees the long-lived key: the variables that hold it are removed, the profile holds the session", async () => {
    const ctx = workstation();
    const r = await tfwrap('child env', ['auth', 'exec', '-i', 'me', '--', process.execPath, '-e', 'console.log(JSON.stringify(process.env))'], ctx);
    assertOk(r, 'auth exec');
    const env = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(env.TEAM_AWS_SECRET, undefined);
    assert.equal(env.TEAM_AWS_KEY_ID, undefined);
    assert.equal(env.AWS_PROFILE, 'me');
    assert.equal(env.AWS_EC2_METADATA_DISABLED, 'true');
    assert.ok(!r.stdout.includes(moto.admin.secretAccessKey));
  });

  it('the session is cached: a second run makes no GetSessionToken call; new keys in the variables get a new session', async () => {
    const ctx = workstation();
    assertOk(await tfwrap('cold', ['auth', 'exec', '-i', 'me', '--', 'true'], ctx), 'cold run');
    assert.equal(proxy.count('GetSessionToken'), 1);
    proxy.reset();
    const warm = await tfwrap('warm', ['auth', 'exec', '-i', 'me', ...callerIdentity], ctx);
    assertOk(warm, 'warm run');
    assert.match(warm.stdout, /user\/admin/);
    assert.equal(proxy.count('GetSessionToken'), 0, JSON.stringify(proxy.counts()));
    // Another user's keys in the same variables must not be handed the admin's session.
    proxy.reset();
    secrets.add(moto.nopolicy.secretAccessKey);
    const other = { ...ctx, env: { ...ctx.env, TEAM_AWS_KEY_ID: moto.nopolicy.accessKeyId, TEAM_AWS_SECRET: moto.nopolicy.secretAccessKey } };
    const rotated = await tfwrap('rotated', ['auth', 'exec', '-i', 'me', ...callerIdentity], other);
    assertOk(rotated, 'run with other keys');
    assert.match(rotated.stdout, /user\/nopolicy/);
    assert.equal(proxy.count('GetSessionToken'), 1);
    rememberSessionSecrets(ctx.env);
  });

  it('chains into aws/assume-role (a 2h role session: a user session is not role chaining)', async () => {
    const ctx = workstation();
    const r = await tfwrap('chain', ['auth', 'exec', '-i', 'deployer', ...callerIdentity], ctx);
    assertOk(r, 'auth exec');
    assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, /^arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/deployer$/);
    const session = proxy.calls.find((c) => c.action === 'GetSessionToken');
    const assume = proxy.calls.find((c) => c.action === 'AssumeRole');
    assert.ok(session && assume, JSON.stringify(proxy.counts()));
    assert.match(assume.accessKeyId!, /^ASIA/, 'AssumeRole is signed with the user session');
    assert.equal(assume.params.DurationSeconds, '7200');
    const who = await tfwrap('chain whoami', ['auth', 'whoami', '-i', 'deployer', '--json'], ctx);
    assertOk(who, 'whoami');
    assert.deepEqual((JSON.parse(who.stdout) as { chain: Array<{ identity: string; cached: boolean }> }).chain.map((s) => [s.identity, s.cached]), [
      ['me', true],
      ['deployer', true],
    ]);
    rememberSessionSecrets(ctx.env);
  });

  it('MFA: the code goes to STS with the serial; the cached session then needs no code', async () => {
    const ctx = workstation();
    const r = await tfwrap('mfa', ['auth', 'exec', '-i', 'me-mfa', '--mfa-token', '123456', ...callerIdentity], ctx);
    assertOk(r, 'auth exec with MFA');
    const call = proxy.calls.find((c) => c.action === 'GetSessionToken');
    assert.equal(call?.params.SerialNumber, MFA);
    assert.equal(call?.params.TokenCode, '123456');
    proxy.reset();
    assertOk(await tfwrap('mfa warm', ['auth', 'exec', '-i', 'me-mfa', '--', 'true'], ctx), 'warm run without a code');
    assert.equal(proxy.count('GetSessionToken'), 0);
    rememberSessionSecrets(ctx.env);
  });

  it('a wrong MFA code ends in one clear line (exit 3); no terminal and no code, too', async () => {
    const ctx = workstation();
    // moto does not check codes: STS's answer to a wrong one is injected at the proxy.
    proxy.injectFault({ status: 403, code: 'AccessDenied', message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.' }, { action: 'GetSessionToken' });
    const wrong = await tfwrap('wrong mfa', ['auth', 'exec', '-i', 'me-mfa', '--mfa-token', '000000', '--', 'true'], ctx);
    assertOneLineAuthError(wrong, /identity "me-mfa": sts:GetSessionToken refused the MFA code for arn:aws:iam::123456789012:mfa\/admin: AccessDenied: MultiFactorAuthentication failed.*Hint: use the current code from the MFA device/);
    assert.equal(proxy.count('GetSessionToken'), 1, 'a refused code is not retried');
    const none = await tfwrap('no mfa', ['auth', 'exec', '-i', 'me-mfa', '--', 'true'], ctx);
    assertOneLineAuthError(none, /needs an MFA code for arn:aws:iam::123456789012:mfa\/admin, and there is no terminal to ask on.*--mfa-token/);
    const malformed = await tfwrap('bad mfa', ['auth', 'exec', '-i', 'me-mfa', '--', 'true'], { ...ctx, env: { ...ctx.env, TFWRAP_MFA_TOKEN: '12ab' } });
    assertOneLineAuthError(malformed, /the MFA code must be 6 digits/);
  });

  it('refused keys and missing variables end in one clear line, without the secret', async () => {
    const ctx = workstation({ TEAM_AWS_SECRET: 'wrong-secret-for-the-admin-key-000000000' });
    secrets.add('wrong-secret-for-the-admin-key-000000000');
    const refused = await tfwrap('wrong secret', ['auth', 'exec', '-i', 'me', '--', 'true'], ctx);
    assertOneLineAuthError(refused, /identity "me": STS refused the access key AKIA…\w{4} from \$TEAM_AWS_KEY_ID \(unknown, deactivated or wrong secret\): SignatureDoesNotMatch/);
    assert.ok(!refused.stderr.includes(moto.admin.accessKeyId), 'the key id is masked');
    const missing = await tfwrap('no vars', ['auth', 'exec', '-i', 'me', '--', 'true'], { ...ctx, env: { ...ctx.env, TEAM_AWS_SECRET: '' } });
    assertOneLineAuthError(missing, /\$TEAM_AWS_SECRET is not set; it holds the IAM user's key.*Hint: export TEAM_AWS_SECRET/);
  });

  it('auth user configure with the file backend, then runs with the stored keys; the secret is shown nowhere', async () => {
    const ctx = workstation({ TFWRAP_KEYRING: 'file', TEAM_AWS_KEY_ID: undefined, TEAM_AWS_SECRET: undefined });
    const configure = await tfwrap('configure', ['auth', 'user', 'configure', '-i', 'stored'], ctx, `${moto.admin.accessKeyId}\n${moto.admin.secretAccessKey}\n`);
    assertOk(configure, 'auth user configure');
    assert.equal(configure.stdout, '');
    assert.match(configure.stderr, /^tfwrap: stored the access key AKIA…\w{4} of "stored" in .*aws-user-keys\/.*\.json \(plain text, readable only by you\); its cached sessions were dropped$/);
    const keyFiles = readdirSync(join(ctx.env.XDG_CONFIG_HOME!, 'tfwrap', 'aws-user-keys'));
    assert.equal(keyFiles.length, 1);
    const keyFile = join(ctx.env.XDG_CONFIG_HOME!, 'tfwrap', 'aws-user-keys', keyFiles[0]!);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(keyFile, '..')).mode & 0o777, 0o700);
    assert.ok(!readFileSync(join(ctx.repo, 'tfwrap.yaml'), 'utf8').includes(moto.admin.secretAccessKey), 'nothing is written into the configuration');
    assert.equal(existsSync(join(ctx.env.HOME!, '.aws')), false, '~/.aws is never written');

    const r = await tfwrap('stored run', ['auth', 'exec', '-i', 'stored', ...callerIdentity], ctx);
    assertOk(r, 'auth exec with stored keys');
    assert.match(r.stdout, /user\/admin/);
    assert.equal(proxy.calls.find((c) => c.action === 'GetSessionToken')?.accessKeyId, moto.admin.accessKeyId);
    rememberSessionSecrets(ctx.env);

    // Not from argv, and nothing to configure for an identity whose keys are in variables.
    const piped = await tfwrap('configure one line', ['auth', 'user', 'configure', '-i', 'stored'], ctx, `${moto.admin.accessKeyId}\n`);
    assert.equal(piped.exitCode, 64);
    assert.match(piped.stderr, /needs two lines on stdin \(the access key id, then the secret access key\); got 1/);
    const envIdentity = await tfwrap('configure env identity', ['auth', 'user', 'configure', '-i', 'me'], ctx, 'x\ny\n');
    assert.equal(envIdentity.exitCode, 64);
    assert.match(envIdentity.stderr, /identity "me" reads its keys from \$TEAM_AWS_KEY_ID and \$TEAM_AWS_SECRET; there is nothing to store/);

    const removed = await tfwrap('remove', ['auth', 'user', 'remove', '-i', 'stored'], ctx);
    assertOk(removed, 'auth user remove');
    assert.equal(existsSync(keyFile), false);
    const gone = await tfwrap('after remove', ['auth', 'exec', '-i', 'stored', '--', 'true'], ctx);
    assertOneLineAuthError(gone, /no stored keys for entry ".*\/stored" in the file store.*Hint: run tfwrap auth user configure -i stored/);
  });

  /** A D-Bus address whose socket accepts connections and never answers: a hung Secret Service. */
  function hungKeychain(): Promise<string> {
    const socket = join(tempDir('tfwrap-dbus-'), 'bus');
    blackHole = createServer((connection) => held.push(connection));
    return new Promise((resolve) => blackHole!.listen(socket, () => resolve(`unix:path=${socket}`)));
  }

  it('a keychain that never answers: configure fails in one line, a run falls back to the file store, neither hangs', async () => {
    const dbus = await hungKeychain();
    const ctx = workstation({ TEAM_AWS_KEY_ID: undefined, TEAM_AWS_SECRET: undefined, DBUS_SESSION_BUS_ADDRESS: dbus, TFWRAP_KEYRING_TIMEOUT: '1' });
    const input = `${moto.admin.accessKeyId}\n${moto.admin.secretAccessKey}\n`;
    const configure = await tfwrap('configure hung', ['auth', 'user', 'configure', '-i', 'stored'], ctx, input);
    assertOneLineAuthError(configure, /cannot store the keys of "stored" in the system keychain: the system keychain did not answer a write within 1 s.*Hint: .*TFWRAP_KEYRING=file/);

    // Nothing stored anywhere: one line naming both stores, with the way out.
    const none = await tfwrap('run hung, no keys', ['auth', 'exec', '-i', 'stored', '--', 'true'], ctx);
    assertOneLineAuthError(none, /no stored keys for entry ".*\/stored" in the system keychain or the file store \(the system keychain: the system keychain did not answer a read within 1 s\).*Hint: store the keys with TFWRAP_KEYRING=file/);

    // Keys in the file store: the run warns about the keychain once and goes on with them.
    // (The 1 s limit is for the hung keychain: the file store's write gets a loaded machine's margin.)
    assertOk(await tfwrap('configure file', ['auth', 'user', 'configure', '-i', 'stored'], { ...ctx, env: { ...ctx.env, TFWRAP_KEYRING: 'file', TFWRAP_KEYRING_TIMEOUT: '30' } }, input), 'configure with the file store');
    const r = await tfwrap('run hung, file keys', ['auth', 'exec', '-i', 'stored', ...callerIdentity], ctx);
    assertOk(r, 'auth exec with a hung keychain');
    assert.match(r.stdout, /user\/admin/);
    assert.match(r.stderr, /^tfwrap warning: \[stored\] the system keychain: the system keychain did not answer a read within 1 s; using the keys in the file store$/);
    rememberSessionSecrets(ctx.env);
  });
});
