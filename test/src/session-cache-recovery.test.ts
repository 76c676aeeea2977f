// The session cache is an optimisation: whatever is wrong with it, the run goes on without it, with
// one warning line (issue 10, problem 5). aws/user against moto, through the STS proxy that counts
// the GetSessionToken calls a cache miss makes.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGION, sharedMoto, type Moto } from './support/moto.js';
import { startStsProxy, type StsProxy } from './support/sts-proxy.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runCommand, runTfwrap, tfwrapBin, type RunResult } from './support/cli.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CONFIG = `
auth:
  identities:
    me:
      kind: aws/user
      credentials: { access_key_id_env: TEAM_AWS_KEY_ID, secret_access_key_env: TEAM_AWS_SECRET }
      principal: { region: us-east-1 }
`;

describe('session cache degrades to no cache (e2e)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let proxy: StsProxy;

  before(async () => {
    moto = await sharedMoto();
    proxy = await startStsProxy(moto.endpoint);
  });
  after(() => proxy?.close());
  beforeEach(() => proxy.reset());

  function project(extra: Record<string, string | undefined> = {}) {
    const env = hermeticEnv({ AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: proxy.endpoint, TEAM_AWS_KEY_ID: moto.admin.accessKeyId, TEAM_AWS_SECRET: moto.admin.secretAccessKey, ...extra });
    const repo = tempDir('tfwrap-cache-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    return { env, repo };
  }

  const run = (ctx: { env: Record<string, string>; repo: string }) => runTfwrap(['auth', 'exec', '-i', 'me', '--', 'true'], { env: ctx.env, cwd: ctx.repo });

  /** The one session file of identity "me" under the cache root (beside the realm: code-cache/, validation/, ...). */
  function sessionFile(cacheRoot: string): string {
    const realm = readdirSync(cacheRoot).find((entry) => existsSync(join(cacheRoot, entry, 'sessions', 'me')));
    const dir = join(cacheRoot, realm!, 'sessions', 'me');
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    return join(dir, file!);
  }

  /** Exit 0 and exactly one warning line on stderr, matching `pattern`. */
  function assertRanWithOneWarning(r: RunResult, pattern: RegExp): void {
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tfwrap warning: /);
    assert.match(lines[0]!, pattern);
  }

  it('a session file of valid JSON with fields missing is set aside once; the next run caches again', async () => {
    const ctx = project();
    assert.equal((await run(ctx)).exitCode, 0);
    const file = sessionFile(join(ctx.env.XDG_CACHE_HOME!, 'tfwrap'));
    writeFileSync(file, JSON.stringify({ version: 1, identity: 'me', kind: 'aws/user', credentials: { type: 'aws' } }));
    proxy.reset();
    const second = await run(ctx);
    assertRanWithOneWarning(second, /cached session for "me" was unreadable \(issuedAt: .*\); set aside/);
    assert.equal(proxy.count('GetSessionToken'), 1, 'a new session was obtained');
    const third = await run(ctx);
    assert.equal(third.exitCode, 0, third.stderr);
    assert.equal(third.stderr, '');
    assert.equal(proxy.count('GetSessionToken'), 1, 'and cached again');
  });

  it('a 50 MB garbage file in place of a session is set aside without being read', async () => {
    const ctx = project();
    assert.equal((await run(ctx)).exitCode, 0);
    const file = sessionFile(join(ctx.env.XDG_CACHE_HOME!, 'tfwrap'));
    writeFileSync(file, Buffer.alloc(50 * 1024 * 1024, 'x'));
    const r = await run(ctx);
    assertRanWithOneWarning(r, /cached session for "me" was unreadable \(\d+ bytes, more than a session file holds\)/);
    assert.ok(statSync(file).size < 64 * 1024, 'replaced by a new session');
  });

  it('a cache directory that is not a directory: one warning, and the run goes on uncached', async () => {
    const root = tempDir('tfwrap-cache-file-');
    writeFileSync(join(root, 'cache'), 'not a directory');
    const ctx = project({ TFWRAP_CACHE_DIR: join(root, 'cache') });
    assertRanWithOneWarning(await run(ctx), /cannot use the session cache in .* \(ENOTDIR\); running without it/);
    assertRanWithOneWarning(await run(ctx), /running without it/);
    assert.equal(proxy.count('GetSessionToken'), 2, 'each run obtains its own session');
  });

  it("another user's cache directory (EACCES): one warning, and the run goes on uncached", async function () {
    if (process.getuid?.() !== 0) this.skip(); // needs to run tfwrap as another user
    const ctx = project();
    // Everything tfwrap needs is readable by "nobody"; the cache directory stays root's, 0700.
    for (const dir of [ctx.repo, join(ctx.env.HOME!, '..'), ctx.env.HOME!]) chmodSync(dir, 0o755);
    // Writable by "nobody" the way /tmp is (sticky): a directory open to everyone otherwise is refused.
    for (const dir of [ctx.env.XDG_CONFIG_HOME!, ctx.env.XDG_CACHE_HOME!, join(ctx.env.XDG_CONFIG_HOME!, '..')]) chmodSync(dir, 0o1777);
    const cache = join(ctx.env.XDG_CACHE_HOME!, 'tfwrap');
    mkdirSync(cache, { mode: 0o700 });
    chmodSync(ctx.env.XDG_CACHE_HOME!, 0o755);
    const r = await runCommand('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, tfwrapBin, 'auth', 'exec', '-i', 'me', '--', 'true'], { env: ctx.env, cwd: ctx.repo });
    assertRanWithOneWarning(r, /cannot use the session cache in .* \((EACCES|EPERM)\); running without it/);
    assert.equal(proxy.count('GetSessionToken'), 1);
  });

  describe("another user's directory in tfwrap's place (they could plant a session or a profile)", () => {
    before(function () {
      if (process.getuid?.() !== 0) this.skip(); // chown needs root
    });

    it('a cache that belongs to another user is not read: one warning, a new session, their files untouched', async () => {
      const ctx = project();
      assert.equal((await run(ctx)).exitCode, 0);
      const cacheRoot = join(ctx.env.XDG_CACHE_HOME!, 'tfwrap');
      const file = sessionFile(cacheRoot);
      // Their session, in their directory: a valid one, which a careless reader would hand to terraform.
      const sessions = join(file, '..', '..');
      for (const path of [sessions, join(file, '..'), file]) chownSync(path, 65534, 65534);
      proxy.reset();
      const r = await run(ctx);
      assertRanWithOneWarning(r, new RegExp(`cannot use the session cache: ${escapeRegExp(sessions)}.* belongs to uid 65534, not to this user \\(uid 0\\).*; running without it`));
      assert.equal(proxy.count('GetSessionToken'), 1, 'the planted session was not used');
      assert.equal(statSync(sessions).uid, 65534);
      assert.equal(statSync(sessions).mode & 0o777, 0o700, 'not re-permissioned (root could, and would hide the owner)');
    });

    it('a cache under a directory everyone may write (not sticky) is not used', async () => {
      const ctx = project();
      assert.equal((await run(ctx)).exitCode, 0);
      chmodSync(ctx.env.XDG_CACHE_HOME!, 0o777);
      proxy.reset();
      const r = await run(ctx);
      assertRanWithOneWarning(r, /cannot use the session cache: .* is writable by everyone \(and not sticky\).*; running without it/);
      assert.equal(proxy.count('GetSessionToken'), 1);
    });

    it("managed AWS profiles are never written into another user's config directory: exit 2, one line", async () => {
      const ctx = project();
      const configRoot = join(ctx.env.XDG_CONFIG_HOME!, 'tfwrap');
      mkdirSync(configRoot, { mode: 0o755 });
      chownSync(configRoot, 65534, 65534);
      const r = await run(ctx);
      assert.equal(r.exitCode, 2, r.stderr);
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^tfwrap: error: .*${escapeRegExp(configRoot)} belongs to uid 65534, not to this user \\(uid 0\\).*Hint: .*TFWRAP_CONFIG_DIR.*\\[E_UNSAFE_DIR\\]$`));
      assert.deepEqual(readdirSync(configRoot), [], 'nothing was written there');
      assert.equal(statSync(configRoot).mode & 0o777, 0o755);
    });
  });
});
