/**
 * Where `tfwrap auth user configure` keeps an IAM user's long-lived keys, and how runs read them.
 *
 * Backends (TFWRAP_KEYRING overrides `credentials.keyring`, default `system`):
 * - `system`: the OS keychain through @napi-rs/keyring (macOS Keychain, Windows Credential
 *   Manager, Secret Service or the kernel keyring on Linux). Every call runs in a child process
 *   with a time limit, so a locked or absent keychain (a D-Bus that never answers) cannot hang a
 *   run: the child is killed and the run falls back to the file store.
 * - `file`: one JSON file per entry, 0600, in a 0700 directory under tfwrap's config directory.
 *   Plain text on disk, like ~/.aws/credentials (docs/identities/aws-user.md says why).
 * - `memory`: this process only; nothing is stored anywhere (tests, and hosts that must keep no key).
 *
 * Reads with `system` selected try the keychain, then the file store; `file` and `memory` read only
 * themselves. Writes go to the selected backend only: a keychain that fails is an error with a hint,
 * never a silent downgrade to a plain file.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPrivateDir, ensurePrivateDir, messageOf, writePrivateFileAtomic } from '@tfwrap/core';
import { KEYRING_BACKENDS, type KeyringBackendName } from './schema.js';

export { KEYRING_BACKENDS, type KeyringBackendName } from './schema.js';

/** The keychain service name every entry is filed under. */
export const KEYCHAIN_SERVICE = 'tfwrap-aws-user';
/** The variable that picks the backend, over the configuration. */
export const KEYRING_ENV = 'TFWRAP_KEYRING';
/** Seconds one keychain call may take (default 5; 30 on a terminal, where an unlock dialog may need a person). */
export const KEYRING_TIMEOUT_ENV = 'TFWRAP_KEYRING_TIMEOUT';

export interface StoredKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface KeyBackend {
  readonly name: KeyringBackendName;
  /** Where the keys live, for messages: `the system keychain`, a file path. */
  describe(entry: string): string;
  get(entry: string, signal: AbortSignal): Promise<StoredKeys | undefined>;
  set(entry: string, keys: StoredKeys, signal: AbortSignal): Promise<void>;
  delete(entry: string, signal: AbortSignal): Promise<boolean>;
}

export interface KeyStoreOptions {
  selected: KeyringBackendName;
  backends: Record<KeyringBackendName, KeyBackend>;
  /** One backend call's time limit. */
  timeoutMs: number;
}

export interface ReadOutcome {
  keys?: StoredKeys;
  /** The backend that had them. */
  from?: KeyringBackendName;
  where?: string;
  /** Backends that failed (not: had no entry), one short reason each. */
  problems: string[];
  /** Every backend tried, in order. */
  tried: KeyringBackendName[];
}

/** The backends a read tries, in order. */
export function readOrder(selected: KeyringBackendName): KeyringBackendName[] {
  return selected === 'system' ? ['system', 'file'] : [selected];
}

