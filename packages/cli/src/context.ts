/** What every command needs: global options, the Tfwrap object, output helpers. */
import { resolve } from 'node:path';
import { Tfwrap, type Run, type RunRequest } from '@tfwrap/core';
import { builtinPlugins } from './builtins.js';

export interface GlobalOptions {
  config?: string;
  chdir?: string;
  debug?: boolean;
}

function workingDirectory(options: GlobalOptions): string {
  return options.chdir ? resolve(options.chdir) : process.cwd();
}

export function createTfwrap(options: GlobalOptions): Promise<Tfwrap> {
  return Tfwrap.create({
    cwd: workingDirectory(options),
    configPath: options.config,
    debug: options.debug,
    builtinPlugins,
  });
}

/**
 * The one path of every command that resolves an identity or a stack: `beforeResolve` over what
 * the command line asked for (a policy tap may change or refuse it), then a Run that owns the
 * command's work, its children and its signals; at the end the run waits for its children and
 * removes what they used. Returns the exit status: the work's, or 130/143/129 when interrupted.
 */
export async function withRun(tfwrap: Tfwrap, request: Omit<RunRequest, 'cwd'>, options: GlobalOptions, work: (run: Run) => Promise<number | void>): Promise<number> {
  const run = await tfwrap.startRun({ ...request, cwd: workingDirectory(options) }, { signals: true });
  try {
    return run.exitCodeFor((await work(run)) ?? 0);
  } catch (err) {
    // Whatever failed after an interrupt failed because of it (a killed credential command). A
    // signal that came while a synchronous child ran (`!exec`) is handled on the event loop's next
    // turn, after this catch: give it that turn before deciding.
    if (!run.interruptedBy) await signalsDelivered();
    if (!run.interruptedBy) throw err;
    process.stderr.write(`tfwrap: interrupted by ${run.interruptedBy}\n`);
    return run.exitCodeFor(0);
  } finally {
    await run.dispose();
  }
}

/**
 * Resolves once a signal that already arrived has reached its handlers: they run in the event
 * loop's poll phase, and the second of two immediates comes after one.
 */
async function signalsDelivered(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** `--identity=false` and friends mean "no tfwrap auth". */
export function identityFlag(value: string | undefined): string | false | undefined {
  if (value === undefined) return undefined;
  return /^(false|0|no|off)$/i.test(value) ? false : value;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Columns padded to the widest cell; the last column is not padded. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ').trimEnd()).join('\n') + '\n';
}
