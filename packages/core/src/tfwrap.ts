/**
 * The Tfwrap object: what plugins receive in `apply`, and what commands use to authenticate an
 * identity, prepare a child's environment and run it. One per process, like webpack's Compiler.
 */
import { checkSchema, buildChain, unknownIdentity, validateIdentities, type Identities } from './auth-graph.js';
import { loadConfig, locate, type LoadedConfig } from './config.js';
import { TfwrapError, TfwrapErrors, messageOf } from './errors.js';
import { runChild, type SpawnOptions, type SpawnResult } from './exec.js';
import { TfwrapHooks, instrumentHooks, type ExecRequest, type ExecResult, type PrepareEnvInfo, type TapRecord } from './hooks.js';
import type { AuthResult, AuthStep, Credentials, Env, IdentityConfig, LiveRun } from './identity.js';
import { Redactor, createLogger, type Logger } from './logger.js';
import { tfwrapPaths, type TfwrapPaths } from './paths.js';
import { isPluginNeeded, loadPlugin, pluginRequestsFrom, readDeclarations, resolvePlugin, type LoadedPlugin, type PluginRequest } from './plugins.js';
import { IdentityKindRegistry } from './registry.js';
import { join } from 'node:path';
import { formatDuration, parseDuration } from './duration.js';
import { SessionCache, credentialsFingerprint, isSessionFresh, stableHash, type CachedSession } from './session-cache.js';

export interface TfwrapOptions {
  cwd: string;
  /** `--config` / `TFWRAP_CONFIG`. */
  configPath?: string;
  /** The environment tfwrap was started with. */
  env?: Readonly<Record<string, string | undefined>>;
  debug?: boolean;
  /** Plugins that come with the CLI (the default preset); loaded before the configured ones. */
  builtinPlugins?: ReadonlyArray<{ name: string; load: () => Promise<unknown>; kinds?: readonly string[]; configKeys?: readonly string[] }>;
  /** Where log lines go (tests capture them). */
  writeLog?: (line: string) => void;
}

export interface AuthenticateOptions {
  /** Ignore cached sessions. */
  fresh?: boolean;
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

export interface PrepareEnvOptions {
  /** The child runs under this process (`exec`): kinds may give it a refreshable source. */
  live?: boolean;
}

/** Identity selection when no identity is requested: `TFWRAP_IDENTITY`, then `default: true`. */
export const IDENTITY_ENV = 'TFWRAP_IDENTITY';

export class Tfwrap {
  readonly hooks = new TfwrapHooks();
  readonly identityKinds: IdentityKindRegistry;
  readonly redactor = new Redactor();
  readonly log: Logger;
  readonly paths: TfwrapPaths;
  readonly plugins: LoadedPlugin[] = [];
  /** Every tap, with the plugin that made it. */
  readonly taps: TapRecord[] = [];
  /** The environment tfwrap was started with, copied once. */
  readonly parentEnv: Readonly<Env>;

  private applying: string | undefined;
  /** Plugins not applied because the configuration uses none of their declared kinds. */
  private readonly deferred: PluginRequest[] = [];

  private constructor(readonly loaded: LoadedConfig, readonly options: TfwrapOptions) {
    this.parentEnv = Object.freeze(definedOnly(options.env ?? process.env));
    this.redactor.addFromEnv(this.parentEnv);
    this.log = createLogger({ debug: options.debug, redactor: this.redactor, write: options.writeLog });
    this.paths = tfwrapPaths(this.parentEnv, loaded.file, options.cwd);
    this.identityKinds = new IdentityKindRegistry(() => this.applying, () => this.loaded.file ?? 'the built-in preset');
    instrumentHooks(this.hooks, this.log, () => this.applying, this.taps);
  }

