/**
 * The error catalogue. Every failure tfwrap reports on purpose is a TfwrapError with a code from
 * this table; the code decides the exit status, so that scripts can tell bad configuration from a
 * failed sign-in. docs/errors.md lists the same table for users.
 */

/** Exit statuses tfwrap itself uses. A child's own exit status passes through untouched. */
export const ExitCode = {
  ok: 0,
  /** A validation command found problems (`tfwrap validate`, `tfwrap auth validate`). */
  findings: 1,
  /** Configuration, manifest or plugin error: nothing was run. */
  config: 2,
  /** Authentication failed: no credentials, STS refused, token expired. */
  auth: 3,
  /** The command line itself is wrong (unknown flag, missing argument). */
  usage: 64,
  /** A bug in tfwrap or in a plugin that escaped its own error handling. */
  internal: 70,
  /** Standard output could not be written (a full disk, an I/O error): sysexits' EX_IOERR. */
  output: 74,
  /** The program to run (terraform, the command after `--`) could not be found. */
  notFound: 127,
  /** Interrupted by SIGINT or SIGTERM. */
  interrupted: 130,
} as const;

/** How a failure ends the process: the name of its exit status in {@link ExitCode}. */
export type ExitClass = Exclude<keyof typeof ExitCode, 'ok'>;

/**
 * Core's own codes. Other packages and plugins declare theirs with {@link registerErrorCodes}
 * (stacks: `E_STACK_*`, `E_IMPORT_*`, ...; terraform: `E_COMPONENT_LOCKED`), each with its exit class.
 */
const coreErrorCodes = {
  E_CONFIG_NOT_FOUND: 'config',
  E_CONFIG_SYNTAX: 'config',
  E_CONFIG_INVALID: 'config',
  E_PLUGIN_MISSING: 'config',
  E_PLUGIN_LOAD: 'config',
  E_PLUGIN_INVALID: 'config',
  E_PLUGIN_API_VERSION: 'config',
  E_PLUGIN_HOOK: 'config',
  E_KIND_DUPLICATE: 'config',
  E_KIND_UNKNOWN: 'config',
  E_IDENTITY_UNKNOWN: 'config',
  E_IDENTITY_NONE: 'config',
  E_IDENTITY_INVALID: 'config',
  E_IDENTITY_CYCLE: 'config',
  E_CHAIN_TOO_DEEP: 'config',
  E_CHAIN_INCOMPATIBLE: 'config',
  E_AUTH_FAILED: 'auth',
  E_AUTH_TIMEOUT: 'auth',
  E_AUTH_EXPIRING: 'auth',
  E_UNSAFE_DIR: 'config',
  E_USAGE: 'usage',
  E_COMMAND_NOT_FOUND: 'notFound',
  E_INTERRUPTED: 'interrupted',
  E_INTERNAL: 'internal',
  E_OUTPUT: 'output',
} as const satisfies Record<string, ExitClass>;

type CoreErrorCodes = typeof coreErrorCodes;

/**
 * Every error code the program knows, by name. A package that declares codes adds them here too,
 * so that `new TfwrapError('E_STACK_UNKNOWN', ...)` type-checks:
 *
 *     declare module '@tfwrap/core' { interface ErrorCodes extends StackErrorCodes {} }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- open for declaration merging
export interface ErrorCodes extends CoreErrorCodes {}

// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- never until a plugin merges codes into PluginErrorCodes
export type ErrorCode = keyof ErrorCodes | Extract<keyof PluginErrorCodes, string>;

/**
 * One registry for every copy of core in the process (a plugin's own @tfwrap/core and the CLI
 * bundle's), like the error brand below.
 */
const registryKey = Symbol.for('tfwrap.errorCodes');
const registry: Map<string, ExitClass> = ((globalThis as Record<symbol, unknown>)[registryKey] as Map<string, ExitClass> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[registryKey] = new Map<string, ExitClass>());
for (const [code, exitClass] of Object.entries(coreErrorCodes)) registry.set(code, exitClass);

/**
 * Declare error codes and the exit class each ends the process with (`config` exits 2, `auth` 3,
 * ...: docs/errors.md). Codes are `E_` and capitals; declaring a code again with another exit
 * class is a bug. Returns `codes`, so a package can keep the table as a typed constant.
 */
