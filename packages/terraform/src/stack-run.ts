/**
 * Running a set of components of one stack: levels in dependency order, the components of a level
 * in parallel (at most `parallelism` at once; two components built from the same directory never
 * at the same time), each with its own identity. A failure stops what has not started yet unless
 * `continueOnError`; then only what depends on the failure is skipped. An interrupt aborts the
 * run's signal: the running Terraforms get it once (a second one kills them, run.ts), and nothing
 * new starts; the run waits for them before it removes their run files.
 */
import { TfwrapError, type AuthResult, type Run } from '@tfwrap/core';
import type { ComponentInstance } from '@tfwrap/stacks';
import { RunDisplay } from './display.js';
import { combinedExitCode } from './report.js';
import { TerraformRunner, componentEnv, type ComponentResult, type TerraformSettings } from './runner.js';

export interface StackRunOptions {
  /** The command's run: its signal stops the scheduler, its children are the Terraforms. */
  run: Run;
  settings: TerraformSettings;
  /** From `stack.dependencyLevels(names)`. */
  levels: ComponentInstance[][];
  subcommand: string[];
  /** Terraform's own arguments, for every component. */
  args: string[];
  skipInit: boolean;
  /** `--init`: run terraform init even when nothing it depends on changed. */
  forceInit?: boolean;
  parallelism: number;
  continueOnError: boolean;
  /** Terraform's stdout goes to stderr (stdout carries the JSON summary). */
  json: boolean;
  /** The identity to run a component as; undefined for no tfwrap auth. */
  identityFor(instance: ComponentInstance): string | undefined;
  fresh?: boolean;
  /**
   * Just before a component runs (after the components it depends on): its final form, with the
   * deferred YAML functions evaluated (deferred-values.ts). A TfwrapError fails the component.
   */
  prepare?(instance: ComponentInstance): Promise<ComponentInstance>;
  /** Per-component Terraform arguments (plan files named per component); default: `args` as they are. */
  argsFor?(instance: ComponentInstance, args: string[]): string[];
}

export interface StackRunSummary {
  results: ComponentResult[];
  exitCode: number;
}

export async function runComponents(options: StackRunOptions): Promise<StackRunSummary> {
  const { run } = options;
  const all = options.levels.flat();
  const multi = all.length > 1;
  const display = new RunDisplay({
    multi,
    out: options.json ? process.stderr : process.stdout,
    err: process.stderr,
    live: process.stderr.isTTY === true,
    total: all.length,
  });
  const runner = new TerraformRunner(run, options.settings);
  const auths = new Map<string, Promise<AuthResult>>();
  const authFor = (identity: string) => {
    let auth = auths.get(identity);
    // A run must not start on a session about to end (auth.session.min_remaining).
    if (!auth) auths.set(identity, (auth = run.authenticate(identity, { fresh: options.fresh }).then((a) => run.ensureRemainingLifetime(a, { fresh: options.fresh }))));
    return auth;
  };
  // Several components: no prompts (they would interleave); apply was confirmed for the whole stack.
  const args = multi ? withMultiArgs(options.subcommand[0]!, options.args) : options.args;

  const results = new Map<string, ComponentResult>();
  const failed = new Set<string>();
  const dirLocks = new Map<string, Promise<unknown>>();
  let stop = false;

  const skip = (instance: ComponentInstance, message: string): ComponentResult => ({
    stack: instance.stack,
    component: instance.name,
    identity: null,
    principalArn: null,
    command: options.subcommand.join(' '),
    result: 'skipped',
    exitCode: 0,
    add: null,
    change: null,
    destroy: null,
    durationMs: 0,
    message,
  });

  const runOne = async (listed: ComponentInstance): Promise<void> => {
    let instance = listed;
    const key = `${instance.stack}/${instance.name}`;
    const blockedBy = instance.dependsOn.find((dependency) => failed.has(dependency));
    const interrupted = run.signal.aborted;
    if (interrupted || stop || blockedBy) {
      const result = skip(instance, interrupted ? 'interrupted' : blockedBy ? `depends on ${blockedBy}, which did not succeed` : 'an earlier component failed');
      results.set(instance.name, result);
      failed.add(instance.name);
      return;
    }
    // One directory, one Terraform at a time (.terraform, backend.tf.json and the workspace are shared).
    const previous = dirLocks.get(instance.componentDir) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    dirLocks.set(instance.componentDir, previous.then(() => mine));
    await previous;
    const output = display.outputFor(key);
    const started = performance.now();
    let result: ComponentResult;
    try {
      if (options.prepare) instance = await options.prepare(instance);
      const identity = options.identityFor(instance);
      display.started(key, identity);
      const auth = identity ? await authFor(identity) : undefined;
      const env = await componentEnv(run, options.settings, instance, auth, { stdoutIsTerminal: process.stdout.isTTY === true && !options.json });
      result = await runner.run({ instance, subcommand: options.subcommand, args: options.argsFor ? options.argsFor(instance, args) : args, skipInit: options.skipInit, forceInit: options.forceInit, auth, env, output });
    } catch (err) {
      if (!(err instanceof TfwrapError)) throw err;
      result = {
        ...skip(instance, err.message),
        identity: options.identityFor(instance) ?? null,
        result: err.code === 'E_INTERRUPTED' ? 'interrupted' : 'failed',
        exitCode: err.exitCode,
        durationMs: Math.round(performance.now() - started),
        error: err,
      };
      if (multi) output.stderr(`tfwrap: error: ${err.format()}\n`);
    } finally {
      output.flush();
      release();
    }
    results.set(instance.name, result);
    if (result.result === 'failed' || result.result === 'interrupted') {
      failed.add(instance.name);
      if (!options.continueOnError) stop = true;
    }
    display.finished(key, result);
  };

  try {
    for (const level of options.levels) {
      await pool(level, Math.max(1, options.parallelism), runOne);
    }
  } finally {
    display.close();
  }

  const ordered = all.map((instance) => results.get(instance.name)!);
  display.summary(ordered);
  const exitCode = run.exitCodeFor(combinedExitCode(ordered));
  return { results: ordered, exitCode };
}

/** `-input=false` always; `-auto-approve` for apply and destroy (confirmed for the whole stack). */
function withMultiArgs(subcommand: string, args: readonly string[]): string[] {
  const result = [...args];
  const has = (name: string) => result.some((arg) => arg === `-${name}` || arg.startsWith(`-${name}=`));
  if (['plan', 'apply', 'destroy', 'refresh', 'import'].includes(subcommand) && !has('input')) result.push('-input=false');
  if ((subcommand === 'apply' || subcommand === 'destroy') && !has('auto-approve')) result.push('-auto-approve');
  return result;
}

/** Run `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
