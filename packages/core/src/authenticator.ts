/**
 * Authentication and sessions: walking an identity chain root first, the session cache, the time
 * limit of each step, and asking a kind who its credentials are. Split out of the Tfwrap host so
 * that it holds plugins and configuration, and a `Run` (run.ts) owns what one command does.
 */
import { join } from 'node:path';
import { checkSchema, buildChain, unknownIdentity } from './auth-graph.js';
import { TfwrapError, TfwrapErrors, messageOf } from './errors.js';
import type { AuthResult, AuthStep, Credentials, IdentityConfig } from './identity.js';
import { formatDuration, parseDuration } from './duration.js';
import { SessionCache, credentialsFingerprint, isSessionFresh, stableHash, type CachedSession } from './session-cache.js';
import type { Tfwrap } from './tfwrap.js';
import { observe } from './hooks.js';

export interface AuthenticateOptions {
  /** Ignore cached sessions. */
  fresh?: boolean;
  /** The run's signal: an interrupt abandons every step. */
  signal?: AbortSignal;
  /** `--mfa-token`: a one-time code for the kinds that need one. */
  mfaToken?: string;
}

export interface SessionSettings {
  /** Cached sessions are replaced when fewer seconds than this remain (default 15 min). */
  refreshMarginSeconds: number;
  /** A run does not start with a session that has fewer seconds than this left (default 5 min). */
  minRemainingSeconds: number;
}

/** Bump to orphan every cached session when the key's ingredients change. */
const SESSION_KEY_VERSION = 'tfwrap-session-v1';

function stepOf(identity: string, kind: string, credentials: Credentials | undefined, cached: boolean): AuthStep {
  return { identity, kind, credentials, principalArn: credentials?.principalArn as string | undefined, cached, expiration: credentials?.expiration };
}

export class Authenticator {
  constructor(private readonly host: Tfwrap) {}

  /** Check the identities of one chain only: a run pays for what it uses. */
  private async checkChain(chain: readonly string[]): Promise<void> {
    const identities = this.host.identities();
    const problems: TfwrapError[] = [];
    for (const name of chain) {
      const config = identities[name]!;
      // Throws E_KIND_UNKNOWN, listing the known kinds, when no plugin provides it.
      const kind = this.host.identityKinds.require(config.kind, name);
      problems.push(...(await checkSchema(name, config, kind.schema, kind.plugin, this.host.loaded.file)));
    }
    if (problems.length === 1) throw problems[0];
    if (problems.length > 1) throw new TfwrapErrors(problems);
  }

