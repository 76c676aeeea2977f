/**
 * Running a child with the prepared environment.
 *
 * node:child_process rather than execa here: `tfwrap auth exec` is on the hot path and execa costs
 * ~70 ms to import (measured once; bench/ambient-exec.mjs times the whole path). Only three things
 * matter for this child: the exact env (nothing inherited), inherited stdio, and signals.
 *
 * Signals: SIGTERM, SIGINT and SIGHUP reach the child once, so terraform can release its state lock.
 * When tfwrap is in the foreground of a terminal, Ctrl-C already reached the child through the
 * process group, so SIGINT is not sent twice (terraform treats a second SIGINT as "abort now").
 * A second interrupt kills the child. Inside a `Run` (run.ts), the run does this for all of its
 * children at once (`tracker`), and also aborts whatever else the run is doing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { ExitCode, TfwrapError } from './errors.js';
import { monotonicMs } from './duration.js';
import type { Env } from './identity.js';

export interface SpawnOptions {
  command: string;
  args: readonly string[];
  env: Env;
  cwd: string;
  /** Default: inherit all three. */
  stdio?: 'inherit' | ['inherit' | 'pipe' | 'ignore', 'inherit' | 'pipe' | 'ignore', 'inherit' | 'pipe' | 'ignore'];
  /** Called with each chunk when stdout/stderr are piped. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** The run that owns the child: it forwards signals and waits for the child before cleaning up. */
  tracker?: ChildTracker;
}

/** What a run offers its children (run.ts). */
export interface ChildTracker {
  add(child: ChildProcess): void;
  delete(child: ChildProcess): void;
  /** The exit status the run ends with when it was interrupted (130, 143, 129); else undefined. */
  interruptedCode(): number | undefined;
}

/** 128 + the signal's number, as a shell reports it: SIGINT 130, SIGTERM 143, SIGHUP 129. */
export function signalExitCode(signal: string): number {
  return 128 + (constants.signals[signal as NodeJS.Signals] ?? 2);
}

export interface SpawnResult {
  exitCode: number;
  signal?: string;
  /** tfwrap received SIGINT/SIGTERM while the child ran. */
  interrupted: boolean;
  durationMs: number;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function runChild(options: SpawnOptions): Promise<SpawnResult> {
  const start = monotonicMs();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: options.stdio ?? 'inherit',
    });
    if (options.onStdout) child.stdout?.on('data', options.onStdout);
    if (options.onStderr) child.stderr?.on('data', options.onStderr);

    const tracker = options.tracker;
    let interrupts = 0;
    let received: string | undefined;
    // Not process.stdin.isTTY: creating process.stdin opens a stream on it (and loads fs/promises for a file).
    const fromTerminal = isatty(0);
    const onSignal = (signal: NodeJS.Signals) => {
      interrupts++;
      received ??= signal;
      if (interrupts > 1) {
        child.kill('SIGKILL');
      } else if (!(signal === 'SIGINT' && fromTerminal)) {
        child.kill(signal);
      }
    };
    if (tracker) tracker.add(child);
    else for (const signal of FORWARDED) process.on(signal, onSignal);
    const cleanup = () => {
      if (tracker) tracker.delete(child);
      else for (const signal of FORWARDED) process.off(signal, onSignal);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err.code === 'ENOENT') {
        reject(new TfwrapError('E_COMMAND_NOT_FOUND', `command "${options.command}" not found`, {
          command: options.command,
          cause: err,
          hint: 'check that it is installed and on PATH',
        }));
      } else if (err.code === 'EACCES') {
        reject(new TfwrapError('E_COMMAND_NOT_FOUND', `command "${options.command}" is not executable`, { command: options.command, cause: err, hint: 'check its permissions' }));
      } else {
        reject(err);
      }
    });
    child.on('close', (code, signal) => {
      cleanup();
      const signalCode = signal ? signalExitCode(signal) : undefined;
      const interruptedCode = tracker ? tracker.interruptedCode() : received ? signalExitCode(received) : undefined;
      resolvePromise({
        exitCode: interruptedCode ?? code ?? signalCode ?? ExitCode.internal,
        signal: signal ?? undefined,
        interrupted: interruptedCode !== undefined,
        durationMs: monotonicMs() - start,
      });
    });
  });
}
