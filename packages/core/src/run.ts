/**
 * One command's lifecycle, like webpack's Compilation under its Compiler: the `Tfwrap` host keeps
 * configuration, plugins, kinds and hooks; a `Run` owns what one command does after `beforeResolve`:
 * one AbortController for everything it starts (authentication steps, credential commands, SDK
 * calls, the stack scheduler), the children it runs, the live-refresh servers and run files its
 * children use, and its exit code. docs/adr/003-run-lifecycle.md.
 *
 * Signals (SIGINT, SIGTERM, SIGHUP): the first aborts the run and reaches each running child once
 * (not SIGINT when tfwrap is in a terminal's foreground: Ctrl-C reached the child already); nothing
 * new starts. A second one kills the children. Either way the run waits for its children to end
 * before it removes what they use, and ends with 128 + the signal's number.
 */
import type { ChildProcess } from 'node:child_process';
import { isatty } from 'node:tty';
import { Authenticator, throwIfInterrupted, type AuthenticateOptions } from './authenticator.js';
import { TfwrapError } from './errors.js';
import { runChild, signalExitCode, type ChildTracker } from './exec.js';
import { observe, type ExecRequest, type ExecResult, type PrepareEnvInfo, type RunRequest } from './hooks.js';
import type { AuthResult, Credentials, Env, LiveRun } from './identity.js';
import type { ExecIo, Tfwrap } from './tfwrap.js';

