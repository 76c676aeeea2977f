/**
 * The on-disk session cache (docs/adr/002-session-cache.md). Cloud-free: a session is whatever
 * `Credentials` a kind that opted in (`cache: true`) returned, stored as JSON, 0600, one file per
 * key under `<realmCacheDir>/sessions/<identity>/`.
 *
 * - The key is a hash of the step's kind, name and configuration and of the key (or fingerprint)
 *   of the step it chains from, so an edited configuration or a rotated source never replays.
 * - Writes are a temp file renamed into place: a reader sees the old file or the new, never half.
 * - `withLock` serialises the processes that miss on the same key (`withFileLock`, a directory
 *   lock): the first calls the cloud, the others wait and then read what it wrote.
 * - The cache is an optimisation and always degrades to "no cache": a file that is too large, does
 *   not parse or does not match `cachedSessionFileSchema` (the schema writes are checked against
 *   too) is renamed aside (`*.corrupt-<time>`) with a warning; a directory tfwrap may not read or
 *   write (another user's, read-only) is one warning, and the run goes on uncached.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { isTfwrapError, messageOf } from './errors.js';
import type { Credentials } from './identity.js';
import type { Logger } from './logger.js';
import { checkPrivateDir, ensurePrivateDir, writePrivateFileAtomic } from './paths.js';
import { withFileLock } from './file-lock.js';
import { crypto, fsPromises } from './lazy-builtins.js';

export const SESSION_FILE_VERSION = 1;

/** A session file is well under a KiB; anything past this is not one, and is not read. */
export const MAX_SESSION_FILE_BYTES = 64 * 1024;

const isoDate = v.pipe(v.string(), v.check((text) => !Number.isNaN(Date.parse(text)), 'not a date'));

/** A session file as stored (dates as ISO text). Reads and writes are both checked against it. */
export const cachedSessionFileSchema = v.object({
  version: v.literal(SESSION_FILE_VERSION),
  identity: v.string(),
  kind: v.string(),
  issuedAt: isoDate,
  // A kind's own fields pass as they are; core needs only the type and the expiry.
  credentials: v.looseObject({ type: v.string(), expiration: v.optional(isoDate) }),
  chain: v.array(
    v.object({
      identity: v.string(),
      kind: v.string(),
      principalArn: v.optional(v.string()),
      expiration: v.optional(isoDate),
    }),
  ),
});

/** Errors of the file system that mean "tfwrap may not use this directory", not "no file". */
function isAccessProblem(err: unknown): boolean {
  if (isTfwrapError(err)) return err.code === 'E_UNSAFE_DIR';
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ELOOP';
}

/** Directories already reported as unusable: one warning per run, not one per step. */
const unusableDirs = new Set<string>();

/** A step before the cached one, as `auth whoami` shows it (no credentials). */
export interface CachedStepSummary {
  identity: string;
  kind: string;
  principalArn?: string;
  expiration?: string;
}

export interface CachedSession {
  version: number;
  identity: string;
  kind: string;
  /** When the session was obtained (ISO); with `expiration` it gives the lifetime. */
  issuedAt: string;
  credentials: Credentials;
  /** The steps that led to this one, root first. */
  chain: CachedStepSummary[];
}

/** A stable hash of any JSON value (object keys sorted). */
export function stableHash(...parts: unknown[]): string {
  return crypto().createHash('sha256').update(stableStringify(parts)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A digest of resolved credentials, to key what was obtained from them. Every field takes part
 * (keys, token, expiry), so any rotation changes it. Only the digest is ever stored.
 */
export function credentialsFingerprint(credentials: Credentials | undefined): string {
  return stableHash('tfwrap-source-credentials', credentials ?? null);
}

/** Identity names become directory names: keep them readable but safe. */
function identityDir(name: string): string {
  return encodeURIComponent(name).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length));
}

export interface SessionValidity {
  /** Reuse while more than this many seconds remain (capped at half the session's lifetime). */
  marginSeconds: number;
  now?: number;
}

/** Is a cached session still good to hand out? */
export function isSessionFresh(session: Pick<CachedSession, 'issuedAt' | 'credentials'>, validity: SessionValidity): boolean {
  const expiration = session.credentials.expiration;
  if (!expiration) return true;
  const now = validity.now ?? Date.now();
  const lifetime = (expiration.getTime() - Date.parse(session.issuedAt)) / 1000;
  const margin = Math.min(validity.marginSeconds, Math.max(lifetime / 2, 0));
  return (expiration.getTime() - now) / 1000 > margin;
}

export class SessionCache {
  constructor(readonly dir: string, private readonly log: Logger) {}

  fileFor(identity: string, key: string): string {
    return join(this.dir, identityDir(identity), `${key.slice(0, 40)}.json`);
  }

