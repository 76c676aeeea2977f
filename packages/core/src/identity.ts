/**
 * The identity-kind contract. Core knows no cloud: credentials are an open, tagged shape that the
 * kinds of one cloud agree on between themselves (`@tfwrap/aws` defines `type: 'aws'`).
 */
import type { GenericSchema } from 'valibot';
import type { Logger } from './logger.js';

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
 */
export interface IdentityKindDefinition {
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
  /** Loads the implementation. Import heavy SDKs inside the loaded module, never at the top of the plugin. */
  load(): Promise<IdentityKindImplementation> | IdentityKindImplementation;
}

export interface AuthenticateContext {
  /** The identity's name. */
  identity: string;
  config: IdentityConfig;
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
  log: Logger;
  /** Register a value that must never be printed (keys, tokens); logs and errors redact it. */
  secret(value: string | undefined): void;
}

export interface PrepareEnvContext {
  identity: string;
  config: IdentityConfig;
  /** The credentials the chain produced for this identity; undefined for pass-through kinds. */
  credentials?: Credentials;
  /** Every step of the chain, root first. */
  chain: readonly AuthStep[];
  log: Logger;
  secret(value: string | undefined): void;
}

/** Who the credentials belong to, for `tfwrap auth whoami`. */
export interface Principal {
  account?: string;
  arn?: string;
  userId?: string;
}

export interface IdentityKindImplementation {
  /** Obtain credentials; return undefined for a kind that hands over no credentials (`ambient`). */
  authenticate(ctx: AuthenticateContext): Promise<Credentials | undefined>;
  /** Build the child's environment from `env` (a copy of the parent's). Return a new object or `env`. */
  prepareEnv(env: Env, ctx: PrepareEnvContext): Env | Promise<Env>;
  /** Ask the cloud who these credentials are. */
  whoami?(credentials: Credentials | undefined, ctx: { identity: string; config: IdentityConfig; parentEnv: Readonly<Env>; signal: AbortSignal }): Promise<Principal>;
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
}

/** The outcome of authenticating an identity. */
export interface AuthResult {
  identity: string;
  kind: string;
  config: IdentityConfig;
  credentials?: Credentials;
  chain: AuthStep[];
}
