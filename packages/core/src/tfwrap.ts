/**
 * The Tfwrap host: what plugins receive in `apply`. It holds the configuration, plugins, identity
 * kinds, hooks, paths and log, one per process like webpack's Compiler. What one command does
 * (authenticate, run children, clean up, its exit code) belongs to a `Run` (run.ts), like webpack's
 * Compilation; authentication and sessions are in authenticator.ts.
 */
import { validateIdentities, type Identities } from './auth-graph.js';
import { Authenticator, type AuthenticateOptions, type SessionSettings } from './authenticator.js';
import { loadConfig, locate, type LoadedConfig } from './config.js';
import { TfwrapError, messageOf } from './errors.js';
import type { SpawnOptions, SpawnResult } from './exec.js';
import { TfwrapHooks, instrumentHooks, type ExecRequest, type ExecResult, type PrepareEnvInfo, type RunRequest, type TapRecord } from './hooks.js';
import type { AuthResult, Credentials, Env, LiveRun } from './identity.js';
import { Redactor, createLogger, type Logger } from './logger.js';
import { tfwrapPaths, type TfwrapPaths } from './paths.js';
import { isPluginNeeded, loadPlugin, pluginRequestsFrom, readDeclarations, resolvePlugin, type LoadedPlugin, type PluginRequest } from './plugins.js';
import { IdentityKindRegistry } from './registry.js';
import { StoreTypeRegistry } from './stores.js';
import { StateReaderRegistry } from './state-readers.js';
import { Run } from './run.js';

export type { AuthenticateOptions, SessionSettings } from './authenticator.js';

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

export interface PrepareEnvOptions {
  /** The child runs under this process (`exec`): kinds may give it a refreshable source. */
  live?: boolean;
  /** Who owns what a live child needs (a Run); default: this process, cleaned up at exit. */
  liveRun?: (identity: string) => LiveRun;
}

/** Identity selection when no identity is requested: `TFWRAP_IDENTITY`, then `default: true`. */
export const IDENTITY_ENV = 'TFWRAP_IDENTITY';

export class Tfwrap {
  readonly hooks = new TfwrapHooks();
  readonly identityKinds: IdentityKindRegistry;
  /** Store types for `!store` (stores.ts); plugins register them in `apply`. */
  readonly storeTypes: StoreTypeRegistry = new StoreTypeRegistry(() => this.applying);
  /** Readers of remote state for `!terraform.state`, by backend type (state-readers.ts). */
  readonly stateReaders: StateReaderRegistry = new StateReaderRegistry(() => this.applying);
  readonly redactor = new Redactor();
  readonly log: Logger;
  readonly paths: TfwrapPaths;
  readonly plugins: LoadedPlugin[] = [];
  /** Every tap, with the plugin that made it. */
  readonly taps: TapRecord[] = [];
  /** The environment tfwrap was started with, copied once. */
  readonly parentEnv: Readonly<Env>;
  /** Authentication and sessions (authenticator.ts). */
  readonly authenticator: Authenticator = new Authenticator(this);

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
          throw err.with({ location: loaded.request.location, plugin: err.plugin ?? loaded.plugin.name });
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
        live: options.live ? (options.liveRun ?? ((identity) => this.liveRun(identity)))(auth.identity) : undefined,
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
   * Start one command's run: `beforeResolve` over its request, then a `Run` that owns what it does
   * (run.ts). `signals`: the run answers SIGINT/SIGTERM/SIGHUP (the CLI's runs do).
   */
  startRun(request: RunRequest, options: { signals?: boolean } = {}): Promise<Run> {
    return Run.start(this, request, options);
  }

  /** Authenticate outside a run (plugin tests, embedders); commands use `Run.authenticate`. */
  authenticate(identity: string, options: AuthenticateOptions = {}): Promise<AuthResult> {
    return this.authenticator.authenticate(identity, options);
  }

  ensureRemainingLifetime(auth: AuthResult, options: AuthenticateOptions = {}): Promise<AuthResult> {
    return this.authenticator.ensureRemainingLifetime(auth, options);
  }

  whoami(auth: AuthResult, signal?: AbortSignal) {
    return this.authenticator.whoami(auth, signal);
  }

  sessionSettings(): SessionSettings {
    return this.authenticator.sessionSettings();
  }

  logout(identity?: string): Promise<string[]> {
    return this.authenticator.logout(identity);
  }

  authTimeoutMs(kindDefault?: number): number {
    return this.authenticator.authTimeoutMs(kindDefault);
  }

  /** Run one child outside a command's run (embedders, tests): a run of its own, without signal handling. */
  async exec(request: ExecRequest, auth?: AuthResult, extra: Partial<ExecResult> = {}, io: ExecIo = {}): Promise<ExecResult> {
    const run = await Run.start(this, { command: 'exec', args: request.args, cwd: request.cwd }, { resolve: false });
    try {
      return await run.exec(request, auth, extra, io);
    } finally {
      await run.dispose();
    }
  }
}

/** How `Tfwrap.exec` connects a child's output. */
export interface ExecIo {
  stdio?: SpawnOptions['stdio'];
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Fields for the result (a plan summary read from the output), computed once the child ended. */
  finish?: (outcome: SpawnResult) => Partial<ExecResult>;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
