// Run tfwrap (or any tool) as a child process with exactly the environment given.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root (this file is test/dist/support/cli.js once built). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const tfwrapBin = join(repoRoot, 'packages/cli/bin/tfwrap.js');

export interface RunOptions {
  /** The complete environment, e.g. from hermeticEnv(); nothing is inherited. */
  env: Record<string, string>;
  cwd: string;
  /** Written to stdin; without it stdin is /dev/null so prompts cannot hang. */
  input?: string;
  /** Kill after this many ms (default 60 s); the result then has timedOut = true. */
  timeout?: number;
}

export interface RunResult {
  /** -1 when killed by a signal (see `signal`). */
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  signal?: string;
}

export async function runCommand(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const result = await execa(file, args, {
    env: opts.env,
    extendEnv: false,
    reject: false,
    cwd: opts.cwd,
    timeout: opts.timeout ?? 60_000,
    ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.timedOut,
    ...(result.signal ? { signal: result.signal } : {}),
  };
}

/** `node packages/cli/bin/tfwrap.js ...args`, with the node running these tests. */
export function runTfwrap(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return runCommand(process.execPath, [tfwrapBin, ...args], opts);
}

/** `result`, after asserting that it exited 0 (the message shows what it printed). */
export function ok(result: RunResult, what: string): RunResult {
  assert.equal(result.exitCode, 0, `${what} failed (exit ${result.exitCode}):\n${result.stderr}\n${result.stdout}`);
  return result;
}
