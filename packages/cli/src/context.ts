/** What every command needs: global options, the Tfwrap object, output helpers. */
import { resolve } from 'node:path';
import { Tfwrap, type RunRequest } from '@tfwrap/core';
import { builtinPlugins } from './builtins.js';

export interface GlobalOptions {
  config?: string;
  chdir?: string;
  debug?: boolean;
}

export function workingDirectory(options: GlobalOptions): string {
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

/** Run `beforeResolve` over a request built from the command line. */
export function resolveRequest(tfwrap: Tfwrap, request: Omit<RunRequest, 'cwd'>, options: GlobalOptions): Promise<RunRequest> {
  return tfwrap.hooks.beforeResolve.promise({ ...request, cwd: workingDirectory(options) });
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
