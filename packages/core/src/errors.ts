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
  /** The program to run (terraform, the command after `--`) could not be found. */
  notFound: 127,
  /** Interrupted by SIGINT or SIGTERM. */
  interrupted: 130,
} as const;

const catalogue = {
  E_CONFIG_NOT_FOUND: ExitCode.config,
  E_CONFIG_SYNTAX: ExitCode.config,
  E_CONFIG_INVALID: ExitCode.config,
  E_PLUGIN_MISSING: ExitCode.config,
  E_PLUGIN_LOAD: ExitCode.config,
  E_PLUGIN_INVALID: ExitCode.config,
  E_PLUGIN_API_VERSION: ExitCode.config,
  E_PLUGIN_HOOK: ExitCode.config,
  E_KIND_DUPLICATE: ExitCode.config,
  E_KIND_UNKNOWN: ExitCode.config,
  E_IDENTITY_UNKNOWN: ExitCode.config,
  E_IDENTITY_NONE: ExitCode.config,
  E_IDENTITY_INVALID: ExitCode.config,
  E_IDENTITY_CYCLE: ExitCode.config,
  E_CHAIN_TOO_DEEP: ExitCode.config,
  E_CHAIN_INCOMPATIBLE: ExitCode.config,
  E_STACK_UNKNOWN: ExitCode.config,
  E_STACK_INVALID: ExitCode.config,
  E_COMPONENT_UNKNOWN: ExitCode.config,
  E_COMPONENT_INVALID: ExitCode.config,
  E_COMPONENT_LOCKED: ExitCode.config,
  E_IMPORT_MISSING: ExitCode.config,
  E_IMPORT_CYCLE: ExitCode.config,
  E_IMPORT_OUTSIDE: ExitCode.config,
  E_STATE_CONFLICT: ExitCode.config,
  E_UNSUPPORTED: ExitCode.config,
  E_FUNCTION_FAILED: ExitCode.config,
  E_AUTH_FAILED: ExitCode.auth,
  E_AUTH_TIMEOUT: ExitCode.auth,
  E_AUTH_EXPIRING: ExitCode.auth,
  E_USAGE: ExitCode.usage,
  E_COMMAND_NOT_FOUND: ExitCode.notFound,
  E_INTERRUPTED: ExitCode.interrupted,
  E_INTERNAL: ExitCode.internal,
} as const;

/**
 * Codes plugins add, by declaration merging, so that a plugin's `new TfwrapError('E_VAULT_SEALED', ...)`
 * type-checks: `declare module '@tfwrap/core' { interface PluginErrorCodes { E_VAULT_SEALED: true } }`.
 * The plugin registers each code's exit class when it is applied (`registerErrorCode`).
 */
export interface PluginErrorCodes {}

export type ErrorCode = keyof typeof catalogue | Extract<keyof PluginErrorCodes, string>;

/** The exit classes a plugin's code may end a run with. */
export type ExitClass = Exclude<keyof typeof ExitCode, 'ok' | 'notFound' | 'interrupted'>;

/** One registry per process, shared by every copy of core (a plugin may bring its own). */
function pluginCodes(): Map<string, { exitCode: number; plugin: string }> {
  const slot = Symbol.for('tfwrap.pluginErrorCodes');
  const global = globalThis as Record<symbol, Map<string, { exitCode: number; plugin: string }> | undefined>;
  return (global[slot] ??= new Map());
}

/** Add a plugin's error code with its exit class; a code of core or of another plugin is refused. */
export function registerErrorCode(code: string, exitClass: ExitClass, plugin: string): void {
  const taken = code in catalogue ? 'tfwrap' : pluginCodes().get(code)?.plugin;
  if (!/^E_[A-Z0-9_]+$/.test(code) || (taken && taken !== plugin)) {
    throw new TfwrapError('E_PLUGIN_INVALID', taken ? `plugin "${plugin}" declares error code ${code}, which ${taken === 'tfwrap' ? 'tfwrap itself uses' : `plugin "${taken}" declared first`}` : `plugin "${plugin}" declares error code "${code}", which is not E_ and upper-case words`, {
      plugin,
      hint: 'prefix the plugin\'s codes with its own name, such as E_VAULT_SEALED',
    });
  }
  pluginCodes().set(code, { exitCode: ExitCode[exitClass], plugin });
}

/** Where in a file a problem is. Lines and columns count from 1. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface TfwrapErrorOptions {
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
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly plugin?: string;

  constructor(code: ErrorCode, message: string, options: TfwrapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.plugin = options.plugin;
  }

  get exitCode(): number {
    return (catalogue as Record<string, number>)[this.code] ?? pluginCodes().get(this.code)?.exitCode ?? ExitCode.internal;
  }

  /** One line for a terminal: `file:line: message (plugin x). Hint: ... [CODE]`. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    const plugin = this.plugin && !this.message.includes(this.plugin) ? ` (plugin ${this.plugin})` : '';
    const hint = this.hint ? ` Hint: ${this.hint}` : '';
    return oneLine(`${where}${this.message}${plugin}.${hint} [${this.code}]`).replace(/\.\.(?![./])/g, '.');
  }
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