const RUN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class Run implements ChildTracker {
  private readonly controller = new AbortController();
  /** Running children, each with a way to learn that it ended. */
  private readonly children = new Map<ChildProcess, () => void>();
  private readonly ended = new Map<ChildProcess, Promise<void>>();
  private readonly cleanups: Array<() => void> = [];
  private interrupts = 0;
  private received: NodeJS.Signals | undefined;
  private unlisten: (() => void) | undefined;
  private readonly authenticator: Authenticator;

  private constructor(readonly tfwrap: Tfwrap, readonly request: RunRequest) {
    this.authenticator = tfwrap.authenticator;
  }

  /**
   * Start a run: `beforeResolve` over what the command line asked for (a tap may change it or
   * refuse it), and, with `signals`, this run answers SIGINT/SIGTERM/SIGHUP until `dispose`.
   */
  static async start(tfwrap: Tfwrap, request: RunRequest, options: { signals?: boolean; resolve?: boolean } = {}): Promise<Run> {
    const run = new Run(tfwrap, request);
    if (options.signals) run.listen();
    if (options.resolve === false) return run;
    try {
      const resolved = await tfwrap.hooks.beforeResolve.promise(request);
      (run as { request: RunRequest }).request = resolved;
    } catch (err) {
      await run.dispose();
      throw err;
    }
    return run;
  }

  /** Aborted on the first interrupt; everything the run starts listens to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that interrupted the run, if one did. */
  get interruptedBy(): NodeJS.Signals | undefined {
    return this.received;
  }

  interruptedCode(): number | undefined {
    return this.received ? signalExitCode(this.received) : undefined;
  }

  /** The status the command ends with: the signal's when interrupted, else the command's own. */
  exitCodeFor(code: number): number {
    return this.interruptedCode() ?? code;
  }

  /** Answer the three signals (the CLI does; an embedder may call `interrupt` itself). */
  listen(): void {
    if (this.unlisten) return;
    const onSignal = (signal: NodeJS.Signals) => this.interrupt(signal);
    for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
    this.unlisten = () => {
      for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
    };
  }

  /** First call: abort, forward once. Later calls: kill the children that still run. */
  interrupt(signal: NodeJS.Signals): void {
    this.interrupts++;
    if (this.interrupts === 1) {
      this.received = signal;
      this.tfwrap.log.debug(`${signal}: stopping the run`);
      this.controller.abort(new TfwrapError('E_INTERRUPTED', `interrupted by ${signal}`));
      const fromTerminal = isatty(0);
      if (!(signal === 'SIGINT' && fromTerminal)) for (const child of this.children.keys()) child.kill(signal);
      return;
    }
    for (const child of this.children.keys()) child.kill('SIGKILL');
  }

  add(child: ChildProcess): void {
    let done!: () => void;
    this.ended.set(child, new Promise<void>((resolve) => (done = resolve)));
    this.children.set(child, done);
  }

  delete(child: ChildProcess): void {
    this.children.get(child)?.();
    this.children.delete(child);
    this.ended.delete(child);
  }

  /** Authenticate with the run's signal: an interrupt abandons the chain and its commands. */
  authenticate(identity: string, options: Omit<AuthenticateOptions, 'signal'> = {}): Promise<AuthResult> {
    return this.authenticator.authenticate(identity, { ...options, signal: this.signal });
  }

  ensureRemainingLifetime(auth: AuthResult, options: Omit<AuthenticateOptions, 'signal'> = {}): Promise<AuthResult> {
    return this.authenticator.ensureRemainingLifetime(auth, { ...options, signal: this.signal });
  }

  whoami(auth: AuthResult) {
    return this.authenticator.whoami(auth, this.signal);
  }

  /**
   * The child's environment (Tfwrap.prepareEnv); with `live`, what a kind sets up for refresh
   * (servers, run files) belongs to this run and is removed by `dispose`.
   */
  prepareEnv(auth: AuthResult | undefined, info: Omit<PrepareEnvInfo, 'auth'> = {}, base: Readonly<Env> = this.tfwrap.parentEnv, options: { live?: boolean } = {}): Promise<Env> {
    return this.tfwrap.prepareEnv(auth, info, base, { live: options.live, liveRun: options.live ? (identity) => this.liveRun(identity) : undefined });
  }

  private liveRun(identity: string): LiveRun {
    let pending: Promise<Credentials | undefined> | undefined;
    return {
      // Not the run's signal: a child that is finishing after an interrupt may still need credentials.
      refresh: () =>
        (pending ??= this.authenticator
          .authenticate(identity)
          .then((auth) => auth.credentials)
          .finally(() => (pending = undefined))),
      onEnd: (cleanup) => this.onEnd(cleanup),
    };
  }

  /** Register cleanup for the end of the run (after its children ended). */
  onEnd(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /**
   * Run a child with `beforeExec`/`afterExec` around it (`phase` says which child it is). Nothing
   * starts once the run was interrupted. `afterExec` observes: a tap that throws is reported and
   * the child's exit code stands.
   */
  async exec(request: ExecRequest, auth?: AuthResult, extra: Partial<ExecResult> = {}, io: ExecIo = {}): Promise<ExecResult> {
    const phase = request.phase ?? 'main';
    request.phase = phase;
    throwIfInterrupted(this.signal);
    await this.tfwrap.hooks.beforeExec.promise(request);
    throwIfInterrupted(this.signal);
    this.tfwrap.log.debug(`exec (${phase}) ${request.command} ${(request.displayArgs ?? request.args).join(' ')}`);
    const outcome = await runChild({ command: request.command, args: request.args, env: request.env, cwd: request.cwd, stdio: io.stdio, onStdout: io.onStdout, onStderr: io.onStderr, tracker: this });
    const result: ExecResult = {
      phase,
      command: request.command,
      args: request.args,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      durationMs: outcome.durationMs,
      identity: auth?.identity,
      kind: auth?.kind,
      principalArn: auth?.chain[auth.chain.length - 1]?.principalArn,
      stack: request.stack,
      component: request.component,
      ...extra,
      ...io.finish?.(outcome),
    };
    await observe(this.tfwrap, () => this.tfwrap.hooks.afterExec.promise(result));
    return result;
  }

  /** Wait for every child to end, then remove what they used; stop answering signals. */
  async dispose(): Promise<void> {
    await Promise.all(this.ended.values());
    for (const cleanup of this.cleanups.splice(0)) {
      try {
        cleanup();
      } catch (err) {
        this.tfwrap.log.debug(`cleanup failed: ${(err as Error).message}`);
      }
    }
    this.unlisten?.();
    this.unlisten = undefined;
  }
}
