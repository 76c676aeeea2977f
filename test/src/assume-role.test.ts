// aws/assume-role end to end: real moto with request authentication on, the STS proxy counting
// calls, the aws CLI and an SDK child. Issue 3.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ACCOUNTS, REGION, roleArn, sharedMoto, type Moto } from './support/moto.js';
import { startStsProxy, type StsProxy } from './support/sts-proxy.js';
import { startExpiryProxy, type ExpiryProxy } from './support/expiry-proxy.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runCommand, runTfwrap, tfwrapBin, type RunResult } from './support/cli.js';

const stsModule = pathToFileURL(createRequire(import.meta.url).resolve('@aws-sdk/client-sts')).href;

const CONFIG = `
auth:
  identities:
    pod-base:
      kind: aws/ambient
      principal:
        region: us-east-1
    cross-account-deployer:
      kind: aws/assume-role
      via:
        identity: pod-base
      principal:
        assume_role: "arn:aws:iam::999999999999:role/TerraformDeployRole"
    hop1:
      kind: aws/assume-role
      via: { identity: pod-base }
      principal:
        assume_role: "${roleArn(ACCOUNTS.state, 'Hop1')}"
    hop2:
      kind: aws/assume-role
      via: { identity: hop1 }
      principal:
        assume_role: "${roleArn(ACCOUNTS.instance, 'Hop2')}"
        external_id: ext-1234
    deep:
      kind: aws/assume-role
      via: { identity: hop2 }
      principal:
        assume_role: "${roleArn(ACCOUNTS.state, 'TerraformDeployRole')}"
        session_name: deep-session
        duration: 30m
        external_id: ext-5678
        source_identity: alice
        tags:
          team: platform
          cost-center: "42"
        transitive_tag_keys: [team]
    with-mfa:
      kind: aws/assume-role
      via: { identity: pod-base }
      principal:
        assume_role: "${roleArn(ACCOUNTS.state, 'Hop1')}"
        mfa_serial: "arn:aws:iam::123456789012:mfa/admin"
        policy_arns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    too-long:
      kind: aws/assume-role
      via: { identity: cross-account-deployer }
      principal:
        assume_role: "${roleArn(ACCOUNTS.state, 'Hop1')}"
        duration: 2h
`;

/** Every secret value the tests saw; no command output may contain one. */
const secrets = new Set<string>();
const outputs: Array<{ what: string; text: string }> = [];