  /**
   * Authenticate `identity`, root of its chain first, each step feeding the next. Steps of kinds
   * with `cache: true` come from the session cache while they have more than the refresh margin
   * left; a warm run whose target is cached resolves nothing else (docs/adr/002-session-cache.md).
   */
  async authenticate(identity: string, options: AuthenticateOptions = {}): Promise<AuthResult> {
    const identities = this.host.identities();
    if (!identities[identity]) throw unknownIdentity(identity, Object.keys(identities));
    const chain = buildChain(identities, identity);
    await this.checkChain(chain);
    const fresh = options.fresh ?? false;
    const kinds = chain.map((name) => this.host.identityKinds.require(identities[name]!.kind, name));
    // Policy taps see every step before any credentials are fetched or read from the cache, root first.
    for (const [index, name] of chain.entries()) {
      await this.host.hooks.beforeAuthenticate.promise({ identity: name, kind: kinds[index]!.kind, config: identities[name]!, sourceIdentity: index > 0 ? chain[index - 1] : undefined, step: index, chain });
    }
    const impls = await Promise.all(kinds.map((kind) => this.host.log.time(`load kind ${kind.kind}`, () => this.host.identityKinds.load(kind.kind))));
    throwIfInterrupted(options.signal);
    const steps: Array<AuthStep | undefined> = new Array(chain.length);

    const runStep = async (index: number, source: Credentials | undefined): Promise<Credentials | undefined> => {
      const name = chain[index]!;
      const kind = kinds[index]!;
      throwIfInterrupted(options.signal);
      const limit = withTimeLimit(this.authTimeoutMs(kind.timeoutMs), options.signal);
      let credentials: Credentials | undefined;
      try {
        credentials = await this.host.log.time(`authenticate ${name} (${kind.kind})`, () =>
          limit.race(
            impls[index]!.authenticate({
              identity: name,
              config: identities[name]!,
              source,
              sourceIdentity: index > 0 ? chain[index - 1] : undefined,
              parentEnv: this.host.parentEnv,
              signal: limit.signal,
              fresh,
              mfaToken: options.mfaToken,
              log: this.host.log.child(name),
              secret: (value) => this.host.redactor.add(value),
            }),
          ),
        );
      } catch (err) {
        throw this.authError(err, name, kind.kind, chain, index, kind.plugin);
      } finally {
        limit.clear();
      }
      this.registerSecrets(credentials);
      steps[index] = stepOf(name, kind.kind, credentials, false);
      return credentials;
    };

    // Cache keys are known before anything is resolved when the root can fingerprint its source
    // offline; otherwise the root is resolved first (offline or cheap for IMDS/ECS) and its
    // credentials are fingerprinted.
    const cacheable = kinds.some((kind) => kind.cache);
    let rootCredentials: { value: Credentials | undefined } | undefined;
    let previousKey = '';
    if (cacheable && !kinds[0]!.cache) {
      const offline = impls[0]!.sourceFingerprint?.({ identity: chain[0]!, config: identities[chain[0]!]!, parentEnv: this.host.parentEnv });
      if (offline !== undefined) {
        previousKey = stableHash('offline-source', kinds[0]!.kind, chain[0], identities[chain[0]!], offline);
      } else {
        rootCredentials = { value: await runStep(0, undefined) };
        previousKey = credentialsFingerprint(rootCredentials.value);
      }
    } else if (kinds[0]!.cache) {
      // A cached root may still know offline what it resolves from (aws/user: keys named by
      // environment variables), so that rotated keys never replay a session of the old ones.
      const offline = impls[0]!.sourceFingerprint?.({ identity: chain[0]!, config: identities[chain[0]!]!, parentEnv: this.host.parentEnv });
      if (offline !== undefined) previousKey = stableHash('offline-source', offline);
    }
    // Only a chain with a step that caches has keys and a cache (a chain without one hashes nothing).
    const keys = cacheable ? chain.map((name, index) => (previousKey = stableHash(SESSION_KEY_VERSION, kinds[index]!.kind, name, identities[name], previousKey))) : [];
    const cache = cacheable ? new SessionCache(join(this.host.paths.realmCacheDir, 'sessions'), this.host.log) : undefined;
    const validity = { marginSeconds: this.sessionSettings().refreshMarginSeconds };

    const fromCache = async (index: number, session: CachedSession): Promise<Credentials> => {
      this.registerSecrets(session.credentials);
      steps[index] = stepOf(chain[index]!, kinds[index]!.kind, session.credentials, true);
      session.chain.forEach((summary, i) => {
        // A step the warm run did not need: reported from the summary; "cached" only if its kind caches.
        steps[i] ??= { identity: summary.identity, kind: summary.kind, principalArn: summary.principalArn, expiration: summary.expiration ? new Date(summary.expiration) : undefined, cached: kinds[i]?.cache === true };
      });
      this.host.log.debug(`${chain[index]}: cached session, ${session.credentials.expiration ? `expires ${session.credentials.expiration.toISOString()}` : 'no expiry'}`);
      return session.credentials;
    };
    const readFresh = async (index: number) => {
      const session = await cache!.read(chain[index]!, keys[index]!);
      return session && isSessionFresh(session, validity) ? session : undefined;
    };

    // Target first: a hit ends the walk; a miss locks the step (one process per key calls the
    // cloud), obtains its source recursively, and stores the result.
    const obtain = async (index: number): Promise<Credentials | undefined> => {
      if (index === 0 && rootCredentials) return rootCredentials.value;
      const source = () => (index > 0 ? obtain(index - 1) : Promise.resolve(undefined));
      if (!kinds[index]!.cache) return runStep(index, await source());
      const name = chain[index]!;
      if (!fresh) {
        const hit = await readFresh(index);
        if (hit) return fromCache(index, hit);
      }
      return cache!.withLock(name, keys[index]!, async () => {
        if (!fresh) {
          const hit = await readFresh(index); // another process may have just written it
          if (hit) return fromCache(index, hit);
        }
        const credentials = await runStep(index, await source());
        if (credentials) {
          await cache!.write(
            {
              identity: name,
              kind: kinds[index]!.kind,
              issuedAt: new Date().toISOString(),
              credentials,
              chain: steps.slice(0, index).map((step) => ({ identity: step!.identity, kind: step!.kind, principalArn: step!.principalArn, expiration: step!.expiration?.toISOString() })),
            },
            keys[index]!,
          );
        }
        return credentials;
      });
    };

    const credentials = await obtain(chain.length - 1);
    const target = identities[identity]!;
    const result: AuthResult = { identity, kind: target.kind, config: target, credentials, chain: steps.map((step, i) => step ?? { identity: chain[i]!, kind: kinds[i]!.kind, cached: kinds[i]!.cache === true }) };
    // An observer: a tap that throws is reported, and the run goes on with the credentials it has.
    await observe(this.host, () => this.host.hooks.afterAuthenticate.promise(result));
    return result;
  }

