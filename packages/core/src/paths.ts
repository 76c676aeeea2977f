/**
 * Where tfwrap keeps its own files: managed credential files in the XDG configuration directory,
 * cached sessions in the XDG cache directory, both separated per repository ("realm") so that two
 * checkouts never share a profile. Directories are 0700, files 0600. The user's ~/.aws is never used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TfwrapPaths {
  /** `$TFWRAP_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tfwrap`, else `~/.config/tfwrap`. */
  configDir: string;
  /** `$TFWRAP_CACHE_DIR`, else `$XDG_CACHE_HOME/tfwrap`, else `~/.cache/tfwrap`. */
  cacheDir: string;
  /** 16 hex characters naming the repository: `TFWRAP_REALM`, else a hash of the configuration path. */
  realm: string;
  /** `<configDir>/<realm>`: managed profiles for this repository. */
  realmConfigDir: string;
  /** `<cacheDir>/<realm>`: cached sessions for this repository. */
  realmCacheDir: string;
}

export function tfwrapPaths(env: Readonly<Record<string, string | undefined>>, configFile: string | undefined, cwd: string): TfwrapPaths {
  const home = env.HOME || homedir();
  const configDir = env.TFWRAP_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home, '.config'), 'tfwrap');
  const cacheDir = env.TFWRAP_CACHE_DIR || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'tfwrap');
  const realm = env.TFWRAP_REALM || createHash('sha256').update(resolve(configFile ?? cwd)).digest('hex').slice(0, 16);
  return { configDir, cacheDir, realm, realmConfigDir: join(configDir, realm), realmCacheDir: join(cacheDir, realm) };
}

/** mkdir -p with 0700 on the directory itself (existing directories are tightened too). */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * Write one of tfwrap's own files (sessions, profiles, sign-ins, stored keys): 0600, through a
 * temporary file in the same directory renamed over the target, so that a reader in another
 * process sees the old content or the new, never half a file. The directory must exist.
 */
export async function writePrivateFileAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