function record(what: string, r: RunResult): RunResult {
  outputs.push({ what, text: r.stdout + '\n' + r.stderr });
  return r;
}

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.exitCode, 0, `${what} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
}

/** Session files under the realm's cache, by identity directory. */
function cachedFiles(env: Record<string, string>): Record<string, string[]> {
  const root = join(env.XDG_CACHE_HOME!, 'tfwrap');
  const out: Record<string, string[]> = {};
  if (!existsSync(root)) return out;
  for (const realm of readdirSync(root)) {
    const sessions = join(root, realm, 'sessions');
    if (!existsSync(sessions)) continue;
    for (const identity of readdirSync(sessions)) {
      out[identity] = readdirSync(join(sessions, identity)).map((f) => join(sessions, identity, f));
    }
  }
  return out;
}

function sessionFile(env: Record<string, string>, identity: string): string {
  const files = (cachedFiles(env)[identity] ?? []).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1, `one cached session for ${identity}: ${JSON.stringify(cachedFiles(env))}`);
  return files[0]!;
}

function rememberSecretsFromCache(env: Record<string, string>): void {
  for (const files of Object.values(cachedFiles(env))) {
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      const { credentials } = JSON.parse(readFileSync(file, 'utf8')) as { credentials: Record<string, string> };
      secrets.add(credentials.secretAccessKey!);
      if (credentials.sessionToken) secrets.add(credentials.sessionToken);
    }
  }
}

describe('aws/assume-role (e2e, moto with auth on)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let proxy: StsProxy;

  before(async () => {
    moto = await sharedMoto();
    proxy = await startStsProxy(moto.endpoint);
    secrets.add(moto.admin.secretAccessKey);
  });
  after(async () => {
    await proxy?.close();
  });
  beforeEach(() => proxy.reset());

  /** A repository with tfwrap.yaml, and an environment whose root is an IRSA pod. */
  function irsaPod(extra: Record<string, string | undefined> = {}, endpoint = proxy.endpoint) {
    const env = hermeticEnv({ AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: endpoint, ...extra });
    const repo = tempDir('tfwrap-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    const tokenFile = join(env.HOME!, 'irsa-token');
    writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.irsa-token-one.sig');
    env.AWS_WEB_IDENTITY_TOKEN_FILE = tokenFile;
    env.AWS_ROLE_ARN = roleArn(ACCOUNTS.irsa, 'irsa');
    env.AWS_ROLE_SESSION_NAME = 'pod';
    return { env, repo, tokenFile };
  }

  /** Same, with the admin user's keys in the environment as the root. */
  function adminKeys(extra: Record<string, string | undefined> = {}) {
    const env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_STS: proxy.endpoint,
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
      ...extra,
    });
    const repo = tempDir('tfwrap-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    return { env, repo };
  }

  const tfwrap = async (what: string, args: string[], ctx: { env: Record<string, string>; repo: string }) => record(what, await runTfwrap(args, { env: ctx.env, cwd: ctx.repo }));

  it('the announcement: IRSA pod -> cross-account-deployer runs `aws sts get-caller-identity` as TerraformDeployRole', async () => {
    const pod = irsaPod();
    const r = await tfwrap('announcement', ['auth', 'exec', '-i', 'cross-account-deployer', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], pod);
    assertOk(r, 'auth exec');
    const arn = (JSON.parse(r.stdout) as { Arn: string }).Arn;
    assert.match(arn, /^arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/cross-account-deployer$/);
    assert.equal(proxy.count('AssumeRoleWithWebIdentity'), 1);
    assert.equal(proxy.count('AssumeRole'), 1);
    rememberSecretsFromCache(pod.env);
  });

  it('the child gets the managed environment: no IRSA variables, IMDS off, 0600 files outside ~/.aws', async () => {
    const pod = irsaPod({ AWS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt', UNRELATED: 'kept' });
    const probe = `const fs=require('fs');const e=process.env;const m=f=>f&&fs.existsSync(f)?(fs.statSync(f).mode&0o777).toString(8):null;
