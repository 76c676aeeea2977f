/**
 * The hook pipeline, on one object like webpack's `compiler.hooks`. docs/plugins.md documents
 * each hook: when it runs, what it receives and what a tap may change.
 */
import tapable from 'tapable';
import type { AsyncSeriesHook as AsyncSeriesHookType, AsyncSeriesWaterfallHook as AsyncSeriesWaterfallHookType } from 'tapable';
import { monotonicMs } from './duration.js';
import { TfwrapError, isTfwrapError, messageOf } from './errors.js';
import type { AuthResult, Env, IdentityConfig } from './identity.js';
import type { Logger } from './logger.js';

const { AsyncSeriesHook, AsyncSeriesWaterfallHook } = tapable;

/** What the user asked for, before stack, component and identity are resolved. */
export interface RunRequest {
  /** The tfwrap command: `auth exec`, `auth whoami`, `plan`, `apply`, ... */
  command: string;
  /** `--identity`/`TFWRAP_IDENTITY`; `false` runs with no tfwrap auth; undefined uses the default. */
  identity?: string | false;
  stack?: string;
  components?: string[];
  /** Arguments for the child (after `--`, or terraform's extra arguments). */
  args: string[];
  cwd: string;
}

export interface AuthenticateStepInfo {
  /** The identity about to be authenticated. */
  identity: string;
  kind: string;
  config: IdentityConfig;
  /** The identity whose credentials feed this one. */
  sourceIdentity?: string;
  /** Position in the chain, 0 = root. */
  step: number;
  /** The whole chain, root first. */
  chain: readonly string[];
}

export interface PrepareEnvInfo {
  auth?: AuthResult;
  stack?: string;
  component?: string;
}

/**
 * Which child of a run this is: `init` and `workspace` (terraform's preparation), `hook` (a stack
 * command, an entry of a stack's `hooks:` section, whose key it is named after), `main` (the
 * terraform command asked for, or the command of `auth exec`).
 */
export type ExecPhase = 'init' | 'workspace' | 'hook' | 'main';

export interface ExecRequest {
  /** Which child of the run this is; `main` when not given. */
  phase?: ExecPhase;
  command: string;
  args: string[];
  /** The arguments as `--debug` shows them, when some hold secrets (terraform's `-var` values). */
  displayArgs?: string[];
  env: Env;
  cwd: string;
  identity?: string;
  stack?: string;
  component?: string;
}

/** Counts read from a terraform plan; plugins that run terraform fill it. */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
}

export interface ExecResult {
  /** Which child of the run this was (always set by tfwrap; optional for results built elsewhere). */
  phase?: ExecPhase;
  command: string;
  args: string[];
  exitCode: number;
  /** Set when the child was ended by a signal. */
  signal?: string;
  durationMs: number;
  identity?: string;
  kind?: string;
  principalArn?: string;
  stack?: string;
  component?: string;
  /** The terraform subcommand (plan, apply, ...) when the child is terraform. */
  subcommand?: string;
  planSummary?: PlanSummary;
}

export class TfwrapHooks {
  // Hooks that can stop a run: beforeResolve, beforeAuthenticate, prepareEnv and beforeExec (a tap
  // that throws ends the run with its error). Observers: afterAuthenticate and afterExec (a tap that
  // throws is reported on one line; the run's result stands). docs/plugins.md says the same.

  /** Before anything is resolved; taps may return a changed request or throw to stop the run. */
  readonly beforeResolve: AsyncSeriesWaterfallHookType<[RunRequest]> = new AsyncSeriesWaterfallHook(['request']);
  /** Once per step of an identity chain, root first, before any step fetches credentials. Throw to refuse. */
  readonly beforeAuthenticate: AsyncSeriesHookType<[AuthenticateStepInfo]> = new AsyncSeriesHook(['step']);
  /** After the whole chain authenticated; the result holds every step. An observer: it cannot stop the run. */
  readonly afterAuthenticate: AsyncSeriesHookType<[AuthResult]> = new AsyncSeriesHook(['result']);
  /** A waterfall over the child's environment; it starts from what the identity's own preparation returned. */
  readonly prepareEnv: AsyncSeriesWaterfallHookType<[Env, PrepareEnvInfo]> = new AsyncSeriesWaterfallHook(['env', 'info']);
  /** Just before a child starts. Taps may change args, env or cwd in place, or throw to stop. */
  readonly beforeExec: AsyncSeriesHookType<[ExecRequest]> = new AsyncSeriesHook(['request']);
  /** After a child ended: exit code, duration, identity, command, phase. For audit logs and notifications; an observer. */
  readonly afterExec: AsyncSeriesHookType<[ExecResult]> = new AsyncSeriesHook(['result']);
}

export type HookName = keyof TfwrapHooks;

/**
 * Call an observer hook: a tap that throws is reported as one warning line naming its plugin, and
 * what it observed (a child's exit code, an authentication) stands.
 */
export async function observe(host: { log: Logger }, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    host.log.warn(isTfwrapError(err) ? err.format() : messageOf(err));
  }
}

/** Who tapped what, for `tfwrap plugins list` and error messages. */
export interface TapRecord {
  hook: HookName;
  name: string;
  plugin: string;
}

/**
 * Wrap every tap so that an exception names the plugin that threw it, and so that --debug times
 * each plugin. `currentPlugin` says which plugin's `apply` is running while it taps.
 */
export function instrumentHooks(hooks: TfwrapHooks, log: Logger, currentPlugin: () => string | undefined, taps: TapRecord[]): void {
  for (const hookName of Object.keys(hooks) as HookName[]) {
    const hook = hooks[hookName];
    hook.intercept({
      register(tap) {
        const plugin = currentPlugin() ?? tap.name;
        taps.push({ hook: hookName, name: tap.name, plugin });
        const original = tap.fn as (...args: unknown[]) => unknown;
        const fail = (err: unknown): never => {
          if (isTfwrapError(err) && err.plugin) throw err;
          if (isTfwrapError(err)) throw new TfwrapError(err.code, err.message, { hint: err.hint, location: err.location, plugin, cause: err });
          throw new TfwrapError('E_PLUGIN_HOOK', `plugin "${plugin}" failed in hook ${hookName}: ${messageOf(err)}`, {
            plugin,
            hint: `this is a problem in ${plugin}; run with --debug for details, or remove it from plugins:`,
            cause: err,
          });
        };
        if (tap.type === 'promise') {
          tap.fn = async (...args: unknown[]) => {
            const start = monotonicMs();
            try {
              return await original(...args);
            } catch (err) {
              return fail(err);
            } finally {
              log.debug(`hook ${hookName} by ${plugin} (${tap.name}): ${(monotonicMs() - start).toFixed(1)} ms`);
            }
          };
        } else if (tap.type === 'sync') {
          tap.fn = (...args: unknown[]) => {
            const start = monotonicMs();
            try {
              return original(...args);
            } catch (err) {
              return fail(err);
            } finally {
              log.debug(`hook ${hookName} by ${plugin} (${tap.name}): ${(monotonicMs() - start).toFixed(1)} ms`);
            }
          };
        } else {
          tap.fn = (...args: unknown[]) => {
            const callback = args.pop() as (err?: unknown, result?: unknown) => void;
            original(...args, (err?: unknown, result?: unknown) => {
              if (err) {
                try {
                  fail(err);
                } catch (wrapped) {
                  callback(wrapped);
                  return;
                }
              }
              callback(undefined, result);
            });
          };
        }
        return tap;
      },
    });
  }
}
