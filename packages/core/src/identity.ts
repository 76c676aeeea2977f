/**
 * The identity-kind contract. Core knows no cloud: credentials are an open, tagged shape that the
 * kinds of one cloud agree on between themselves (`@tfwrap/aws` defines `type: 'aws'`).
 */
import type { GenericSchema } from 'valibot';
import type { Logger } from './logger.js';
import type { TfwrapPaths } from './paths.js';

/** The environment handed to a child process: names to values, nothing undefined. */
export type Env = Record<string, string>;

/** What a kind's `authenticate` yields for the next step or the child. */
export interface Credentials {
  /** Which family of credentials this is: `aws`, `web-identity`, ... A kind that consumes them checks it. */
  type: string;
  /** When they stop working; undefined when they do not expire. */
  expiration?: Date;
  [field: string]: unknown;
}

/** One identity as written under `auth.identities.<name>`, after its kind's schema accepted it. */
export interface IdentityConfig {
  kind: string;
  default?: boolean;
  via?: { identity?: string; [field: string]: unknown };
  principal?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Whether a kind takes `via.identity`, and what it accepts from it. */
export type ViaRule = 'none' | 'optional' | 'required';

/**
 * What a plugin registers for a kind. The definition is light (a name and a schema); the code that
 * does the work sits behind `load()`, so that a run which never uses the kind never imports it.
 * `Config` is the type of an entry the schema accepted: tfwrap hands the kind the entry as written,
 * so a schema checks and never transforms (the kit's `defineIdentityKind` derives `Config` from it).
 */
export interface IdentityKindDefinition<Config = IdentityConfig> {
  /** `ambient`, `aws/ambient`, `vendor/thing`. */
  kind: string;
  /** One line for `tfwrap auth list` and `tfwrap plugins list`. */
  description?: string;
  /**
   * Validates the whole identity entry (kind, via, principal, ...). Core checks `kind`, `default`
   * and the presence of `via` against `via`; everything else is the kind's business.
   */
  schema: GenericSchema;
  /** Does the kind chain from another identity? Default `none`. */
  via?: ViaRule;
  /** Credential types this kind yields (`aws`, `web-identity`); none for pass-through kinds. */
  produces?: readonly string[];
  /** Credential types it accepts from its `via` identity. */
  accepts?: readonly string[];
  /**
   * How long one authentication of this kind may take before tfwrap gives up (default 10 s;
   * `TFWRAP_AUTH_TIMEOUT` in seconds overrides). Kinds that wait for a person ask for more.
   */
  timeoutMs?: number;
  /**
   * Keep this kind's sessions on disk and reuse them across runs (docs/adr/002-session-cache.md).
   * Only for kinds whose credentials come from a call worth saving (AssumeRole, SSO); never for
   * kinds that read credentials from the environment, which must not be written anywhere.
   */
  cache?: boolean;
  /**
   * A static check that needs the `via` identity too (offline, for `tfwrap auth validate`): return a
   * problem in words, or undefined. Core adds the identity, file and line.
   */
  checkChain?(identity: { name: string; config: Config }, source: { name: string; kind: string; config: IdentityConfig }): string | undefined;
  /** Loads the implementation. Import heavy SDKs inside the loaded module, never at the top of the plugin. */
  load(): Promise<IdentityKindImplementation<Config>> | IdentityKindImplementation<Config>;
}

export interface AuthenticateContext<Config = IdentityConfig> {
  /** The identity's name. */
  identity: string;
  config: Config;
  /** Credentials of the `via` identity; undefined for the root of a chain. */
  source?: Credentials;
  /** Name of the `via` identity. */
  sourceIdentity?: string;
  /** The environment tfwrap itself was started with (ambient sources read it). */
  parentEnv: Readonly<Env>;
  /** Aborts when the run is interrupted or the kind's time limit passes. */
  signal: AbortSignal;
  /** Ignore any cached session and fetch a new one (`--fresh`). */
  fresh: boolean;
  /** A one-time code given on the command line (`--mfa-token`), for kinds that ask for one. */
  mfaToken?: string;
  log: Logger;
  /** Register a value that must never be printed (keys, tokens); logs and errors redact it. */
  secret(value: string | undefined): void;
}

/** What a kind sees when asked for an offline fingerprint of its source. */
export interface FingerprintContext<Config = IdentityConfig> {
  identity: string;
  config: Config;
  parentEnv: Readonly<Env>;
}

/**
 * A run whose tfwrap process stays alive while the child runs (`auth exec`, terraform). A kind
 * can hand the child a way to ask this process for fresh credentials instead of a frozen session.
 */
export interface LiveRun {
  /** Authenticate the identity again in this process (cache first): a fresh session when due. */
  refresh(): Promise<Credentials | undefined>;
  /**
   * Register cleanup (close a server, delete run files) for when this tfwrap process ends: several
   * children (terraform components) may share what a kind set up. Runs synchronously at exit.
   */
  onEnd(cleanup: () => void): void;
}

export interface PrepareEnvContext<Config = IdentityConfig> {
  identity: string;
  config: Config;
  /** The credentials the chain produced for this identity; undefined for pass-through kinds. */
  credentials?: Credentials;
  /** Every step of the chain, root first. */
  chain: readonly AuthStep[];
  /** tfwrap's own directories (managed profiles live under `realmConfigDir`). */
  paths: TfwrapPaths;
  /** Set when the child runs under this process; undefined for `auth env`, whose process exits. */
  live?: LiveRun;
  log: Logger;
  secret(value: string | undefined): void;
}

/** Who the credentials belong to, for `tfwrap auth whoami`. */
export interface Principal {
  account?: string;
  arn?: string;
  userId?: string;
}

export interface IdentityKindImplementation<Config = IdentityConfig> {
  /** Obtain credentials; return undefined for a kind that hands over no credentials (`ambient`). */
  authenticate(ctx: AuthenticateContext<Config>): Promise<Credentials | undefined>;
  /** Build the child's environment from `env` (a copy of the parent's). Return a new object or `env`. */
  prepareEnv(env: Env, ctx: PrepareEnvContext<Config>): Env | Promise<Env>;
  /** Ask the cloud who these credentials are. */
  whoami?(credentials: Credentials | undefined, ctx: { identity: string; config: Config; parentEnv: Readonly<Env>; signal: AbortSignal }): Promise<Principal>;
  /**
   * For chain roots: a cheap, offline digest of what `authenticate` would resolve from
   * (environment values, file contents). For a root that is not cached, the sessions chained from
   * it can then be reused without resolving it; undefined when that cannot be known offline, and
   * tfwrap resolves the root and fingerprints its credentials instead. For a cached root
   * (`cache: true`), it keys the root's own session, so a changed source never replays an old one.
   */
  sourceFingerprint?(ctx: FingerprintContext<Config>): string | undefined;
  /** Remove what the kind keeps outside the session cache (managed profiles) for `auth logout`. */
  logout?(ctx: { identity: string; config: Config; paths: TfwrapPaths }): void | Promise<void>;
  /**
   * `tfwrap auth login`: for kinds a person signs in to (a browser or device-code sign-in). Sign in
   * now, even when a cached sign-in is still good and even without a terminal: the person asked.
   * tfwrap calls it on the root of the chain of the identity given to `auth login`.
   */
  login?(ctx: LoginContext<Config>): Promise<LoginResult>;
}

/** What `login` is given: the root identity, no source. */
export interface LoginContext<Config = IdentityConfig> {
  identity: string;
  config: Config;
  parentEnv: Readonly<Env>;
  /** Aborts on Ctrl-C. */
  signal: AbortSignal;
  /** Whether a browser may be opened (false with `--no-browser`). */
  browser: boolean;
  log: Logger;
  secret(value: string | undefined): void;
}

/** What `login` reports: one line for the person, and when the sign-in ends. */
export interface LoginResult {
  /** `signed in to https://... until ...`: shown as it is. */
  summary: string;
  credentials?: Credentials;
  expiration?: Date;
}

/** One step of an authenticated chain, as `auth whoami --json` shows it. */
export interface AuthStep {
  identity: string;
  kind: string;
  credentials?: Credentials;
  /** Filled when a kind reports it (for example from the AssumeRole response). */
  principalArn?: string;
  /** The session came from the cache rather than a new call. */
  cached?: boolean;
  /** When this step's session ends; known even for steps a warm run did not need to resolve. */
  expiration?: Date;
}

/** The outcome of authenticating an identity. */
export interface AuthResult {
  identity: string;
  kind: string;
  config: IdentityConfig;
  credentials?: Credentials;
  chain: AuthStep[];
}