/** A backend call with a time limit: on time-out the call is aborted (the keychain child is killed). */
async function limited<T>(backend: KeyBackend, what: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${label(backend.name)} did not answer ${what} within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

export function label(name: KeyringBackendName): string {
  return name === 'system' ? 'the system keychain' : name === 'file' ? 'the file store' : 'the memory store';
}

export class KeyStore {
  constructor(readonly options: KeyStoreOptions) {}

  get selected(): KeyringBackendName {
    return this.options.selected;
  }

  describe(entry: string, name: KeyringBackendName = this.selected): string {
    return this.options.backends[name].describe(entry);
  }

  /** The keys of `entry` from the first backend in read order that has them; never throws. */
  async read(entry: string): Promise<ReadOutcome> {
    const outcome: ReadOutcome = { problems: [], tried: [] };
    for (const name of readOrder(this.selected)) {
      const backend = this.options.backends[name];
      outcome.tried.push(name);
      try {
        const keys = await limited(backend, 'a read', this.options.timeoutMs, (signal) => backend.get(entry, signal));
        if (keys) return { ...outcome, keys, from: name, where: backend.describe(entry) };
      } catch (err) {
        outcome.problems.push(`${label(name)}: ${messageOf(err)}`);
      }
    }
    return outcome;
  }

  /** Store in the selected backend; throws a one-line Error when it cannot. */
  async write(entry: string, keys: StoredKeys): Promise<string> {
    const backend = this.options.backends[this.selected];
    await limited(backend, 'a write', this.options.timeoutMs, (signal) => backend.set(entry, keys, signal));
    return backend.describe(entry);
  }

  /** Delete from every backend a read would try; returns where something was removed. */
  async remove(entry: string): Promise<{ removed: string[]; problems: string[] }> {
    const removed: string[] = [];
    const problems: string[] = [];
    for (const name of readOrder(this.selected)) {
      const backend = this.options.backends[name];
      try {
        if (await limited(backend, 'a delete', this.options.timeoutMs, (signal) => backend.delete(entry, signal))) removed.push(backend.describe(entry));
      } catch (err) {
        problems.push(`${label(name)}: ${messageOf(err)}`);
      }
    }
    return { removed, problems };
  }
}

/** Which backend: TFWRAP_KEYRING, then the identity's `credentials.keyring`, then `system`. */
export function selectBackend(env: Readonly<Record<string, string | undefined>>, configured: KeyringBackendName | undefined): KeyringBackendName {
  const fromEnv = env[KEYRING_ENV]?.trim().toLowerCase();
  if (fromEnv) {
    if (!(KEYRING_BACKENDS as readonly string[]).includes(fromEnv)) {
      throw new Error(`${KEYRING_ENV}="${env[KEYRING_ENV]}" is not a keyring backend; use one of ${KEYRING_BACKENDS.join(', ')}`);
    }
    return fromEnv as KeyringBackendName;
  }
  return configured ?? 'system';
}

export function keyringTimeoutMs(env: Readonly<Record<string, string | undefined>>, interactive: boolean): number {
  const seconds = Number(env[KEYRING_TIMEOUT_ENV]);
  if (seconds > 0) return seconds * 1000;
  return interactive ? 30_000 : 5_000;
}

/** The keychain/file entry of an identity: `credentials.entry`, else `<realm>/<identity>`. */
export function entryName(identity: string, realm: string, configured?: string): string {
  return configured ?? `${realm}/${identity}`;
}

export interface OpenKeyStoreOptions {
  env: Readonly<Record<string, string | undefined>>;
  configDir: string;
  configured?: KeyringBackendName;
  interactive?: boolean;
}

export function openKeyStore(options: OpenKeyStoreOptions): KeyStore {
  return new KeyStore({
    selected: selectBackend(options.env, options.configured),
    timeoutMs: keyringTimeoutMs(options.env, options.interactive ?? false),
    backends: {
      system: systemBackend(options.env),
      file: fileBackend(join(options.configDir, 'aws-user-keys')),
      memory: memoryBackend(),
    },
  });
}

// ---- memory ---------------------------------------------------------------------------------

const memory = new Map<string, StoredKeys>();

export function memoryBackend(store: Map<string, StoredKeys> = memory): KeyBackend {
  return {
    name: 'memory',
    describe: () => 'memory (this process only)',
    get: async (entry) => store.get(entry),
    set: async (entry, keys) => void store.set(entry, { ...keys }),
    delete: async (entry) => store.delete(entry),
  };
}

// ---- file -----------------------------------------------------------------------------------

/** Entry names become file names: readable, but nothing that leaves the directory. */
export function entryFile(dir: string, entry: string): string {
  return join(dir, `${encodeURIComponent(entry).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length))}.json`);
}

export function fileBackend(dir: string): KeyBackend {
  return {
    name: 'file',
    describe: (entry) => entryFile(dir, entry),
    async get(entry) {
      const file = entryFile(dir, entry);
      let mode: number;
      try {
        mode = statSync(file).mode;
      } catch {
        return undefined;
      }
      // Keys in a directory another user can write could be theirs: refused (E_UNSAFE_DIR).
      checkPrivateDir(dir);
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new Error(`${file} may be read by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it, or configure the keys again`);
      }
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { access_key_id?: unknown; secret_access_key?: unknown };
      if (typeof parsed.access_key_id !== 'string' || typeof parsed.secret_access_key !== 'string') throw new Error(`${file} does not hold access_key_id and secret_access_key`);
      return { accessKeyId: parsed.access_key_id, secretAccessKey: parsed.secret_access_key };
    },
    async set(entry, keys) {
      ensurePrivateDir(dir);
      const file = entryFile(dir, entry);
      await writePrivateFileAtomic(file, JSON.stringify({ version: 1, entry, access_key_id: keys.accessKeyId, secret_access_key: keys.secretAccessKey }) + '\n');
    },
    async delete(entry) {
      const file = entryFile(dir, entry);
      try {
        statSync(file);
      } catch {
        return false;
      }
      rmSync(file, { force: true });
      return true;
    },
  };
}