  /** Read the configuration and apply the built-in and configured plugins. */
  static async create(options: TfwrapOptions): Promise<Tfwrap> {
    const env = options.env ?? process.env;
    const configPath = options.configPath ?? env.TFWRAP_CONFIG;
    const startLog = createLogger({ debug: options.debug, redactor: new Redactor(), write: options.writeLog });
    const loaded = await startLog.time('load configuration', () => loadConfig({ cwd: options.cwd, explicitPath: configPath }));
    const tfwrap = new Tfwrap(loaded, options);
    tfwrap.log.debug(`configuration: ${loaded.file ?? 'none'} (${loaded.source})`);
    await tfwrap.log.time('load plugins', () => tfwrap.applyPlugins());
    return tfwrap;
  }

  get config(): LoadedConfig['config'] {
    return this.loaded.config;
  }

  get configFile(): string | undefined {
    return this.loaded.file;
  }

  private async applyPlugins(): Promise<void> {
    const requests: PluginRequest[] = [
      ...(this.options.builtinPlugins ?? []).map((p) => ({ specifier: p.name, requestedBy: 'built-in', load: p.load, kinds: p.kinds, configKeys: p.configKeys })),
      ...pluginRequestsFrom(this.config.plugins ?? [], this.loaded.file ?? 'configuration'),
    ];
    for (const [index, request] of requests.entries()) {
      if (request.requestedBy !== 'built-in') {
        request.location = await locate(this.loaded.file, ['plugins', index - (this.options.builtinPlugins?.length ?? 0)]);
      }
    }
    // A plugin that declares its kinds is imported only when the configuration uses one of them:
    // a run with `ambient` identities never imports the AWS plugins (nor, so, the AWS SDK helpers).
    const usedKinds = new Set(Object.values(this.identities()).map((identity) => identity.kind));
    const configKeys = new Set(Object.keys(this.config));
    const needed: PluginRequest[] = [];
    for (const request of requests) {
      if (request.requestedBy !== 'built-in' && !request.kinds && !request.configKeys) {
        request.resolved = resolvePlugin(request, this.loaded.dir);
        Object.assign(request, readDeclarations(request.resolved));
      }
      if (isPluginNeeded(request, usedKinds, configKeys)) needed.push(request);
      else this.deferred.push(request);
    }
    for (const request of this.deferred) for (const kind of request.kinds ?? []) this.identityKinds.declare(kind, request.specifier);
    await this.importAndApply(needed);
  }

  /**
   * Apply the plugins left unapplied because the configuration does not use them: for commands
   * that show or check every kind (`tfwrap plugins list`, `tfwrap schema`).
   */
  async applyAllPlugins(): Promise<void> {
    await this.importAndApply(this.deferred.splice(0));
  }

  private async importAndApply(requests: readonly PluginRequest[]): Promise<void> {
    // Import in parallel (I/O), apply in order (registration order is observable).
    const loadedPlugins = await Promise.all(requests.map((request) => this.log.time(`import plugin ${request.specifier}`, () => loadPlugin(request, this.loaded.dir))));
    for (const loaded of loadedPlugins) {
      if (this.plugins.some((p) => p.plugin.name === loaded.plugin.name)) continue; // named twice: apply once
      this.applying = loaded.plugin.name;
      try {
        await loaded.plugin.apply(this, loaded.request.options);
      } catch (err) {
        // A plugin's own error (a duplicate kind, bad options) points at the entry that named it.
        if (err instanceof TfwrapError) {
          if (err.location || !loaded.request.location) throw err;
          throw new TfwrapError(err.code, err.message, { hint: err.hint, location: loaded.request.location, plugin: err.plugin ?? loaded.plugin.name, cause: err.cause });
        }
        throw new TfwrapError('E_PLUGIN_LOAD', `plugin "${loaded.plugin.name}" failed while applying: ${messageOf(err)} (named in ${loaded.request.requestedBy})`, {
          plugin: loaded.plugin.name,
          location: loaded.request.location,
          cause: err,
        });
      } finally {
        this.applying = undefined;
      }
      this.plugins.push(loaded);
    }
  }

  identities(): Identities {
    return (this.config.auth?.identities ?? {}) as Identities;
  }

