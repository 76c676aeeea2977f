/**
 * The on-disk session cache (docs/adr/002-session-cache.md). Cloud-free: a session is whatever
 * `Credentials` a kind that opted in (`cache: true`) returned, stored as JSON, 0600, one file per
 * key under `<realmCacheDir>/sessions/<identity>/`.
 *
 * - The key is a hash of the step's kind, name and configuration and of the key (or fingerprint)
 *   of the step it chains from, so an edited configuration or a rotated source never replays.
 * - Writes are a temp file renamed into place: a reader sees the old file or the new, never half.
 * - `withLock` serialises the processes that miss on the same key (proper-lockfile, a directory
 *   lock): the first calls the cloud, the others wait and then read what it wrote.
 * - A file that does not parse is renamed aside (`*.corrupt-<time>`) with a warning.
 */
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Credentials } from './identity.js';
import type { Logger } from './logger.js';
import { ensurePrivateDir, writePrivateFileAtomic } from './paths.js';

export const SESSION_FILE_VERSION = 1;

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
  return createHash('sha256').update(stableStringify(parts)).digest('hex');
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
    const file = this.fileFor(identity, key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as CachedSession;
      if (parsed.version !== SESSION_FILE_VERSION || typeof parsed.credentials?.type !== 'string' || typeof parsed.issuedAt !== 'string') throw new Error('unexpected shape');
      const expiration = parsed.credentials.expiration as unknown;
      if (expiration !== undefined) {
        const date = new Date(expiration as string);
        if (Number.isNaN(date.getTime())) throw new Error('bad expiration');
        parsed.credentials.expiration = date;
      }
      return parsed;
    } catch (err) {
      const aside = `${file}.corrupt-${Date.now()}`;
      await rename(file, aside).catch(() => rm(file, { force: true }));
      this.log.warn(`cached session for "${identity}" was unreadable (${(err as Error).message}); set aside as ${aside} and obtaining a new one`);
      return undefined;
    }
  }

  /** Store atomically: temp file (0600) in the same directory, then rename over the old one. */
  async write(session: Omit<CachedSession, 'version'>, key: string): Promise<void> {
    const file = this.fileFor(session.identity, key);
    ensurePrivateDir(join(file, '..'));
    try {
      await writePrivateFileAtomic(file, JSON.stringify({ version: SESSION_FILE_VERSION, ...session }) + '\n');
    } catch (err) {
      this.log.warn(`could not cache the session for "${session.identity}": ${(err as Error).message}`);
    }
  }

  /**
   * Run `work` holding the lock of `key`, so that one process obtains the session and the others
   * wait for it. If the lock cannot be had in time, work runs unlocked (slower, never wrong).
   */
  async withLock<T>(identity: string, key: string, work: () => Promise<T>): Promise<T> {
    const file = this.fileFor(identity, key);
    ensurePrivateDir(join(file, '..'));
    const { default: lockfile } = await import('proper-lockfile');
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        lockfilePath: `${file}.lock`,
        // Long enough for a slow STS call; proper-lockfile refreshes the lock while it is held.
        stale: 20_000,
        retries: { retries: 400, factor: 1.15, minTimeout: 10, maxTimeout: 100 },
        // The default throws from a timer (a crash) when a busy machine delays the lock refresh;
        // the worst outcome here is one extra STS call, so warn instead.
        onCompromised: (err) => this.log.debug(`session cache lock for "${identity}" lost: ${err.message}`),
      });
    } catch (err) {
      this.log.warn(`could not lock the session cache for "${identity}" (${(err as Error).message}); continuing without it`);
    }
    try {
      return await work();
    } finally {
      await release?.().catch(() => {});
    }
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

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