// ---- system ---------------------------------------------------------------------------------

export interface KeychainRequest {
  op: 'get' | 'set' | 'delete';
  service: string;
  account: string;
  value?: string;
}

const HELPER = fileURLToPath(new URL('./keychain-child.js', import.meta.url));

/**
 * The OS keychain, one child process per call: @napi-rs/keyring is loaded there (never in
 * tfwrap's own process), the secret travels over pipes (never argv), and a child that hangs on
 * a keychain that never answers is killed when the call's time is up.
 */
export function systemBackend(env: Readonly<Record<string, string | undefined>>, helper = HELPER): KeyBackend {
  const call = (request: KeychainRequest, signal: AbortSignal) =>
    new Promise<string | boolean | null>((resolve, reject) => {
      const child = spawn(process.execPath, [helper], { env: definedOnly(env), stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const kill = () => child.kill('SIGKILL');
      signal.addEventListener('abort', kill, { once: true });
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.on('error', (e) => reject(e));
      child.on('close', (code) => {
        signal.removeEventListener('abort', kill);
        if (signal.aborted) return reject(new Error('aborted'));
        try {
          const answer = JSON.parse(out) as { ok: boolean; value?: string | boolean | null; error?: string };
          if (answer.ok) return resolve(answer.value ?? null);
          return reject(new Error(answer.error ?? 'the keychain refused'));
        } catch {
          return reject(new Error(`the keychain helper ended (code ${code}) without an answer${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}`));
        }
      });
      child.stdin.on('error', () => {}); // a child that died early closes the pipe; close reports it
      child.stdin.end(JSON.stringify(request));
    });
  return {
    name: 'system',
    describe: (entry) => `the system keychain (service ${KEYCHAIN_SERVICE}, account ${entry})`,
    async get(entry, signal) {
      const value = await call({ op: 'get', service: KEYCHAIN_SERVICE, account: entry }, signal);
      if (typeof value !== 'string') return undefined;
      const parsed = JSON.parse(value) as { access_key_id?: unknown; secret_access_key?: unknown };
      if (typeof parsed.access_key_id !== 'string' || typeof parsed.secret_access_key !== 'string') throw new Error(`the keychain entry ${entry} does not hold access_key_id and secret_access_key`);
      return { accessKeyId: parsed.access_key_id, secretAccessKey: parsed.secret_access_key };
    },
    async set(entry, keys, signal) {
      await call({ op: 'set', service: KEYCHAIN_SERVICE, account: entry, value: JSON.stringify({ access_key_id: keys.accessKeyId, secret_access_key: keys.secretAccessKey }) }, signal);
    },
    async delete(entry, signal) {
      return (await call({ op: 'delete', service: KEYCHAIN_SERVICE, account: entry }, signal)) === true;
    },
  };
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
