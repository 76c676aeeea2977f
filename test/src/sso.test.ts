// aws/iam-identity-center and aws/permission-set end to end: the real @aws-sdk SSO OIDC and portal
// clients inside tfwrap talk to a loopback fake of IAM Identity Center (test/src/support/fake-sso.ts);
// the role credentials it hands out are minted on moto, request authentication on, and used by
// the aws CLI in the child. Issue 5.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ACCOUNTS, REGION, roleArn, sharedMoto, type Moto } from './support/moto.js';
import { startFakeSso, type FakeSso } from './support/fake-sso.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runTfwrap, type RunResult } from './support/cli.js';

const START_URL = 'https://tfwrap-test.awsapps.com/start';

const CONFIG = `
auth:
  identities:
    portal:
      kind: aws/iam-identity-center
      principal:
        start_url: ${START_URL}
        region: ${REGION}
    # The same portal written another way: it shares the sign-in.
    same-portal:
      kind: aws/iam-identity-center
      principal:
        start_url: ${START_URL}/
        region: ${REGION}
        session_duration: 12h
    state-admin:
      kind: aws/permission-set
      via: { identity: portal }
      principal:
        name: AdministratorAccess
        account: { id: "${ACCOUNTS.state}" }
    sandbox-admin:
      kind: aws/permission-set
      via: { identity: same-portal }
      principal:
        name: AdministratorAccess
        account: { name: sandbox }
        region: eu-west-1
    not-assigned:
      kind: aws/permission-set
      via: { identity: portal }
      principal:
        name: PowerUserAccess
        account: { name: state }
    plain:
      kind: ambient
    deployer:
      kind: aws/assume-role
      via: { identity: state-admin }
      principal:
        assume_role: "${roleArn(ACCOUNTS.instance, 'Hop2')}"
`;

