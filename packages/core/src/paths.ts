/**
 * Where tfwrap keeps its own files: managed credential files in the XDG configuration directory,
 * cached sessions in the XDG cache directory, both separated per repository ("realm") so that two
 * checkouts never share a profile. Directories are 0700, files 0600. The user's ~/.aws is never used.
 */
import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { TfwrapError } from './errors.js';
import { crypto, fsPromises } from './lazy-builtins.js';

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
  ownRoots.add(resolve(configDir)).add(resolve(cacheDir));
  // The realm is hashed when first asked for: a run that keeps nothing per repository (an ambient
  // identity) then never loads node:crypto.
  let realm: string | undefined;
  const realmOf = () => (realm ??= env.TFWRAP_REALM || crypto().createHash('sha256').update(resolve(configFile ?? cwd)).digest('hex').slice(0, 16));
  return {
    configDir,
    cacheDir,
    get realm() {
      return realmOf();
    },
    get realmConfigDir() {
      return join(configDir, realmOf());
    },
    get realmCacheDir() {
      return join(cacheDir, realmOf());
    },
  };
}

/** tfwrap's own directories (config and cache, from tfwrapPaths): the roots of what checkPrivateDir checks. */
const ownRoots = new Set<string>();

/**
 * Throw `E_UNSAFE_DIR` unless `dir` and every directory between it and tfwrap's own config or
 * cache directory above it are real directories of this user that group and others cannot write,
 * and the directory holding that root is not open to everyone (unless sticky, like /tmp). Whoever
 * owns or can write one of them can swap the files in it: a planted session or profile would run
 * terraform as someone else's identity, a swapped name cache would pick another stack. A missing
 * directory passes (there is nothing in it to read). POSIX only: Windows has no owner in a mode.
 */
export function checkPrivateDir(dir: string): void {
  walkPrivateDir(dir, false);
}

/** checkPrivateDir; with `tighten`, this user's directories that group or others could write become 0700 instead. */
function walkPrivateDir(dir: string, tighten: boolean): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const target = resolve(dir);
  const root = [...ownRoots].find((r) => target === r || target.startsWith(r + sep));
  for (let current = target; ; current = dirname(current)) {
    // The root may be a symbolic link the user made; below it tfwrap makes only real directories.
    const stat = current === root ? statSync(current, { throwIfNoEntry: false }) : lstatSync(current, { throwIfNoEntry: false });
    if (stat) {
      if (!stat.isDirectory()) throw unsafe(current, 'is not a directory (a symbolic link or a file)');
      if (stat.uid !== uid) throw unsafe(current, `belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
      if (stat.mode & 0o022) {
        if (!tighten) throw unsafe(current, 'is writable by group or others');
        chmodSync(current, 0o700);
      }
    }
    if (root === undefined || current === root) break;
  }
  const above = root === undefined ? undefined : statSync(dirname(root), { throwIfNoEntry: false });
  if (above && above.mode & 0o002 && !(above.mode & 0o1000)) throw unsafe(dirname(root!), 'is writable by everyone (and not sticky)');
}

function unsafe(dir: string, what: string): TfwrapError {
  return new TfwrapError('E_UNSAFE_DIR', `${dir} ${what}: tfwrap keeps credentials and caches there and will not use it`, {
    hint: 'remove it (tfwrap recreates it, 0700, as yours), or set TFWRAP_CONFIG_DIR / TFWRAP_CACHE_DIR to a directory only you can write',
  });
}

/**
 * mkdir -p, 0700, refusing (E_UNSAFE_DIR) before anything is created when a directory on the way
 * is not this user's alone (checkPrivateDir); this user's own group-writable ones are tightened.
 */
export function ensurePrivateDir(dir: string): string {
  walkPrivateDir(dir, true);
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
  const temp = `${file}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
  const { rename, rm, writeFile } = fsPromises();
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