  /**
   * Which identity a run uses: the requested one (`-i`), else `TFWRAP_IDENTITY`, else the one marked
   * `default: true`. `false` (or the strings false/0/no/off) means no tfwrap auth at all.
   */
  selectIdentity(requested?: string | false): string | undefined {
    const fromEnv = this.parentEnv[IDENTITY_ENV];
    const choice = requested ?? (fromEnv ? fromEnv : undefined);
    if (choice === false || (typeof choice === 'string' && /^(false|0|no|off)$/i.test(choice))) return undefined;
    if (choice) return choice;
    const identities = this.identities();
    return Object.keys(identities).find((name) => identities[name]!.default === true);
  }

  /** `selectIdentity`, but an error when nothing is selected. */
  requireIdentity(requested?: string | false): string {
    const name = this.selectIdentity(requested);
    if (name) return name;
    const known = Object.keys(this.identities());
    throw new TfwrapError('E_IDENTITY_NONE', 'no identity selected', {
      hint: known.length
        ? `pass -i <identity>, set ${IDENTITY_ENV}, or mark one identity default: true (known: ${known.join(', ')})`
        : 'define identities under auth.identities in tfwrap.yaml',
    });
  }

  /** All static problems of the auth section (tfwrap auth validate). */
  validateAuth(): Promise<TfwrapError[]> {
    return validateIdentities(this.identities(), this.identityKinds, this.loaded.file);
  }