const outputs: Array<{ what: string; text: string }> = [];

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.exitCode, 0, `${what} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
}

function errorLines(r: RunResult): string[] {
  return r.stderr.trim().split('\n').filter((line) => line.startsWith('tfwrap: error:'));
}

describe('aws/iam-identity-center and aws/permission-set (e2e, fake SSO, moto with auth on)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let sso: FakeSso;

  before(async () => {
    moto = await sharedMoto();
    sso = await startFakeSso({ moto });
  });
  after(async () => {
    await sso?.close();
  });

  /** A repository and a laptop: no AWS credentials anywhere, the fake SSO and moto as endpoints. */
  function laptop(extra: Record<string, string | undefined> = {}) {
    const env = hermeticEnv({ AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION, AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_ENDPOINT_URL_SSO_OIDC: sso.endpoint, AWS_ENDPOINT_URL_SSO: sso.endpoint, ...extra });
    const repo = tempDir('tfwrap-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    return { env, repo };
  }
  type Laptop = ReturnType<typeof laptop>;

  const tfwrap = async (what: string, args: string[], ctx: Laptop): Promise<RunResult> => {
    const r = await runTfwrap(args, { env: ctx.env, cwd: ctx.repo });
    outputs.push({ what, text: `${r.stdout}\n${r.stderr}` });
    return r;
  };

  /** `tfwrap auth login`, with the person approving the code it shows. */
  async function login(ctx: Laptop, identity = 'portal', options: { user?: string; deny?: boolean } = {}) {
    const running = tfwrap(`login ${identity}`, ['auth', 'login', '-i', identity], ctx);
    const device = await sso.nextDeviceAuthorization();
    if (options.deny) sso.deny(device.userCode);
    else sso.approve(device.userCode, options.user ?? 'alice');
    return { r: await running, device };
  }

  const callerArn = async (ctx: Laptop, identity: string, extra: string[] = []) => {
    const r = await tfwrap(`gci ${identity}`, ['auth', 'exec', '-i', identity, ...extra, '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], ctx);
    assertOk(r, `auth exec -i ${identity}`);
    return (JSON.parse(r.stdout) as { Arn: string }).Arn;
  };

  function tokenCacheFile(ctx: Laptop): string {
    const dir = join(ctx.env.XDG_CACHE_HOME!, 'tfwrap', 'aws-sso');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    assert.equal(files.length, 1, `one sign-in cached: ${files.join(', ')}`);
    return join(dir, files[0]!);
  }

  it('auth login shows the code, signs in once, and says who is signed in until when; then auth exec runs aws as the permission set', async () => {
    const ctx = laptop();
    const before = sso.count('StartDeviceAuthorization');
    const { r, device } = await login(ctx, 'state-admin');
    assertOk(r, 'auth login');
    assert.ok(r.stderr.includes(device.userCode), `the code is shown: ${r.stderr}`);
    assert.ok(r.stderr.includes(device.verificationUri), `the URL is shown: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`signed in to ${START_URL} \\(us-east-1\\); access token valid until \\d{4}-.*renewed without a browser`));
    assert.match(r.stdout, /"state-admin" is arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/alice \(account 999999999999\), session until \d{4}-/);
    assert.equal(sso.count('StartDeviceAuthorization') - before, 1);

    // login cached the permission set's session: this run asks the portal nothing.
    const roleCalls = sso.count('GetRoleCredentials');
    const arn = await callerArn(ctx, 'state-admin');
    assert.equal(arn, 'arn:aws:sts::999999999999:assumed-role/TerraformDeployRole/alice');
    assert.equal(sso.count('StartDeviceAuthorization') - before, 1, 'no second sign-in');
    assert.equal(sso.count('GetRoleCredentials'), roleCalls, 'the cached session was used');

    // The sign-in cache: 0600 in a 0700 directory under tfwrap's cache directory, never ~/.aws.
    const file = tokenCacheFile(ctx);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    assert.equal(existsSync(join(ctx.env.HOME!, '.aws')), false);

    // Signing out of the portal: the sign-in is deleted, and a run without a terminal says to log in.
    assertOk(await tfwrap('logout portal', ['auth', 'logout', '-i', 'portal'], ctx), 'auth logout');
    assert.equal(existsSync(file), false);
    const after = await tfwrap('after logout', ['auth', 'exec', '-i', 'state-admin', '--fresh', '--', 'true'], ctx);
    assert.equal(after.exitCode, 3, after.stderr);
    assert.match(after.stderr, /not signed in.*run tfwrap auth login -i portal/);
  });

  it('auth login on an identity that has no sign-in says so, exit 2', async () => {
    const r = await tfwrap('login plain', ['auth', 'login', '-i', 'plain'], laptop());
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /^tfwrap: error: identity "plain" needs no sign-in: it is of kind ambient, which has no login/);
  });

  it('a chain iam-identity-center -> permission-set -> aws/assume-role runs aws as the assumed role', async () => {
    const ctx = laptop();
    assertOk((await login(ctx)).r, 'auth login');
    const arn = await callerArn(ctx, 'deployer');
    assert.equal(arn, 'arn:aws:sts::888888888888:assumed-role/Hop2/deployer');
    const who = await tfwrap('whoami deployer', ['auth', 'whoami', '-i', 'deployer', '--json'], ctx);
    assertOk(who, 'auth whoami');
    const out = JSON.parse(who.stdout) as { chain: Array<{ identity: string; kind: string }> };
    assert.deepEqual(out.chain.map((s) => `${s.identity}:${s.kind}`), ['portal:aws/iam-identity-center', 'state-admin:aws/permission-set', 'deployer:aws/assume-role']);
  });

  it('a second identity on the same portal needs no second sign-in; its account is found by name on page 2 of ListAccounts', async () => {
    const ctx = laptop();
    assertOk((await login(ctx, 'portal')).r, 'auth login');
    const signIns = sso.count('StartDeviceAuthorization');
    const pages = sso.count('ListAccounts');
    const r = await tfwrap('sandbox env', ['auth', 'exec', '-i', 'sandbox-admin', '--', process.execPath, '-e', 'console.log(process.env.AWS_REGION)'], ctx);
    assertOk(r, 'auth exec -i sandbox-admin');
    assert.equal(r.stdout.trim(), 'eu-west-1');
    assert.equal(await callerArn(ctx, 'sandbox-admin'), 'arn:aws:sts::888888888888:assumed-role/Hop1/alice');
    assert.equal(sso.count('StartDeviceAuthorization'), signIns, 'same-portal used the sign-in of portal');
    assert.ok(sso.count('ListAccounts') - pages >= 2, 'the account name was looked up across pages');
  });

  it('an expired access token is renewed with the refresh token, without a sign-in or a terminal', async () => {
    const ctx = laptop();
    assertOk((await login(ctx)).r, 'auth login');
    const file = tokenCacheFile(ctx);
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { expiresAt: string; accessToken: string };
    writeFileSync(file, JSON.stringify({ ...cached, expiresAt: new Date(Date.now() - 60_000).toISOString() }), { mode: 0o600 });
    sso.revokeAccessTokens(); // the old token would now be refused: only a renewed one works
    const signIns = sso.count('StartDeviceAuthorization');
    const refreshes = sso.count('CreateToken:refresh_token');
    assert.equal(await callerArn(ctx, 'state-admin', ['--fresh']), 'arn:aws:sts::999999999999:assumed-role/TerraformDeployRole/alice');
    assert.equal(sso.count('CreateToken:refresh_token') - refreshes, 1);
    assert.equal(sso.count('StartDeviceAuthorization'), signIns, 'no device flow');
    const renewed = JSON.parse(readFileSync(file, 'utf8')) as { expiresAt: string; accessToken: string };
    assert.ok(Date.parse(renewed.expiresAt) > Date.now() + 30 * 60_000);
    assert.notEqual(renewed.accessToken, cached.accessToken);

    // same-portal says session_duration: 12h. A sign-in older than that is not renewed.
    writeFileSync(file, JSON.stringify({ ...renewed, expiresAt: new Date(Date.now() - 60_000).toISOString(), signedInAt: new Date(Date.now() - 13 * 3600_000).toISOString() }), { mode: 0o600 });
    const old = await tfwrap('session over', ['auth', 'exec', '-i', 'sandbox-admin', '--fresh', '--', 'true'], ctx);
    assert.equal(old.exitCode, 3, old.stderr);
    assert.match(old.stderr, /identity "same-portal".*needs a sign-in to .* \(the last one has ended\)/);
    assert.equal(sso.count('CreateToken:refresh_token') - refreshes, 1, 'no refresh past session_duration');
    // portal sets no session_duration: the same sign-in is still renewed for it.
    assertOk(await tfwrap('portal renews', ['auth', 'exec', '-i', 'state-admin', '--fresh', '--', 'true'], ctx), 'renewal without session_duration');
    assert.equal(sso.count('CreateToken:refresh_token') - refreshes, 2);
  });

  it('without a terminal, a run that needs a sign-in fails at once with the tfwrap auth login hint', async () => {
    const ctx = laptop();
    const signIns = sso.count('StartDeviceAuthorization');
    const r = await tfwrap('no terminal', ['auth', 'exec', '-i', 'deployer', '--', 'aws', 'sts', 'get-caller-identity'], ctx);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^tfwrap: error: identity "portal" \(step 1 of portal -> state-admin -> deployer\): needs a sign-in to https:\/\/tfwrap-test\.awsapps\.com\/start \(not signed in\), and there is no terminal.*Hint: run tfwrap auth login -i portal/);
    assert.equal(sso.count('StartDeviceAuthorization'), signIns, 'no sign-in was started');

    // Signed in once, but the refresh token has been revoked since: the same line, not a wait.
    assertOk((await login(ctx)).r, 'auth login');
    const file = tokenCacheFile(ctx);
    const cached = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...cached, expiresAt: new Date(Date.now() - 60_000).toISOString() }), { mode: 0o600 });
    sso.revokeRefreshTokens();
    const again = await tfwrap('refresh refused', ['auth', 'exec', '-i', 'state-admin', '--fresh', '--', 'true'], { ...ctx, env: { ...ctx.env, CI: 'true' } });
    assert.equal(again.exitCode, 3, again.stderr);
    assert.deepEqual(errorLines(again).length, 1);
    assert.match(again.stderr, /needs a sign-in to .* \(the last one has ended\).*Hint: run tfwrap auth login -i portal/);
  });

  it('a denied sign-in ends in one clear line', async () => {
    const ctx = laptop();
    const { r } = await login(ctx, 'portal', { deny: true });
    assert.equal(r.exitCode, 3, r.stderr);
    const lines = errorLines(r);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tfwrap: error: identity "portal": the sign-in to https:\/\/tfwrap-test\.awsapps\.com\/start was denied.*Hint: run tfwrap auth login -i portal/);
    assert.equal(existsSync(join(ctx.env.XDG_CACHE_HOME!, 'tfwrap', 'aws-sso')) && readdirSync(join(ctx.env.XDG_CACHE_HOME!, 'tfwrap', 'aws-sso')).some((f) => f.endsWith('.json')), false, 'nothing cached');
  });

  it('slow_down makes the poll back off, and the sign-in still completes', async () => {
    const ctx = laptop();
    sso.slowDownNext();
    const polls = sso.count('CreateToken:device_code');
    const { r } = await login(ctx);
    assertOk(r, 'auth login');
    assert.ok(sso.count('CreateToken:device_code') - polls >= 2);
  });

  it('a permission set not assigned in the account names the ones that are', async () => {
    const ctx = laptop();
    assertOk((await login(ctx)).r, 'auth login');
    const r = await tfwrap('not assigned', ['auth', 'exec', '-i', 'not-assigned', '--', 'true'], ctx);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.equal(errorLines(r).length, 1, r.stderr);
    assert.match(r.stderr, /permission set "PowerUserAccess" is not assigned to you in account 999999999999 \(state\).*Hint: the sign-in of "portal" may use AdministratorAccess, ReadOnly there/);
  });

  it('no token, secret or code the portal handed out appears in any output', () => {
    assert.ok(outputs.length > 5);
    for (const secret of sso.secrets) {
      for (const { what, text } of outputs) assert.ok(!text.includes(secret), `${what} shows a secret`);
    }
  });
});
