// Run tfwrap (or any tool) as a child process with exactly the environment given.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root (this file is test/dist/support/cli.js once built). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const tfwrapBin = join(repoRoot, 'packages/cli/bin/tfwrap.cjs');

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

/** `node packages/cli/bin/tfwrap.cjs ...args`, with the node running these tests. */
export function runTfwrap(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return runCommand(process.execPath, [tfwrapBin, ...args], opts);
}

/** `result`, after asserting that it exited 0 (the message shows what it printed). */
export function ok(result: RunResult, what: string): RunResult {
  assert.equal(result.exitCode, 0, `${what} failed (exit ${result.exitCode}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

export interface InterruptedRun {
  /** null when a signal ended it. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Ctrl-C as a terminal sends it: tfwrap runs in a process group of its own, and once `ready()`
 * holds (a black-hole endpoint got its connection, ...) SIGINT goes to the whole group. Fails,
 * saying so, when `ready()` never holds or tfwrap has not exited `exitWithinMs` after the signal
 * (then the group is killed): "at once" means well before the SDK's own time limits.
 */
export async function interruptTfwrap(args: readonly string[], opts: RunOptions & { ready: () => boolean; exitWithinMs: number }): Promise<InterruptedRun> {
  const child = spawn(process.execPath, [tfwrapBin, ...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let exited = false;
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => ((exited = true), resolve(code))));
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const readyBy = Date.now() + (opts.timeout ?? 60_000);
  while (!opts.ready()) {
    if (exited) assert.fail(`tfwrap ${args.join(' ')} ended before the moment to interrupt it:\n${stderr}`);
    if (Date.now() > readyBy) {
      process.kill(-child.pid!, 'SIGKILL');
      assert.fail(`tfwrap ${args.join(' ')} never reached the moment to interrupt it:\n${stderr}`);
    }
    await wait(50);
  }
  process.kill(-child.pid!, 'SIGINT');
  const exitCode = await Promise.race([closed, wait(opts.exitWithinMs).then(() => 'late' as const)]);
  if (exitCode === 'late') {
    process.kill(-child.pid!, 'SIGKILL');
    await closed;
    assert.fail(`tfwrap ${args.join(' ')} was still running ${opts.exitWithinMs} ms after SIGINT (it waits for its requests' time limits instead of stopping):\n${stderr}`);
  }
  return { exitCode, stdout, stderr };
}