  /** `auth.session` in tfwrap.yaml, with the environment overriding it. */
  sessionSettings(): SessionSettings {
    const section = ((this.host.config.auth as { session?: Record<string, unknown> } | undefined)?.session ?? {}) as Record<string, string | number | undefined>;
    const pick = (envName: string, field: string, fallback: number): number => {
      const raw = this.host.parentEnv[envName] ?? section[field];
      if (raw === undefined || raw === '') return fallback;
      const seconds = parseDuration(raw);
      if (seconds === undefined) {
        throw new TfwrapError('E_CONFIG_INVALID', `${this.host.parentEnv[envName] !== undefined ? envName : `auth.session.${field}`}: "${raw}" is not a duration`, { hint: 'write it as 15m, 900s or 1h' });
      }
      return seconds;
    };
    return {
      refreshMarginSeconds: pick('TFWRAP_SESSION_REFRESH_MARGIN', 'refresh_margin', 15 * 60),
      minRemainingSeconds: pick('TFWRAP_SESSION_MIN_REMAINING', 'min_remaining', 5 * 60),
    };
  }

  /**
   * Before a run: a target session with less than `min_remaining` left is obtained again; if the
   * new one is still too short, the run stops rather than dying half-way through an apply.
   */
  async ensureRemainingLifetime(auth: AuthResult, options: AuthenticateOptions = {}): Promise<AuthResult> {
    const { minRemainingSeconds } = this.sessionSettings();
    const remaining = (a: AuthResult) => (a.credentials?.expiration ? (a.credentials.expiration.getTime() - Date.now()) / 1000 : Infinity);
    if (remaining(auth) >= minRemainingSeconds) return auth;
    this.host.log.debug(`${auth.identity}: ${Math.round(remaining(auth))} s left, under the minimum of ${minRemainingSeconds} s; obtaining a new session`);
    const again = await this.authenticate(auth.identity, { ...options, fresh: true });
    if (remaining(again) >= minRemainingSeconds) return again;
    throw new TfwrapError('E_AUTH_EXPIRING', `identity "${auth.identity}": its credentials expire in ${formatDuration(Math.max(0, Math.round(remaining(again))))}, less than the ${formatDuration(minRemainingSeconds)} a run needs`, {
      identity: auth.identity,
      hint: 'refresh the source credentials, or lower auth.session.min_remaining (TFWRAP_SESSION_MIN_REMAINING)',
    });
  }

  /**
   * `tfwrap auth logout`: delete cached sessions and each kind's managed files, for one identity
   * or all. Returns the identities it cleaned.
   */
  async logout(identity?: string): Promise<string[]> {
    const identities = this.host.identities();
    if (identity !== undefined && !identities[identity]) throw unknownIdentity(identity, Object.keys(identities));
    const cache = new SessionCache(join(this.host.paths.realmCacheDir, 'sessions'), this.host.log);
    const names = identity ? [identity] : Object.keys(identities);
    cache.remove(identity);
    for (const name of names) {
      const config = identities[name]!;
      if (!this.host.identityKinds.get(config.kind)) continue;
      const impl = await this.host.identityKinds.load(config.kind);
      await impl.logout?.({ identity: name, config, paths: this.host.paths });
    }
    return names;
  }