  /** Check the identities of one chain only: a run pays for what it uses. */
  private async checkChain(chain: readonly string[]): Promise<void> {
    const identities = this.identities();
    const problems: TfwrapError[] = [];
    for (const name of chain) {
      const config = identities[name]!;
      const kind = this.identityKinds.get(config.kind);
      if (!kind) {
        const err = this.identityKinds.require(config.kind, name);
        throw err;
      }
      problems.push(...(await checkSchema(name, config, kind.schema, kind.plugin, this.loaded.file)));
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
    const identities = this.identities();
    if (!identities[identity]) throw unknownIdentity(identity, Object.keys(identities));
    const chain = buildChain(identities, identity);
    await this.checkChain(chain);
    const fresh = options.fresh ?? false;
    const kinds = chain.map((name) => this.identityKinds.require(identities[name]!.kind, name));
    // Policy taps see every step before any credentials are fetched or read from the cache, root first.
    for (const [index, name] of chain.entries()) {
      await this.hooks.beforeAuthenticate.promise({ identity: name, kind: kinds[index]!.kind, config: identities[name]!, sourceIdentity: index > 0 ? chain[index - 1] : undefined, step: index, chain });
    }
    const impls = await Promise.all(kinds.map((kind) => this.log.time(`load kind ${kind.kind}`, () => this.identityKinds.load(kind.kind))));
    const steps: Array<AuthStep | undefined> = new Array(chain.length);

    const runStep = async (index: number, source: Credentials | undefined): Promise<Credentials | undefined> => {
      const name = chain[index]!;
      const kind = kinds[index]!;
      const limit = withTimeLimit(this.authTimeoutMs(kind.timeoutMs), options.signal);
      let credentials: Credentials | undefined;
      try {
        credentials = await this.log.time(`authenticate ${name} (${kind.kind})`, () =>
          limit.race(
            impls[index]!.authenticate({
              identity: name,
              config: identities[name]!,
              source,
              sourceIdentity: index > 0 ? chain[index - 1] : undefined,
              parentEnv: this.parentEnv,
              signal: limit.signal,
              fresh,
              mfaToken: options.mfaToken,
              log: this.log.child(name),
              secret: (value) => this.redactor.add(value),
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
      const offline = impls[0]!.sourceFingerprint?.({ identity: chain[0]!, config: identities[chain[0]!]!, parentEnv: this.parentEnv });
      if (offline !== undefined) {
        previousKey = stableHash('offline-source', kinds[0]!.kind, chain[0], identities[chain[0]!], offline);
      } else {
        rootCredentials = { value: await runStep(0, undefined) };
        previousKey = credentialsFingerprint(rootCredentials.value);
      }
    } else if (kinds[0]!.cache) {
      // A cached root may still know offline what it resolves from (aws/user: keys named by
      // environment variables), so that rotated keys never replay a session of the old ones.
      const offline = impls[0]!.sourceFingerprint?.({ identity: chain[0]!, config: identities[chain[0]!]!, parentEnv: this.parentEnv });
      if (offline !== undefined) previousKey = stableHash('offline-source', offline);
    }
    const keys = chain.map((name, index) => (previousKey = stableHash(SESSION_KEY_VERSION, kinds[index]!.kind, name, identities[name], previousKey)));
    const cache = new SessionCache(join(this.paths.realmCacheDir, 'sessions'), this.log);
    const validity = { marginSeconds: this.sessionSettings().refreshMarginSeconds };

    const fromCache = async (index: number, session: CachedSession): Promise<Credentials> => {
      this.registerSecrets(session.credentials);
      steps[index] = stepOf(chain[index]!, kinds[index]!.kind, session.credentials, true);
      session.chain.forEach((summary, i) => {
        // A step the warm run did not need: reported from the summary; "cached" only if its kind caches.
        steps[i] ??= { identity: summary.identity, kind: summary.kind, principalArn: summary.principalArn, expiration: summary.expiration ? new Date(summary.expiration) : undefined, cached: kinds[i]?.cache === true };
      });
      this.log.debug(`${chain[index]}: cached session, ${session.credentials.expiration ? `expires ${session.credentials.expiration.toISOString()}` : 'no expiry'}`);
      return session.credentials;
    };
    const readFresh = async (index: number) => {
      const session = await cache.read(chain[index]!, keys[index]!);
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
      return cache.withLock(name, keys[index]!, async () => {
        if (!fresh) {
          const hit = await readFresh(index); // another process may have just written it
          if (hit) return fromCache(index, hit);
        }
        const credentials = await runStep(index, await source());
        if (credentials) {
          await cache.write(
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
    await this.hooks.afterAuthenticate.promise(result);
    return result;
  }

  /** `auth.session` in tfwrap.yaml, with the environment overriding it. */
  sessionSettings(): SessionSettings {
    const section = ((this.config.auth as { session?: Record<string, unknown> } | undefined)?.session ?? {}) as Record<string, string | number | undefined>;
    const pick = (envName: string, field: string, fallback: number): number => {
      const raw = this.parentEnv[envName] ?? section[field];
      if (raw === undefined || raw === '') return fallback;
      const seconds = parseDuration(raw);
      if (seconds === undefined) {
        throw new TfwrapError('E_CONFIG_INVALID', `${this.parentEnv[envName] !== undefined ? envName : `auth.session.${field}`}: "${raw}" is not a duration`, { hint: 'write it as 15m, 900s or 1h' });
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
    this.log.debug(`${auth.identity}: ${Math.round(remaining(auth))} s left, under the minimum of ${minRemainingSeconds} s; obtaining a new session`);
    const again = await this.authenticate(auth.identity, { ...options, fresh: true });
    if (remaining(again) >= minRemainingSeconds) return again;
    throw new TfwrapError('E_AUTH_EXPIRING', `identity "${auth.identity}": its credentials expire in ${formatDuration(Math.max(0, Math.round(remaining(again))))}, less than the ${formatDuration(minRemainingSeconds)} a run needs`, {
      hint: 'refresh the source credentials, or lower auth.session.min_remaining (TFWRAP_SESSION_MIN_REMAINING)',
    });
  }

  /**
   * `tfwrap auth logout`: delete cached sessions and each kind's managed files, for one identity
   * or all. Returns the identities it cleaned.
   */
  async logout(identity?: string): Promise<string[]> {
    const identities = this.identities();
    if (identity !== undefined && !identities[identity]) throw unknownIdentity(identity, Object.keys(identities));
    const cache = new SessionCache(join(this.paths.realmCacheDir, 'sessions'), this.log);
    const names = identity ? [identity] : Object.keys(identities);
    cache.remove(identity);
    for (const name of names) {
      const config = identities[name]!;
      if (!this.identityKinds.get(config.kind)) continue;
      const impl = await this.identityKinds.load(config.kind);
      await impl.logout?.({ identity: name, config, paths: this.paths });
    }
    return names;
  }

  /** The time limit of one authentication step, in ms. */
  authTimeoutMs(kindDefault?: number): number {
    const fromEnv = Number(this.parentEnv.TFWRAP_AUTH_TIMEOUT);
    if (fromEnv > 0) return fromEnv * 1000;
    return kindDefault ?? DEFAULT_AUTH_TIMEOUT_MS;
  }

  private authError(err: unknown, name: string, kind: string, chain: readonly string[], index: number, plugin: string): TfwrapError {
    const step = chain.length > 1 ? ` (step ${index + 1} of ${chain.join(' -> ')})` : '';
    if (err instanceof TfwrapError) {
      if (err.message.includes(`"${name}"`)) return err;
      return new TfwrapError(err.code, `identity "${name}"${step}: ${err.message}`, { hint: err.hint, location: err.location, plugin: err.plugin ?? plugin, cause: err });
    }
    return new TfwrapError('E_AUTH_FAILED', `identity "${name}" (${kind})${step} failed to authenticate: ${this.redactor.redact(messageOf(err))}`, {
      plugin,
      hint: 'run with --debug for the time spent in each step',
      cause: err,
    });
  }

  /** Every string field of credentials is a secret unless it is a known public one. */
  private registerSecrets(credentials: Credentials | undefined): void {
    if (!credentials) return;
    for (const [field, value] of Object.entries(credentials)) {
      if (typeof value === 'string' && !/^(type|region|principalArn|accessKeyId|account|arn)$/.test(field)) this.redactor.add(value);
    }
  }

  /**
   * The child's environment: a copy of the parent's, then the identity's own preparation (the first
   * `prepareEnv` tap), then every other plugin's. With no identity, only the plugins run.
   */
  async prepareEnv(auth: AuthResult | undefined, info: Omit<PrepareEnvInfo, 'auth'> = {}, base: Readonly<Env> = this.parentEnv, options: PrepareEnvOptions = {}): Promise<Env> {
    const env: Env = { ...base };
    return this.hooks.prepareEnv.promise(auth ? await this.prepareIdentityEnv(env, auth, options) : env, { ...info, auth });
  }

  private async prepareIdentityEnv(env: Env, auth: AuthResult, options: PrepareEnvOptions): Promise<Env> {
    const impl = await this.identityKinds.load(auth.kind);
    return this.log.time(`prepare environment for ${auth.identity}`, async () =>
      impl.prepareEnv(env, {
        identity: auth.identity,
        config: auth.config,
        credentials: auth.credentials,
        chain: auth.chain,
        paths: this.paths,
        live: options.live ? this.liveRun(auth.identity) : undefined,
        log: this.log.child(auth.identity),
        secret: (value) => this.redactor.add(value),
      }),
    );
  }

  private readonly endCleanups: Array<() => void> = [];

  /** Refresh for a child that outlives its session; concurrent requests share one authentication. */
  private liveRun(identity: string): LiveRun {
    let pending: Promise<Credentials | undefined> | undefined;
    return {
      refresh: () =>
        (pending ??= this.authenticate(identity)
          .then((auth) => auth.credentials)
          .finally(() => (pending = undefined))),
      onEnd: (cleanup) => {
        if (this.endCleanups.length === 0) process.once('exit', () => this.dispose());
        this.endCleanups.push(cleanup);
      },
    };
  }

  /** Run what live runs registered (servers, run files); at process exit, or earlier by an embedder. */
  dispose(): void {
    for (const cleanup of this.endCleanups.splice(0)) {
      try {
        cleanup();
      } catch (err) {
        this.log.debug(`cleanup failed: ${messageOf(err)}`);
      }
    }
  }

  /**
   * Run a child with `beforeExec`/`afterExec` around it; returns its exit code. `io` pipes its output
   * (the terraform runner reads plan counts from it); `io.finish` adds fields before `afterExec`.
   */
  async exec(request: ExecRequest, auth?: AuthResult, extra: Partial<ExecResult> = {}, io: ExecIo = {}): Promise<ExecResult> {
    await this.hooks.beforeExec.promise(request);
    this.log.debug(`exec ${request.command} ${(request.displayArgs ?? request.args).join(' ')}`);
    const outcome = await runChild({ command: request.command, args: request.args, env: request.env, cwd: request.cwd, stdio: io.stdio, onStdout: io.onStdout, onStderr: io.onStderr });
    const result: ExecResult = {
      command: request.command,
      args: request.args,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      durationMs: outcome.durationMs,
      identity: auth?.identity,
      kind: auth?.kind,
      principalArn: auth?.chain[auth.chain.length - 1]?.principalArn,
      stack: request.stack,
      component: request.component,
      ...extra,
      ...io.finish?.(outcome),
    };
    await this.hooks.afterExec.promise(result);
    return result;
  }

  /** Ask the identity's kind who its credentials are. */
  async whoami(auth: AuthResult, signal?: AbortSignal) {
    const impl = await this.identityKinds.load(auth.kind);
    if (!impl.whoami) {
      throw new TfwrapError('E_AUTH_FAILED', `identity "${auth.identity}" (kind ${auth.kind}) cannot tell who it is`, {
        hint: 'whoami needs a kind that yields cloud credentials, such as aws/ambient',
      });
    }
    const limit = withTimeLimit(this.authTimeoutMs(), signal);
    try {
      return await limit.race(impl.whoami(auth.credentials, { identity: auth.identity, config: auth.config as IdentityConfig, parentEnv: this.parentEnv, signal: limit.signal }));
    } catch (err) {
      if (err instanceof TfwrapError && err.message.includes(`"${auth.identity}"`)) throw err;
      const message = err instanceof TfwrapError ? err.message : this.redactor.redact(messageOf(err));
      throw new TfwrapError(err instanceof TfwrapError ? err.code : 'E_AUTH_FAILED', `identity "${auth.identity}" (${auth.kind}): cannot tell who it is: ${message}`, {
        hint: err instanceof TfwrapError ? err.hint : 'check the endpoint and that the credentials are valid',
        cause: err,
      });
    } finally {
      limit.clear();
    }
  }
}

const DEFAULT_AUTH_TIMEOUT_MS = 10_000;

/** How `Tfwrap.exec` connects a child's output. */
export interface ExecIo {
  stdio?: SpawnOptions['stdio'];
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Fields for the result (a plan summary read from the output), computed once the child ended. */
  finish?: (outcome: SpawnResult) => Partial<ExecResult>;
}

/**
 * A time limit for work that may never finish (the SDK waits forever on an ECS endpoint that
 * accepts a connection and never answers): the work is abandoned, not awaited, when time is up.
 */
function withTimeLimit(ms: number, outer?: AbortSignal) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TfwrapError('E_AUTH_TIMEOUT', `gave up after ${ms / 1000} s without an answer`, {
        hint: 'a credential endpoint did not answer; check the network, or raise TFWRAP_AUTH_TIMEOUT (seconds)',
      }));
    }, ms);
    outer?.addEventListener('abort', () => {
      controller.abort();
      reject(new TfwrapError('E_INTERRUPTED', 'interrupted'));
    });
  });
  expired.catch(() => {});
  return {
    signal: controller.signal,
    race: <T>(work: Promise<T>) => Promise.race([work, expired]),
    clear: () => clearTimeout(timer),
  };
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
