import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrivateDir, ensurePrivateDir, tfwrapPaths } from './paths.js';

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A fresh XDG cache home with tfwrap's cache root registered (as a run registers it). */
function cacheHome(): { home: string; root: string } {
  const home = scratchDir('tfwrap-paths-');
  const { cacheDir } = tfwrapPaths({ XDG_CACHE_HOME: home, XDG_CONFIG_HOME: join(home, 'config') }, undefined, home);
  return { home, root: cacheDir };
}

const unsafe = (pattern: RegExp) => (err: unknown) => {
  assert.equal((err as { code?: string }).code, 'E_UNSAFE_DIR');
  assert.match((err as Error).message, pattern);
  return true;
};

describe('ensurePrivateDir / checkPrivateDir', () => {
  it('creates 0700 directories from the root down, and tightens the ones that are ours', () => {
    const { root } = cacheHome();
    const dir = ensurePrivateDir(join(root, 'realm', 'sessions'));
    for (const d of [root, join(root, 'realm'), dir]) assert.equal(statSync(d).mode & 0o777, 0o700, d);
    chmodSync(join(root, 'realm'), 0o775);
    assert.throws(() => checkPrivateDir(dir), unsafe(/realm is writable by group or others/));
    ensurePrivateDir(dir);
    assert.equal(statSync(join(root, 'realm')).mode & 0o777, 0o700);
    checkPrivateDir(dir);
  });

  it('a missing directory passes: there is nothing in it to read', () => {
    const { root } = cacheHome();
    checkPrivateDir(join(root, 'realm', 'sessions', 'me'));
  });

  it('a symbolic link below the root is refused; the root itself may be one', () => {
    const { home, root } = cacheHome();
    ensurePrivateDir(root);
    const elsewhere = scratchDir('tfwrap-paths-elsewhere-');
    symlinkSync(elsewhere, join(root, 'realm'));
    assert.throws(() => checkPrivateDir(join(root, 'realm', 'x')), unsafe(/realm is not a directory/));
    const linkedRoot = tfwrapPaths({ TFWRAP_CACHE_DIR: join(home, 'linked') }, undefined, home).cacheDir;
    symlinkSync(elsewhere, linkedRoot);
    ensurePrivateDir(join(linkedRoot, 'sessions'));
  });

  it('the directory holding the root may not be open to everyone, unless sticky like /tmp', () => {
    const { home, root } = cacheHome();
    ensurePrivateDir(root);
    chmodSync(home, 0o777);
    assert.throws(() => checkPrivateDir(root), unsafe(/is writable by everyone \(and not sticky\)/));
    chmodSync(home, 0o1777);
    checkPrivateDir(root);
  });

  it("another user's directory is refused, and not re-permissioned even by root", function () {
    if (process.getuid?.() !== 0) this.skip(); // chown needs root
    const { root } = cacheHome();
    mkdirSync(join(root, 'realm'), { recursive: true, mode: 0o755 });
    chownSync(join(root, 'realm'), 65534, 65534);
    assert.throws(() => ensurePrivateDir(join(root, 'realm', 'sessions')), unsafe(/realm belongs to uid 65534, not to this user \(uid 0\)/));
    assert.equal(statSync(join(root, 'realm')).mode & 0o777, 0o755);
  });
});