  /** The time limit of one authentication step, in ms. */
  authTimeoutMs(kindDefault?: number): number {
    const fromEnv = Number(this.host.parentEnv.TFWRAP_AUTH_TIMEOUT);
    if (fromEnv > 0) return fromEnv * 1000;
    return kindDefault ?? DEFAULT_AUTH_TIMEOUT_MS;
  }

  private authError(err: unknown, name: string, kind: string, chain: readonly string[], index: number, plugin: string): TfwrapError {
    if (err instanceof TfwrapError) return err.about(name, { chain, step: index, plugin });
    const step = chain.length > 1 ? ` (step ${index + 1} of ${chain.join(' -> ')})` : '';
    return new TfwrapError('E_AUTH_FAILED', `identity "${name}" (${kind})${step} failed to authenticate: ${this.host.redactor.redact(messageOf(err))}`, {
      identity: name,
      chain,
      plugin,
      hint: 'run with --debug for the time spent in each step',
      cause: err,
    });
  }

  /** Every string field of credentials is a secret unless it is a known public one. */
  private registerSecrets(credentials: Credentials | undefined): void {
    if (!credentials) return;
    for (const [field, value] of Object.entries(credentials)) {
      if (typeof value === 'string' && !/^(type|region|principalArn|accessKeyId|account|arn)$/.test(field)) this.host.redactor.add(value);
    }
  }

  /** Ask the identity's kind who its credentials are. */
  async whoami(auth: AuthResult, signal?: AbortSignal) {
    const impl = await this.host.identityKinds.load(auth.kind);
    if (!impl.whoami) {
      throw new TfwrapError('E_AUTH_FAILED', `identity "${auth.identity}" (kind ${auth.kind}) cannot tell who it is`, {
        identity: auth.identity,
        hint: 'whoami needs a kind that yields cloud credentials, such as aws/ambient',
      });
    }
    const limit = withTimeLimit(this.authTimeoutMs(), signal);
    try {
      return await limit.race(impl.whoami(auth.credentials, { identity: auth.identity, config: auth.config as IdentityConfig, parentEnv: this.host.parentEnv, signal: limit.signal }));
    } catch (err) {
      if (err instanceof TfwrapError && err.identity !== undefined) throw err;
      const message = err instanceof TfwrapError ? err.message : this.host.redactor.redact(messageOf(err));
      throw new TfwrapError(err instanceof TfwrapError ? err.code : 'E_AUTH_FAILED', `identity "${auth.identity}" (${auth.kind}): cannot tell who it is: ${message}`, {
        identity: auth.identity,
        hint: err instanceof TfwrapError ? err.hint : 'check the endpoint and that the credentials are valid',
        cause: err,
      });
    } finally {
      limit.clear();
    }
  }
}

const DEFAULT_AUTH_TIMEOUT_MS = 10_000;

/**
 * A time limit for work that may never finish (the SDK waits forever on an ECS endpoint that
 * accepts a connection and never answers): the work is abandoned, not awaited, when time is up.
 */
export interface TimeLimit {
  signal: AbortSignal;
  race<T>(work: Promise<T>): Promise<T>;
  clear(): void;
}

export function withTimeLimit(ms: number, outer?: AbortSignal): TimeLimit {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TfwrapError('E_AUTH_TIMEOUT', `gave up after ${ms / 1000} s without an answer`, {
        hint: 'a credential endpoint did not answer; check the network, or raise TFWRAP_AUTH_TIMEOUT (seconds)',
      }));
    }, ms);
    onAbort = () => {
      controller.abort();
      reject(new TfwrapError('E_INTERRUPTED', 'interrupted'));
    };
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
  });
  expired.catch(() => {});
  return {
    signal: controller.signal,
    race: <T>(work: Promise<T>) => Promise.race([work, expired]),
    clear: () => {
      clearTimeout(timer);
      if (onAbort) outer?.removeEventListener('abort', onAbort);
    },
  };
}

/** Stop before starting more work once the run was interrupted. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TfwrapError('E_INTERRUPTED', 'interrupted');
}
