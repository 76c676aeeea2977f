/**
 * Commands a plugin adds to the tfwrap CLI (`tfwrap auth user configure`). The definition is light
 * (words, description, options); the handler sits behind `load()`, so the CLI can list and parse a
 * plugin's commands without importing what they do. Core knows no command-line library: the CLI
 * turns these definitions into its own commands.
 */
import type { Run } from './run.js';
import type { RunRequest } from './hooks.js';
import type { Tfwrap } from './tfwrap.js';

export interface CommandOption {
  /** As a command line spells it: `-i, --identity <name>`, `--fresh`. */
  flags: string;
  description: string;
}

export interface CommandDefinition {
  /** The words after `tfwrap`: `['auth', 'user', 'configure']`. Missing parents are created. */
  name: readonly string[];
  description: string;
  options?: readonly CommandOption[];
  /**
   * Loads the handler when the command runs. Left out for a group that only holds commands
   * (`auth user`), which the definition then describes.
   */
  load?(): Promise<CommandHandler> | CommandHandler;
}

/** Runs the command; returns the exit status (0 when undefined). */
export type CommandHandler = (ctx: CommandContext) => Promise<number | void>;

export interface CommandContext {
  /** Option values by camel-cased long name (`--mfa-token` is `mfaToken`). */
  options: Record<string, unknown>;
  /** The Tfwrap object for the directory and configuration file the command line named. */
  tfwrap(): Promise<Tfwrap>;
  /**
   * Do the work as one run, the way tfwrap's own commands do: `beforeResolve` over the request,
   * signals handled, children waited for. Returns the exit status.
   */
  withRun(tfwrap: Tfwrap, request: Omit<RunRequest, 'cwd'>, work: (run: Run) => Promise<number | void>): Promise<number>;
}