export function registerErrorCodes<T extends Record<string, ExitClass>>(codes: T): T {
  for (const [code, exitClass] of Object.entries(codes)) {
    if (!/^E_[A-Z0-9_]+$/.test(code)) throw new TfwrapError('E_INTERNAL', `error code "${code}" is not E_ and capitals`);
    if (!(exitClass in ExitCode) || (exitClass as string) === 'ok') throw new TfwrapError('E_INTERNAL', `error code ${code} has no exit class "${exitClass}"`);
    const known = registry.get(code);
    if (known && known !== exitClass) throw new TfwrapError('E_INTERNAL', `error code ${code} is declared twice, as ${known} and as ${exitClass}`);
    registry.set(code, exitClass);
  }
  return codes;
}

/** Every declared code with its exit class (for `tfwrap` docs checks and plugin listings). */
export function errorCodes(): ReadonlyMap<string, ExitClass> {
  return registry;
}

/** The exit status of a code; a code nobody declared is a bug (70). */
export function exitCodeOf(code: string): number {
  const exitClass = registry.get(code);
  return exitClass ? ExitCode[exitClass] : ExitCode.internal;
}

/**
 * Codes a plugin adds, by declaration merging, so that its `new TfwrapError('E_VAULT_SEALED', ...)`
 * type-checks: `declare module '@tfwrap/core' { interface PluginErrorCodes { E_VAULT_SEALED: true } }`.
 * The plugin kit registers each code's exit class when the plugin is applied (registerErrorCode).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- open for declaration merging
export interface PluginErrorCodes {}

/** Which plugin declared a code, so that two plugins cannot claim one (shared like the registry). */
const ownerKey = Symbol.for('tfwrap.errorCodeOwners');
const owners: Map<string, string> = ((globalThis as Record<symbol, unknown>)[ownerKey] as Map<string, string> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[ownerKey] = new Map<string, string>());

/** A plugin's error code with its exit class; a code tfwrap or another plugin declared is refused. */
export function registerErrorCode(code: string, exitClass: ExitClass, plugin: string): void {
  const taken = owners.get(code) ?? (registry.has(code) ? 'tfwrap' : undefined);
  if (!/^E_[A-Z0-9_]+$/.test(code) || (taken && taken !== plugin)) {
    throw new TfwrapError('E_PLUGIN_INVALID', taken ? `plugin "${plugin}" declares error code ${code}, which ${taken === 'tfwrap' ? 'tfwrap itself uses' : `plugin "${taken}" declared first`}` : `plugin "${plugin}" declares error code "${code}", which is not E_ and upper-case words`, {
      plugin,
      hint: 'prefix the plugin\'s codes with its own name, such as E_VAULT_SEALED',
    });
  }
  owners.set(code, plugin);
  registerErrorCodes({ [code]: exitClass });
}

/** Where in a file a problem is. Lines and columns count from 1. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/**
 * What an error is about, as data: code that handles an error reads these, never its message.
 * A throw site sets the ones its sentence names; a caller that adds context uses {@link TfwrapError.about}.
 */
export interface ErrorContext {
  /** The identity the failure concerns. */
  identity?: string;
  /** The identity chain, root first (for a cycle: the loop, first name repeated at the end). */
  chain?: readonly string[];
  /** The key in the configuration, as a path (`['components', 'terraform', 'command']`); `location` has its file and line. */
  configPath?: readonly (string | number)[];
  /** The program that was run (`terraform`, the command after `--`). */
  command?: string;
  /** The stack's name (not `stack`: that is Error's trace). */
  stackName?: string;
  component?: string;
}

export interface TfwrapErrorOptions extends ErrorContext {
  hint?: string;
  location?: SourceLocation;
  /** The plugin whose code failed or whose configuration is wrong. */
  plugin?: string;
  cause?: unknown;
}

/**
 * A plugin loaded from the user's repository imports its own copy of @tfwrap/core, while the CLI
 * runs a bundle with core inside (docs/adr/005-bundled-cli.md): `instanceof` recognises tfwrap's
 * errors by a brand every copy shares, not by which copy's class made them.
 */
const errorBrand = Symbol.for('tfwrap.TfwrapError');
const errorsBrand = Symbol.for('tfwrap.TfwrapErrors');

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

export class TfwrapError extends Error {
  static override [Symbol.hasInstance](value: unknown): value is TfwrapError {
    return this === TfwrapError ? hasBrand(value, errorBrand) : Function.prototype[Symbol.hasInstance].call(this, value);
  }

