/**
 * The sign-in cache: one JSON file per portal (start URL + region) under
 * `<tfwrap cache dir>/aws-sso/`, 0600 in a 0700 directory, shared by every identity and every
 * repository that signs in to the same portal. It holds the OIDC client registration, the access
 * token and the refresh token, so that an expired access token is renewed without a browser.
 *
 * Writes are a temp file renamed into place; a lock per portal keeps two processes from starting
 * two sign-ins at once (the second waits, then reads what the first wrote).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPrivateDir, ensurePrivateDir, withFileLock, writePrivateFileAtomic } from '@tfwrap/core';

const TOKEN_CACHE_VERSION = 1;

export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  /** ISO time after which the registration must be renewed. */
  expiresAt: string;
}

export interface CachedSignIn {
  version: number;
  startUrl: string;
  region: string;
  registration: ClientRegistration;
  accessToken: string;
  /** ISO */
  expiresAt: string;
  refreshToken?: string;
  /** ISO: when the person approved this sign-in (a refresh keeps it). */
  signedInAt: string;
  /** Random, new at each sign-in (not at a refresh): what sessions obtained from it are keyed by. */
  signInId: string;
}

/** `https://x.awsapps.com/start/` and `https://x.awsapps.com/start` are the same portal. */
export function normalizeStartUrl(startUrl: string): string {
  return startUrl.trim().replace(/#.*$/, '').replace(/\/+$/, '');
}

export function portalKey(startUrl: string, region: string): string {
  return createHash('sha256').update(`${normalizeStartUrl(startUrl)}\n${region}`).digest('hex').slice(0, 32);
}

export class TokenCache {
  readonly dir: string;
  readonly file: string;

  constructor(cacheDir: string, readonly startUrl: string, readonly region: string) {
    this.dir = join(cacheDir, 'aws-sso');
    this.file = join(this.dir, `${portalKey(startUrl, region)}.json`);
  }

  private parse(text: string): CachedSignIn | undefined {
    try {
      const parsed = JSON.parse(text) as CachedSignIn;
      if (
        parsed.version !== TOKEN_CACHE_VERSION ||
        typeof parsed.accessToken !== 'string' ||
        typeof parsed.registration?.clientId !== 'string' ||
        typeof parsed.registration?.clientSecret !== 'string' ||
        Number.isNaN(Date.parse(parsed.expiresAt)) ||
        typeof parsed.signInId !== 'string'
      ) {
        return undefined;
      }
      if (normalizeStartUrl(parsed.startUrl) !== normalizeStartUrl(this.startUrl) || parsed.region !== this.region) return undefined;
      return parsed;
    } catch {
      return undefined;
    }
  }

  /** The cached sign-in; undefined when there is none or it cannot be read (it is then replaced). */
  async read(): Promise<CachedSignIn | undefined> {
    try {
      checkPrivateDir(this.dir);
      return this.parse(await readFile(this.file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Synchronous and offline, for fingerprints. */
  readSync(): CachedSignIn | undefined {
    try {
      checkPrivateDir(this.dir); // a sign-in planted by another user is not ours
      return this.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  async write(signIn: Omit<CachedSignIn, 'version'>): Promise<void> {
    ensurePrivateDir(this.dir);
    await writePrivateFileAtomic(this.file, JSON.stringify({ version: TOKEN_CACHE_VERSION, ...signIn }) + '\n');
  }

  async remove(): Promise<void> {
    await rm(this.file, { force: true });
  }

  /**
   * Run `work` holding this portal's lock. Waits while another process holds it (it may be in the
   * middle of a sign-in), until `waitMs` has passed or `signal` aborts; then works unlocked.
   */
  async withLock<T>(work: () => Promise<T>, options: { waitMs: number; signal?: AbortSignal; onWait?: () => void }): Promise<T> {
    ensurePrivateDir(this.dir);
    // A crashed process's lock is taken over after 30 s; the holder refreshes it while it waits for the browser.
    return withFileLock(this.file, work, { ...options, staleMs: 30_000 });
  }
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