  /** The cached session, undefined when there is none; a corrupt file is set aside. */
  async read(identity: string, key: string): Promise<CachedSession | undefined> {
    if (this.unusable) return undefined;
    const file = this.fileFor(identity, key);
    let text: string;
    try {
      checkPrivateDir(join(file, '..'));
      text = await readCapped(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof TooLarge) return this.setAside(file, identity, err.message);
      this.giveUp(err);
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return this.setAside(file, identity, messageOf(err));
    }
    const result = v.safeParse(cachedSessionFileSchema, parsed);
    if (!result.success) {
      const issue = result.issues[0]!;
      const where = v.getDotPath(issue);
      return this.setAside(file, identity, `${where ? `${where}: ` : ''}${issue.message}`);
    }
    const session = result.output;
    const expiration = session.credentials.expiration;
    return { ...session, credentials: { ...session.credentials, expiration: expiration === undefined ? undefined : new Date(expiration) } } as CachedSession;
  }

  private async setAside(file: string, identity: string, why: string): Promise<undefined> {
    const aside = `${file}.corrupt-${Date.now()}`;
    const { rename, rm } = fsPromises();
    await rename(file, aside).catch(() => rm(file, { force: true })).catch(() => {});
    this.log.warn(`cached session for "${identity}" was unreadable (${why}); set aside as ${aside} and obtaining a new one`);
    return undefined;
  }

  /** True once the directory proved unusable in this run: every later use is skipped. */
  private get unusable(): boolean {
    return unusableDirs.has(this.dir);
  }

  /** A directory tfwrap cannot use: warn once and run without the cache. */
  private giveUp(err: unknown): void {
    if (this.unusable) return;
    unusableDirs.add(this.dir);
    if (isTfwrapError(err)) {
      this.log.warn(`cannot use the session cache: ${err.message}; running without it. Hint: ${err.hint}`);
      return;
    }
    const code = (err as NodeJS.ErrnoException).code;
    this.log.warn(`cannot use the session cache in ${this.dir} (${code ?? messageOf(err)}); running without it. Hint: make it writable by this user, or point TFWRAP_CACHE_DIR elsewhere`);
  }

  /** ensurePrivateDir, or false (with the one warning) when the directory cannot be used. */
  private prepareDir(file: string): boolean {
    if (this.unusable) return false;
    try {
      ensurePrivateDir(join(file, '..'));
      return true;
    } catch (err) {
      if (!isAccessProblem(err)) throw err;
      this.giveUp(err);
      return false;
    }
  }

  /** Store atomically: temp file (0600) in the same directory, then rename over the old one. */
  async write(session: Omit<CachedSession, 'version'>, key: string): Promise<void> {
    const file = this.fileFor(session.identity, key);
    if (!this.prepareDir(file)) return;
    // JSON turns the dates into ISO text: what is written is checked against what reads accept.
    const stored = JSON.parse(JSON.stringify({ version: SESSION_FILE_VERSION, ...session })) as unknown;
    const checked = v.safeParse(cachedSessionFileSchema, stored);
    if (!checked.success) {
      this.log.warn(`not caching the session for "${session.identity}": ${v.getDotPath(checked.issues[0]!) ?? 'it'} ${checked.issues[0]!.message}`);
      return;
    }
    try {
      await writePrivateFileAtomic(file, JSON.stringify(stored) + '\n');
    } catch (err) {
      if (isAccessProblem(err)) return this.giveUp(err);
      this.log.warn(`could not cache the session for "${session.identity}": ${messageOf(err)}`);
    }
  }

  /**
   * Run `work` holding the lock of `key`, so that one process obtains the session and the others
   * wait for it. If the lock cannot be had in time, work runs unlocked (slower, never wrong).
   */
  async withLock<T>(identity: string, key: string, work: () => Promise<T>): Promise<T> {
    const file = this.fileFor(identity, key);
    if (!this.prepareDir(file)) return work();
    return withFileLock(file, work, {
      // Long enough for a slow STS call by the holder, which refreshes the lock while it works.
      waitMs: 40_000,
      staleMs: 20_000,
      onCompromised: (err) => this.log.debug(`session cache lock for "${identity}" lost: ${err.message}`),
      onUnlocked: (err) => {
        if (isAccessProblem(err)) this.giveUp(err);
        else this.log.warn(`could not lock the session cache for "${identity}" (${messageOf(err)}); continuing without it`);
      },
    });
  }

  /** Drop one identity's sessions, or all of them. Returns how many files were removed. */
  remove(identity?: string): number {
    const dirs = identity ? [join(this.dir, identityDir(identity))] : safeList(this.dir).map((d) => join(this.dir, d));
    let count = 0;
    for (const dir of dirs) {
      count += safeList(dir).filter((f) => f.endsWith('.json')).length;
      rmSync(dir, { recursive: true, force: true });
    }
    return count;
  }
}

class TooLarge extends Error {}

/** The file's text, without reading more than the cap: a huge file is refused from its size. */
async function readCapped(file: string): Promise<string> {
  const handle = await fsPromises().open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_SESSION_FILE_BYTES) throw new TooLarge(`${size} bytes, more than a session file holds`);
    const buffer = Buffer.alloc(MAX_SESSION_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_SESSION_FILE_BYTES) throw new TooLarge(`more than ${MAX_SESSION_FILE_BYTES} bytes, more than a session file holds`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