  override readonly name = 'TfwrapError';
  readonly code: ErrorCode;
  /** What is wrong, as its thrower wrote it; `message` adds the subject given by {@link about}. */
  readonly detail: string;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly plugin?: string;
  readonly identity?: string;
  readonly chain?: readonly string[];
  readonly configPath?: readonly (string | number)[];
  readonly command?: string;
  readonly stackName?: string;
  readonly component?: string;
  /** Set by {@link about}: the message is led by the identity (and its step in the chain). */
  readonly subject?: ErrorSubject;

  constructor(code: ErrorCode, message: string, options: TfwrapErrorOptions & { subject?: ErrorSubject } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = message;
    this.hint = options.hint;
    this.location = options.location;
    this.plugin = options.plugin;
    this.identity = options.identity;
    this.chain = options.chain;
    this.configPath = options.configPath;
    this.command = options.command;
    this.stackName = options.stackName;
    this.component = options.component;
    this.subject = options.subject;
    this.message = composeMessage(this);
  }

  get exitCode(): number {
    return exitCodeOf(this.code);
  }

  /** The same error with more context (a location, a plugin, fields); the code and detail stay. */
  with(more: Omit<TfwrapErrorOptions, 'cause'>): TfwrapError {
    return new TfwrapError(this.code, this.detail, { ...this.options(), ...more, cause: this.cause });
  }

  /**
   * The error as a step of an identity's authentication: its message is led by the identity
   * (`identity "x" (step 2 of a -> x): ...`). An error that already concerns an identity is returned as is.
   */
  about(identity: string, context: { chain?: readonly string[]; step?: number; plugin?: string } = {}): TfwrapError {
    if (this.identity !== undefined) return this;
    return new TfwrapError(this.code, this.detail, {
      ...this.options(),
      plugin: this.plugin ?? context.plugin,
      identity,
      chain: context.chain,
      subject: { identity, step: context.step },
      cause: this,
    });
  }

  private options(): TfwrapErrorOptions & { subject?: ErrorSubject } {
    const { hint, location, plugin, identity, chain, configPath, command, stackName, component, subject } = this;
    return { hint, location, plugin, identity, chain, configPath, command, stackName, component, subject };
  }

  /** One line for a terminal: `file:line: message (plugin x). Hint: ... [CODE]`. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    const plugin = this.plugin && !this.message.includes(this.plugin) ? ` (plugin ${this.plugin})` : '';
    const hint = this.hint ? ` Hint: ${this.hint}` : '';
    return oneLine(`${where}${this.message}${plugin}.${hint} [${this.code}]`).replace(/\.\.(?![./])/g, '.');
  }
}

/** The identity an error was put under by {@link TfwrapError.about}, and its step in `chain` (from 0). */
export interface ErrorSubject {
  identity: string;
  step?: number;
}

/** The message from the fields: the subject an error was put under, then what is wrong. */
function composeMessage(err: TfwrapError): string {
  if (!err.subject) return err.detail;
  const { identity, step } = err.subject;
  const chain = err.chain ?? [];
  const where = step !== undefined && chain.length > 1 ? ` (step ${step + 1} of ${chain.join(' -> ')})` : '';
  return `identity "${identity}"${where}: ${err.detail}`;
}

export function formatLocation(loc: SourceLocation): string {
  return [loc.file, loc.line, loc.line ? loc.column : undefined].filter((part) => part !== undefined).join(':');
}

export function isTfwrapError(err: unknown): err is TfwrapError {
  return err instanceof TfwrapError;
}

/** Error messages from libraries span lines; tfwrap prints one. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The message of any thrown value, as one line. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return oneLine(err.message || err.name);
  return oneLine(String(err));
}

/** Several problems found at once (validation reports them all, not the first). */
export class TfwrapErrors extends Error {
  static override [Symbol.hasInstance](value: unknown): value is TfwrapErrors {
    return this === TfwrapErrors ? hasBrand(value, errorsBrand) : Function.prototype[Symbol.hasInstance].call(this, value);
  }

  override readonly name = 'TfwrapErrors';
  constructor(readonly errors: TfwrapError[]) {
    super(errors.map((e) => e.format()).join('\n'));
  }
  get exitCode(): number {
    return this.errors[0]?.exitCode ?? ExitCode.config;
  }
}
Object.defineProperty(TfwrapError.prototype, errorBrand, { value: true });
Object.defineProperty(TfwrapErrors.prototype, errorsBrand, { value: true });