console.log(JSON.stringify({env:e,credMode:m(e.AWS_SHARED_CREDENTIALS_FILE),confMode:m(e.AWS_CONFIG_FILE),config:fs.readFileSync(e.AWS_CONFIG_FILE,'utf8'),creds:fs.readFileSync(e.AWS_SHARED_CREDENTIALS_FILE,'utf8')}))`;
    const r = await tfwrap('child env', ['auth', 'exec', '-i', 'cross-account-deployer', '--', process.execPath, '-e', probe], pod);
    assertOk(r, 'auth exec');
    const seen = JSON.parse(r.stdout) as { env: Record<string, string>; credMode: string; confMode: string; config: string; creds: string };
    for (const name of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      assert.equal(seen.env[name], undefined, `${name} must not reach the child`);
    }
    assert.equal(seen.env.AWS_EC2_METADATA_DISABLED, 'true');
    assert.equal(seen.env.AWS_PROFILE, 'cross-account-deployer');
    assert.equal(seen.env.AWS_REGION, 'us-east-1');
    assert.equal(seen.env.AWS_DEFAULT_REGION, 'us-east-1');
    assert.ok(seen.env.AWS_CREDENTIAL_EXPIRATION && !Number.isNaN(Date.parse(seen.env.AWS_CREDENTIAL_EXPIRATION)));
    assert.equal(seen.env.AWS_ENDPOINT_URL_STS, proxy.endpoint);
    assert.equal(seen.env.AWS_CA_BUNDLE, '/etc/ssl/certs/ca-certificates.crt');
    assert.equal(seen.env.UNRELATED, 'kept');
    assert.equal(seen.credMode, '600');
    assert.equal(seen.confMode, '600');
    for (const file of [seen.env.AWS_SHARED_CREDENTIALS_FILE!, seen.env.AWS_CONFIG_FILE!]) {
      assert.ok(file.startsWith(pod.env.XDG_CONFIG_HOME! + '/tfwrap/'), `${file} is in tfwrap's XDG config directory`);
      assert.ok(!file.includes('/.aws/'));
    }
    // A live run: the profile refreshes through the parent; no frozen keys shadow it.
    assert.match(seen.config, /\[profile cross-account-deployer\][\s\S]*credential_process = /);
    assert.equal(seen.creds.trim(), '');
    assert.equal(existsSync(join(pod.env.HOME!, '.aws')), false, '~/.aws is never written');

    // auth env (the parent exits): the shared managed files hold the session, 0600 in 0700 dirs.
    const envOut = await tfwrap('auth env', ['auth', 'env', '-i', 'cross-account-deployer', '-f', 'json'], pod);
    assertOk(envOut, 'auth env');
    const vars = JSON.parse(envOut.stdout) as Record<string, string>;
    assert.equal(statSync(vars.AWS_SHARED_CREDENTIALS_FILE!).mode & 0o777, 0o600);
    assert.equal(statSync(vars.AWS_CONFIG_FILE!).mode & 0o777, 0o600);
    assert.equal(statSync(join(vars.AWS_CONFIG_FILE!, '..')).mode & 0o777, 0o700);
    assert.match(readFileSync(vars.AWS_SHARED_CREDENTIALS_FILE!, 'utf8'), /\[cross-account-deployer\]\n; tfwrap: expiration=/);
    const viaFiles = await runCommand('aws', ['sts', 'get-caller-identity', '--output', 'json'], { env: { ...pod.env, ...vars, AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: '' }, cwd: pod.repo });
    assertOk(viaFiles, 'aws with the managed files');
    assert.match(viaFiles.stdout, /assumed-role\/TerraformDeployRole/);
  });

  it('a three-step chain across two accounts carries external_id, tags and source_identity to STS', async () => {
    const ctx = adminKeys();
    const r = await tfwrap('deep whoami', ['auth', 'whoami', '-i', 'deep', '--json'], ctx);
    assertOk(r, 'auth whoami');
    const out = JSON.parse(r.stdout) as { arn: string; account: string; chain: Array<{ identity: string; arn: string | null; expiration: string | null }> };
    assert.equal(out.account, ACCOUNTS.state);
    assert.match(out.arn, /assumed-role\/TerraformDeployRole\/deep-session$/);
    assert.deepEqual(out.chain.map((s) => s.identity), ['pod-base', 'hop1', 'hop2', 'deep']);
    assert.match(out.chain[1]!.arn!, /^arn:aws:sts::999999999999:assumed-role\/Hop1\/hop1$/);
    assert.match(out.chain[2]!.arn!, /^arn:aws:sts::888888888888:assumed-role\/Hop2\/hop2$/);
    for (const step of out.chain.slice(1)) assert.ok(step.expiration && Date.parse(step.expiration) > Date.now());
    const assumes = proxy.calls.filter((c) => c.action === 'AssumeRole');
    assert.equal(assumes.length, 3);
    assert.equal(assumes[1]!.params.ExternalId, 'ext-1234');
    const last = assumes[2]!.params;
    assert.equal(last.ExternalId, 'ext-5678');
    assert.equal(last.SourceIdentity, 'alice');
    assert.equal(last.RoleSessionName, 'deep-session');
    assert.equal(last.DurationSeconds, '1800');
    const tags = Object.fromEntries([1, 2].map((i) => [last[`Tags.member.${i}.Key`], last[`Tags.member.${i}.Value`]]));
    assert.deepEqual(tags, { team: 'platform', 'cost-center': '42' });
    assert.equal(last['TransitiveTagKeys.member.1'], 'team');
    rememberSecretsFromCache(ctx.env);

    // Warm: the chain is served from the cache, each step still reported with its ARN and expiry.
    proxy.reset();
    const warm = await tfwrap('deep whoami warm', ['auth', 'whoami', '-i', 'deep', '--json'], ctx);
    assertOk(warm, 'warm whoami');
    assert.deepEqual(proxy.counts(), { GetCallerIdentity: 1 });
    const warmOut = JSON.parse(warm.stdout) as typeof out;
    assert.deepEqual(warmOut.chain.map((s) => s.arn), out.chain.map((s) => s.arn));
  });

  it("the user's AWS_ACCESS_KEY_ID and AWS_PROFILE do not reach the child of a managed identity", async () => {
    const ctx = adminKeys({ AWS_ACCESS_KEY_ID: 'AKIAINHERITEDKEY0000', AWS_SECRET_ACCESS_KEY: 'inherited-secret-value-000000', AWS_PROFILE: 'user' });
    mkdirSync(join(ctx.env.HOME!, '.aws'), { recursive: true });
    const userCreds = `[user]\naws_access_key_id = ${moto.admin.accessKeyId}\naws_secret_access_key = ${moto.admin.secretAccessKey}\n`;
    writeFileSync(ctx.env.AWS_SHARED_CREDENTIALS_FILE!, userCreds);
    secrets.add('inherited-secret-value-000000');
    const probe = `console.log(JSON.stringify(process.env))`;
    const r = await tfwrap('inherited', ['auth', 'exec', '-i', 'cross-account-deployer', '--', process.execPath, '-e', probe], ctx);
    assertOk(r, 'auth exec');
    const env = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(env.AWS_ACCESS_KEY_ID, undefined);
    assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
    assert.equal(env.AWS_PROFILE, 'cross-account-deployer');
    assert.notEqual(env.AWS_SHARED_CREDENTIALS_FILE, ctx.env.AWS_SHARED_CREDENTIALS_FILE);
    assert.equal(readFileSync(ctx.env.AWS_SHARED_CREDENTIALS_FILE!, 'utf8'), userCreds, "the user's credentials file is untouched");
    const gci = await tfwrap('inherited gci', ['auth', 'exec', '-i', 'cross-account-deployer', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], ctx);
    assertOk(gci, 'aws via the managed profile');
    assert.match(gci.stdout, /999999999999:assumed-role\/TerraformDeployRole/);
  });

  it('mfa_serial: the code from --mfa-token or TFWRAP_MFA_TOKEN reaches STS; without one and no terminal, one clear line', async () => {
    const ctx = adminKeys();
    assertOk(await tfwrap('mfa flag', ['auth', 'exec', '-i', 'with-mfa', '--mfa-token', '123456', '--', 'true'], ctx), 'mfa flag');
    const call = proxy.calls.find((c) => c.action === 'AssumeRole')!.params;
    assert.equal(call.SerialNumber, 'arn:aws:iam::123456789012:mfa/admin');
    assert.equal(call.TokenCode, '123456');
    assert.equal(call['PolicyArns.member.1.arn'], 'arn:aws:iam::aws:policy/ReadOnlyAccess');
    // The session is cached: the next run needs no code at all.
    proxy.reset();
    assertOk(await tfwrap('mfa warm', ['auth', 'exec', '-i', 'with-mfa', '--', 'true'], ctx), 'mfa warm');
    assert.equal(proxy.count(), 0);
    proxy.reset();
    assertOk(record('mfa env', await runTfwrap(['auth', 'exec', '-i', 'with-mfa', '--fresh', '--', 'true'], { env: { ...ctx.env, TFWRAP_MFA_TOKEN: '654321' }, cwd: ctx.repo })), 'mfa env');
    assert.equal(proxy.calls.find((c) => c.action === 'AssumeRole')!.params.TokenCode, '654321');
    const none = await tfwrap('mfa none', ['auth', 'exec', '-i', 'with-mfa', '--fresh', '--', 'true'], ctx);
    assert.equal(none.exitCode, 3);
    assert.equal(none.stderr.trim().split('\n').length, 1);
    assert.match(none.stderr, /identity "with-mfa" \(step 2 of pod-base -> with-mfa\): needs an MFA code for arn:aws:iam::123456789012:mfa\/admin, and there is no terminal to ask on.*Hint: pass --mfa-token/);
  });

  it('16 processes on a cold cache make one AssumeRole per step', async () => {
    // 16 node processes at once on a small machine: the 10 s default per step is about load, not this.
    const pod = irsaPod({ TFWRAP_AUTH_TIMEOUT: '120' });
    const runs = await Promise.all(Array.from({ length: 16 }, (_, i) => tfwrap(`concurrent ${i}`, ['auth', 'exec', '-i', 'hop2', '--', 'true'], pod)));
    runs.forEach((r, i) => assertOk(r, `process ${i}`));
    assert.equal(proxy.count('AssumeRole'), 2, JSON.stringify(proxy.counts()));
    // The target's lock is held while the root resolves, so even the IRSA exchange happens once.
    assert.equal(proxy.count('AssumeRoleWithWebIdentity'), 1, JSON.stringify(proxy.counts()));
    rememberSecretsFromCache(pod.env);
  });

  it('cache: warm run makes no STS call; margin refresh; changed source invalidates; corrupt file rebuilt; --fresh; logout', async () => {
    const pod = irsaPod();
    const exec = (what: string, extra: string[] = []) => tfwrap(what, ['auth', 'exec', '-i', 'cross-account-deployer', ...extra, '--', 'true'], pod);
    assertOk(await exec('cold'), 'cold');
    assert.deepEqual(proxy.counts(), { AssumeRoleWithWebIdentity: 1, AssumeRole: 1 });
    rememberSecretsFromCache(pod.env);

    proxy.reset();
    assertOk(await exec('warm'), 'warm');
    assert.equal(proxy.count(), 0, `warm run made STS calls: ${JSON.stringify(proxy.counts())}`);

    // Age the cached session to 10 minutes left: inside the 15-minute margin, so it is replaced.
    const file = sessionFile(pod.env, 'cross-account-deployer');
    const session = JSON.parse(readFileSync(file, 'utf8')) as { issuedAt: string; credentials: { expiration: string } };
    session.issuedAt = new Date(Date.now() - 50 * 60_000).toISOString();
    session.credentials.expiration = new Date(Date.now() + 10 * 60_000).toISOString();
    writeFileSync(file, JSON.stringify(session));
    proxy.reset();
    assertOk(await exec('inside margin'), 'inside margin');
    assert.deepEqual(proxy.counts(), { AssumeRoleWithWebIdentity: 1, AssumeRole: 1 });
    // ... unless the margin is configured below what is left.
    writeFileSync(file, JSON.stringify(session));
    proxy.reset();
    const small = record('small margin', await runTfwrap(['auth', 'exec', '-i', 'cross-account-deployer', '--', 'true'], { env: { ...pod.env, TFWRAP_SESSION_REFRESH_MARGIN: '5m' }, cwd: pod.repo }));
    assertOk(small, 'small margin');
    assert.equal(proxy.count(), 0);
    assertOk(await exec('after margin', ['--fresh']), 'fresh');
    assert.deepEqual(proxy.counts(), { AssumeRoleWithWebIdentity: 1, AssumeRole: 1 }, '--fresh obtains new sessions');

    // A rotated IRSA token is a different source: the cached session is not replayed.
    writeFileSync(pod.tokenFile, 'eyJhbGciOiJSUzI1NiJ9.irsa-token-two.sig');
    proxy.reset();
    assertOk(await exec('rotated source'), 'rotated');
    assert.deepEqual(proxy.counts(), { AssumeRoleWithWebIdentity: 1, AssumeRole: 1 });
    // An edited configuration is a different key too.
    writeFileSync(join(pod.repo, 'tfwrap.yaml'), CONFIG.replace('role/TerraformDeployRole"', 'role/TerraformDeployRole"\n        session_name: edited'));
    proxy.reset();
    assertOk(await exec('edited config'), 'edited');
    assert.equal(proxy.count('AssumeRole'), 1);
    writeFileSync(join(pod.repo, 'tfwrap.yaml'), CONFIG);
    rememberSecretsFromCache(pod.env);

    // A corrupt file is set aside with a warning and rebuilt.
    const current = (cachedFiles(pod.env)['cross-account-deployer'] ?? []).filter((f) => f.endsWith('.json'));
    for (const f of current) writeFileSync(f, '{"version":1,"credentials":');
    proxy.reset();
    const corrupt = await exec('corrupt');
    assertOk(corrupt, 'corrupt');
    assert.match(corrupt.stderr, /unreadable.*set aside/);
    assert.equal(proxy.count('AssumeRole'), 1);
    assert.ok((cachedFiles(pod.env)['cross-account-deployer'] ?? []).some((f) => f.includes('.corrupt-')));
    proxy.reset();
    assertOk(await exec('rebuilt'), 'rebuilt');
    assert.equal(proxy.count(), 0);

    // logout removes the sessions and the managed profile.
    assertOk(await tfwrap('auth env', ['auth', 'env', '-i', 'cross-account-deployer'], pod), 'auth env');
    const managed = readFileSync(join(pod.env.XDG_CONFIG_HOME!, 'tfwrap', readdirSync(join(pod.env.XDG_CONFIG_HOME!, 'tfwrap'))[0]!, 'aws', 'credentials'), 'utf8');
    assert.match(managed, /\[cross-account-deployer\]/);
    assertOk(await tfwrap('logout', ['auth', 'logout', '-i', 'cross-account-deployer'], pod), 'logout');
    assert.equal((cachedFiles(pod.env)['cross-account-deployer'] ?? []).filter((f) => f.endsWith('.json')).length, 0);
    const after = readFileSync(join(pod.env.XDG_CONFIG_HOME!, 'tfwrap', readdirSync(join(pod.env.XDG_CONFIG_HOME!, 'tfwrap'))[0]!, 'aws', 'credentials'), 'utf8');
    assert.doesNotMatch(after, /cross-account-deployer/);
    proxy.reset();
    assertOk(await exec('after logout'), 'after logout');
    assert.equal(proxy.count('AssumeRole'), 1);
    assertOk(await tfwrap('logout all', ['auth', 'logout', '--all'], pod), 'logout --all');
    assert.deepEqual(Object.values(cachedFiles(pod.env)).flat().filter((f) => f.endsWith('.json')), []);
  });

  describe('STS failures end in one line naming the identity and the chain step', () => {
    const oneLine = (r: RunResult) => {
      assert.notEqual(r.exitCode, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      return lines[0]!;
    };

    it('AccessDenied', async () => {
      const ctx = adminKeys();
      proxy.injectFault('accessDenied', { action: 'AssumeRole' });
      const r = await tfwrap('denied', ['auth', 'exec', '-i', 'cross-account-deployer', '--', 'true'], ctx);
      assert.equal(r.exitCode, 3);
      const line = oneLine(r);
      assert.match(line, /identity "cross-account-deployer" \(step 2 of pod-base -> cross-account-deployer\)/);
      assert.match(line, /AccessDenied/);
      assert.match(line, /Hint: check that the role's trust policy/);
    });

    it('a role ARN STS rejects, and a malformed one caught before any call', async () => {
      const ctx = adminKeys();
      proxy.injectFault({ status: 400, code: 'ValidationError', message: "1 validation error detected: Value 'x' at 'roleArn' failed to satisfy constraint" }, { action: 'AssumeRole' });
      const r = await tfwrap('validation', ['auth', 'exec', '-i', 'hop1', '--', 'true'], ctx);
      assert.match(oneLine(r), /identity "hop1" \(step 2 of pod-base -> hop1\): sts:AssumeRole into arn:aws:iam::999999999999:role\/Hop1 failed: ValidationError/);
      writeFileSync(join(ctx.repo, 'tfwrap.yaml'), CONFIG.replace('arn:aws:iam::999999999999:role/TerraformDeployRole', 'arn:aws:iam::9999:role/TerraformDeployRole'));
      proxy.reset();
      const bad = await tfwrap('malformed', ['auth', 'exec', '-i', 'cross-account-deployer', '--', 'true'], ctx);
      assert.equal(bad.exitCode, 2);
      assert.match(oneLine(bad), /identity "cross-account-deployer" \(kind aws\/assume-role\): principal\.assume_role: must be a role ARN/);
      assert.equal(proxy.count(), 0);
    });

    it('invalid source credentials', async () => {
      const ctx = adminKeys({ AWS_SECRET_ACCESS_KEY: 'wrong-secret-key-0123456789' });
      secrets.add('wrong-secret-key-0123456789');
      const r = await tfwrap('invalid source', ['auth', 'exec', '-i', 'hop2', '--debug', '--', 'true'], ctx);
      assert.equal(r.exitCode, 3);
      const line = r.stderr.trim().split('\n').filter((l) => l.startsWith('tfwrap: error:'));
      assert.equal(line.length, 1);
      assert.match(line[0]!, /identity "hop1" \(step 2 of pod-base -> hop1 -> hop2\): the credentials of "pod-base" were refused by STS \(expired or invalid\): SignatureDoesNotMatch/);
    });

    it('expired source credentials', async () => {
      const ctx = adminKeys();
      proxy.injectFault({ status: 403, code: 'ExpiredToken', message: 'The security token included in the request is expired' }, { action: 'AssumeRole' });
      const r = await tfwrap('expired', ['auth', 'exec', '-i', 'cross-account-deployer', '--', 'true'], ctx);
      assert.match(oneLine(r), /identity "cross-account-deployer" \(step 2 of pod-base -> cross-account-deployer\): the credentials of "pod-base" were refused by STS \(expired or invalid\): ExpiredToken/);
    });

    it('throttling', async () => {
      const ctx = adminKeys();
      proxy.injectFault('throttling', { action: 'AssumeRole', times: 10 });
      const r = await tfwrap('throttled', ['auth', 'exec', '-i', 'cross-account-deployer', '--', 'true'], ctx);
      const line = oneLine(r);
      assert.match(line, /identity "cross-account-deployer" \(step 2 of pod-base -> cross-account-deployer\).*Throttling/);
      assert.match(line, /throttling these calls/);
    });

    it('a chained session longer than one hour is refused before calling STS, saying why', async () => {
      const ctx = adminKeys();
      const r = await tfwrap('too long', ['auth', 'exec', '-i', 'too-long', '--', 'true'], ctx);
      assert.match(oneLine(r), /identity "too-long" \(step 3 of pod-base -> cross-account-deployer -> too-long\): principal.duration 2h is over the 1-hour limit AWS puts on role chaining/);
      assert.equal(proxy.count('AssumeRole'), 1, 'only the first hop was called');
    });
  });

  it('a child that outlives its session keeps working: credential_process asks the parent', async () => {
    // Sessions that report 20 s of life: the parent replaces them 10 s before the end (half the
    // lifetime, as the margin is capped), and the child's SDK asks again as each nears its end.
    const expiry: ExpiryProxy = await startExpiryProxy(proxy.endpoint, 20);
    try {
      const pod = irsaPod({ TFWRAP_SESSION_MIN_REMAINING: '5s' }, expiry.endpoint);
      const child = join(pod.repo, 'long-child.mjs');
      writeFileSync(
        child,
        `const { STSClient, GetCallerIdentityCommand } = await import(${JSON.stringify(stsModule)});
const sts = new STSClient({ region: 'us-east-1', endpoint: process.env.CHILD_STS });
const started = Date.now();
// 32 s of calls, and at least 15 of them however slowly each one goes on a loaded machine.
for (let calls = 0; Date.now() - started < 32000 || calls < 15; calls++) {
  const creds = await sts.config.credentials();
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    console.log(JSON.stringify({ ok: true, arn: out.Arn, key: creds.accessKeyId, expiration: creds.expiration }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, error: String(err) }));
  }
  await new Promise((r) => setTimeout(r, 1500));
}
sts.destroy();
`,
      );
      const r = record('long child', await runTfwrap(['auth', 'exec', '-i', 'cross-account-deployer', '--', process.execPath, child], { env: { ...pod.env, CHILD_STS: proxy.endpoint }, cwd: pod.repo, timeout: 90_000 }));
      assertOk(r, 'long child');
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; arn?: string; key?: string; expiration?: string; error?: string });
      assert.ok(lines.length >= 15, `the child made its calls (${lines.length})`);
      for (const line of lines) assert.ok(line.ok, `every call worked: ${JSON.stringify(line)}`);
      for (const line of lines) assert.match(line.arn!, /999999999999:assumed-role\/TerraformDeployRole/);
      const keys = new Set(lines.map((l) => l.key));
      assert.ok(keys.size >= 3, `the child moved through fresh sessions: ${keys.size}`);
      // Each key was used only before its session's reported end.
      const firstExpiry = Date.parse(lines[0]!.expiration!);
      assert.ok(lines.some((l) => Date.parse(l.expiration!) > firstExpiry + 10_000), 'a later session outlived the first');
      assert.ok(proxy.count('AssumeRole') >= 3, JSON.stringify(proxy.counts()));
      rememberSecretsFromCache(pod.env);
    } finally {
      await expiry.close();
    }
  });

  it('a warm run and auth validate never import the AWS SDK', async () => {
    const pod = irsaPod();
    assertOk(await tfwrap('lazy cold', ['auth', 'exec', '-i', 'hop2', '--', 'true'], pod), 'cold');
    const trace = join(pod.repo, 'imports.log');
    const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url.replace('/dist/', '/src/')));
    const traced = (what: string, args: string[]) => runCommand(process.execPath, ['--import', tracer, tfwrapBin, ...args], { env: { ...pod.env, TFWRAP_TRACE_IMPORTS: trace }, cwd: pod.repo }).then((r) => record(what, r));
    const sdkImports = () => (existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter((line) => line.includes('@aws-sdk')) : []);
    proxy.reset();
    assertOk(await traced('lazy warm', ['auth', 'exec', '-i', 'hop2', '--', 'true']), 'warm exec');
    // The fixture's one deliberate problem (a 2h role chained from a role session) is found offline.
    const validate = await traced('lazy validate', ['auth', 'validate']);
    assert.equal(validate.exitCode, 1, validate.stderr);
    assert.match(validate.stderr, /identity "too-long" \(kind aws\/assume-role\): principal\.duration 2h is over the 1-hour limit AWS puts on role chaining: "cross-account-deployer" \(aws\/assume-role\) yields a role session/);
    assert.match(validate.stderr, /tfwrap: 1 problem found/);
    assert.deepEqual(sdkImports(), []);
    assert.equal(proxy.count(), 0);
    assertOk(await traced('lazy fresh', ['auth', 'exec', '-i', 'hop2', '--fresh', '--', 'true']), 'fresh exec');
    assert.ok(sdkImports().length > 0, 'the tracer sees the SDK when STS is called');
  });

  it('no secret value appears in any output, --debug included', async () => {
    const ctx = adminKeys();
    const debug = await tfwrap('debug', ['auth', 'exec', '-i', 'deep', '--debug', '--', 'true'], ctx);
    assertOk(debug, 'debug exec');
    assert.match(debug.stderr, /tfwrap debug:/);
    const whoami = await tfwrap('debug whoami', ['auth', 'whoami', '-i', 'deep', '--debug', '--fresh'], ctx);
    assertOk(whoami, 'debug whoami');
    const env = await tfwrap('debug env', ['auth', 'env', '-i', 'deep', '--debug'], ctx);
    assertOk(env, 'debug env');
    rememberSecretsFromCache(ctx.env);
    assert.ok(secrets.size >= 5, `secrets were collected (${secrets.size})`);
    assert.ok(outputs.length >= 20, `outputs were collected (${outputs.length})`);
    for (const { what, text } of outputs) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `"${what}" printed a secret (${secret.slice(0, 4)}...)`);
    }
  });
});
