/**
 * Running Terraform for one component of one stack:
 *
 *   1. write `<stack>-<component>.terraform.tfvars.json` and `backend.tf.json` (atomically);
 *   2. `terraform init` when something it depends on changed since the last successful init in the
 *      directory (init-fingerprint.ts), or `--init`; never with `--skip-init` (providers from a shared
 *      plugin cache; `-reconfigure` when backend.tf.json changed);
 *   3. select the workspace named after the stack, creating it when missing (workspace.ts);
 *   4. the stack commands (`hooks:`) on `before-terraform-<command>`; a failing one stops here;
 *   5. the command itself, with `-var-file`;
 *   6. the stack commands on `after-terraform-<command>` (store hooks among them: store-hooks.ts).
 *
 * Every child goes through the run (`run.exec`): `beforeExec`/`afterExec` see it with its phase
 * (init, workspace, hook for a stack command, main), an interrupt reaches it, and nothing starts after one.
 * Steps 2 and 3 run quietly; their output is shown when they fail.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, TfwrapError, type AuthResult, type Env, type ExecPhase, type PlanSummary, type Run, type Tfwrap } from '@tfwrap/core';
import { deferredTagsIn, stackCommandsFor, terraformCommandFrom, type ComponentInstance, type StackCommand } from '@tfwrap/stacks';
import { hasFlag, maskArgs } from './args.js';
import { backendText, writeComponentFiles, type WrittenFiles } from './files.js';
import { decideInit, forgetInit, partialInitArgs, recordInit, type InitContext } from './init-fingerprint.js';
import { ensureWorkspace } from './workspace.js';
import { SummaryReader } from './summary.js';
import { writeStoreHook, type TerraformOutput } from './store-hooks.js';

/** Subcommands that take the stack's variables with `-var-file`. */
const VARFILE_COMMANDS = new Set(['plan', 'apply', 'destroy', 'refresh', 'import', 'console']);
/** Subcommands a `metadata.locked: true` component refuses. */
export const LOCKED_COMMANDS = new Set(['apply', 'destroy', 'import', 'taint', 'untaint']);

export interface TerraformSettings {
  /**
   * `components.terraform.command`: `terraform`, `tofu`, or a path; for what concerns no component
   * (fmt). A component runs its own `command` (stack.ts), which starts from this one.
   */
  command: string;
  /** The shared provider plugin cache (`TF_PLUGIN_CACHE_DIR`) unless the environment sets one. */
  pluginCacheDir: string;
  /** `components.terraform.auto_generate_backend_file` (default true; false when atmos.yaml is read and does not set it, as in Atmos). */
  autoGenerateBackendFile: boolean;
  /** `components.terraform.init_run_reconfigure`: every init gets `-reconfigure`. */
  initRunReconfigure: boolean;
  /** `components.terraform.apply_auto_approve`: apply gets `-auto-approve`. */
  applyAutoApprove: boolean;
  /** `components.terraform.deploy_run_init` (default false, as in Atmos): `terraform deploy` runs init first. */
  deployRunInit: boolean;
}

/** The project configuration's `components.terraform.*` settings. */
export function terraformSettingsFrom(tfwrap: Tfwrap): TerraformSettings {
  const components = tfwrap.config.components as { terraform?: unknown } | undefined;
  const resolved = terraformCommandFrom(tfwrap.loaded.dir, tfwrap.config, tfwrap.configFile);
  const terraform = (components?.terraform ?? {}) as Record<string, unknown>;
  const flag = (key: string, fallback: boolean): boolean => {
    const value = terraform[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      throw new TfwrapError('E_CONFIG_INVALID', `components.terraform.${key} must be true or false`, {
        configPath: ['components', 'terraform', key],
        location: tfwrap.configFile ? { file: tfwrap.configFile } : undefined,
      });
    }
    return value;
  };
  return {
    command: resolved,
    pluginCacheDir: path.join(tfwrap.paths.cacheDir, 'terraform-plugins'),
    // Atmos writes backend.tf.json only when told to; tfwrap's own default is to write it.
    autoGenerateBackendFile: flag('auto_generate_backend_file', tfwrap.loaded.atmosFile === undefined),
    initRunReconfigure: flag('init_run_reconfigure', false),
    applyAutoApprove: flag('apply_auto_approve', false),
    deployRunInit: flag('deploy_run_init', false),
  };
}

/** Where a component's output goes. Chunks, not lines: a prompt has no newline. */
export interface ComponentOutput {
  stdout(chunk: Buffer | string): void;
  stderr(chunk: Buffer | string): void;
}

export type ComponentOutcome = 'ok' | 'changes' | 'failed' | 'interrupted' | 'skipped';

export interface ComponentResult {
  stack: string;
  component: string;
  identity: string | null;
  principalArn: string | null;
  command: string;
  result: ComponentOutcome;
  exitCode: number;
  add: number | null;
  change: number | null;
  destroy: number | null;
  durationMs: number;
  /** Why it failed or was skipped, when tfwrap knows more than the exit code. */
  message?: string;
  /** A tfwrap error that stopped this component (not serialised). */
  error?: TfwrapError;
}

export interface ComponentRunRequest {
  instance: ComponentInstance;
  /** `['plan']`, or `['state', 'list']` for passthrough commands. */
  subcommand: string[];
  /** Terraform's own arguments. */
  args: string[];
  skipInit: boolean;
  /** `--init`: run terraform init even when nothing it depends on changed. */
  forceInit?: boolean;
  auth?: AuthResult;
  /** The prepared environment (see `componentEnv`). */
  env: Env;
  output: ComponentOutput;
}

/** Whether Terraform may wait for input from a terminal (a single component, stdin a terminal). */
export interface ComponentEnvOptions {
  stdoutIsTerminal: boolean;
}

/**
 * The environment for one component: the identity's prepared environment (the `prepareEnv`
 * waterfall), then the stack's `env:`, then `TF_IN_AUTOMATION` when stdout is not a terminal.
 * `TF_WORKSPACE` is dropped (tfwrap selects the workspace itself; the variable silently creates
 * one), and a `TF_CLI_CONFIG_FILE` naming a missing file is dropped (Terraform would warn on every run).
 */
export async function componentEnv(run: Run, settings: TerraformSettings, instance: ComponentInstance, auth: AuthResult | undefined, options: ComponentEnvOptions): Promise<Env> {
  const { tfwrap } = run;
  // live: terraform runs under this process, so a managed identity's session refreshes through it
  // (the run owns the refresh server and removes it after its children ended).
  const prepared = await run.prepareEnv(auth, { stack: instance.stack, component: instance.name }, tfwrap.parentEnv, { live: true });
  const env: Env = { ...prepared, ...instance.env };
  if (!options.stdoutIsTerminal) env.TF_IN_AUTOMATION = '1';
  if (!env.TF_PLUGIN_CACHE_DIR) {
    mkdirSync(settings.pluginCacheDir, { recursive: true });
    env.TF_PLUGIN_CACHE_DIR = settings.pluginCacheDir;
  }
  if (env.TF_WORKSPACE !== undefined) {
    tfwrap.log.debug(`ignoring TF_WORKSPACE=${env.TF_WORKSPACE}: tfwrap selects workspace ${instance.workspace}`);
    delete env.TF_WORKSPACE;
  }
  if (env.TF_CLI_CONFIG_FILE && !existsSync(path.resolve(instance.componentDir, env.TF_CLI_CONFIG_FILE))) {
    tfwrap.log.debug(`ignoring TF_CLI_CONFIG_FILE=${env.TF_CLI_CONFIG_FILE}: the file does not exist`);
    delete env.TF_CLI_CONFIG_FILE;
  }
  env.CHECKPOINT_DISABLE ??= '1';
  return env;
}

/** Problems that stop a component before anything runs: abstract, locked, no directory. */
export function checkRunnable(instance: ComponentInstance, subcommand: string, sourceFile?: string): void {
  const where = `component '${instance.name}' of stack '${instance.stack}'`;
  const about = { stackName: instance.stack, component: instance.name, location: sourceFile ? { file: sourceFile } : undefined };
  if (instance.type === 'abstract') {
    throw new TfwrapError('E_COMPONENT_INVALID', `${where} is abstract and cannot be run`, {
      hint: 'run a real component that inherits from it (metadata.inherits)',
      ...about,
    });
  }
  if (instance.locked && LOCKED_COMMANDS.has(subcommand)) {
    throw new TfwrapError('E_COMPONENT_LOCKED', `${where} is locked (metadata.locked: true); terraform ${subcommand} is refused`, {
      hint: 'plan still works; remove metadata.locked to change it',
      ...about,
    });
  }
  if (!statSync(instance.componentDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new TfwrapError('E_COMPONENT_INVALID', `${where}: directory ${path.relative(process.cwd(), instance.componentDir) || '.'} does not exist`, {
      hint: `create it, or point metadata.component at an existing directory under components.terraform.base_path`,
      ...about,
    });
  }
}

export class TerraformRunner {
  /** `owner`: the run this component belongs to (its signal, its children, its run files). */
  constructor(readonly owner: Run, readonly settings: TerraformSettings) {}

  get tfwrap(): Tfwrap {
    return this.owner.tfwrap;
  }

  async run(request: ComponentRunRequest): Promise<ComponentResult> {
    const started = performance.now();
    const { instance, output } = request;
    const subcommand = request.subcommand[0]!;
    const base: Omit<ComponentResult, 'result' | 'exitCode' | 'durationMs'> = {
      stack: instance.stack,
      component: instance.name,
      identity: request.auth?.identity ?? null,
      principalArn: request.auth?.chain[request.auth.chain.length - 1]?.principalArn ?? null,
      command: request.subcommand.join(' '),
      add: null,
      change: null,
      destroy: null,
    };
    const finish = (exitCode: number, extra: Partial<ComponentResult> = {}): ComponentResult => ({
      ...base,
      result: this.owner.signal.aborted ? 'interrupted' : outcomeOf(subcommand, request.args, exitCode),
      exitCode,
      durationMs: Math.round(performance.now() - started),
      ...extra,
    });

    // A deferred function left unevaluated must not reach a varfile as an object (deferred-values.ts).
    const unevaluated = deferredTagsIn([instance.vars, instance.env, instance.backend, instance.providers])[0];
    if (unevaluated) {
      throw new TfwrapError('E_INTERNAL', `${unevaluated.tag} ${unevaluated.argument} was not evaluated before terraform ${subcommand}`, { location: { file: unevaluated.file, line: unevaluated.line } });
    }
    const files = writeComponentFiles(instance, { backend: this.settings.autoGenerateBackendFile });
    const cwd = instance.componentDir;

    if (!request.skipInit && subcommand !== 'init') {
      const init = await this.initIfNeeded(request, files);
      if (init !== 0) return finish(init, { message: 'terraform init failed' });
    }

    let args = [...request.subcommand];
    if (subcommand === 'init') {
      args.push('-input=false');
      if (files.backendChanged && !hasFlag(request.args, 'reconfigure') && !hasFlag(request.args, 'migrate-state')) args.push('-reconfigure');
      forgetInit(this.initContext(request, files));
    }
    if (VARFILE_COMMANDS.has(subcommand) && !(subcommand === 'apply' && request.args.some((arg) => !arg.startsWith('-')))) {
      args.push(`-var-file=${path.basename(files.varfile)}`);
    }
    args = [...args, ...request.args];

    // The workspace is selected before the stack commands run, so that they may use TF_WORKSPACE safely.
    const selectsWorkspace = subcommand !== 'workspace';
    if (selectsWorkspace && subcommand !== 'init') {
      const selected = await this.selectWorkspace(instance, request.env, output, request);
      if (selected !== 0) return finish(selected, { message: `cannot select workspace ${instance.workspace}` });
    }
    const commandEnv = selectsWorkspace && subcommand !== 'init' ? { ...request.env, TF_WORKSPACE: instance.workspace } : request.env;
    const before = await this.runStackCommands(stackCommandsFor(instance.hooks, 'before', subcommand), commandEnv, request);
    if (before) return finish(before.exitCode, { message: before.message, result: this.owner.signal.aborted ? 'interrupted' : 'failed' });

    const main = await this.main(request, args, cwd);
    if (main.exitCode !== 0 && outcomeOf(subcommand, request.args, main.exitCode) !== 'changes') return finish(main.exitCode, main.counts);
    if (subcommand === 'init') {
      if (!partialInitArgs(request.args)) await recordInit(this.initContext(request, files), request.args);
      const selected = await this.selectWorkspace(instance, request.env, output, request);
      if (selected !== 0) return finish(selected, { message: `cannot select workspace ${instance.workspace}` });
    }
    return this.afterStackCommands(request, selectsWorkspace ? { ...request.env, TF_WORKSPACE: instance.workspace } : request.env, finish(main.exitCode, main.counts));
  }

  private async afterStackCommands(request: ComponentRunRequest, commandEnv: Env, result: ComponentResult): Promise<ComponentResult> {
    if (result.result === 'failed' || result.result === 'interrupted') return result;
    const after = await this.runStackCommands(stackCommandsFor(request.instance.hooks, 'after', request.subcommand[0]!), commandEnv, request);
    if (!after) return result;
    return { ...result, exitCode: after.exitCode, result: this.owner.signal.aborted ? 'interrupted' : 'failed', message: after.message };
  }

  private initContext(request: ComponentRunRequest, files: WrittenFiles): InitContext {
    const { instance, env } = request;
    return { componentDir: instance.componentDir, env, command: instance.command, cacheDir: this.tfwrap.paths.cacheDir, backendText: backendText(instance), backendChanged: files.backendChanged, log: this.tfwrap.log };
  }

  /**
   * `terraform init` when its inputs changed since the last successful init here, or `--init`
   * (see init-fingerprint.ts). -reconfigure only when tfwrap's backend changed (another stack's
   * key): with an unchanged local backend it makes Terraform ask about migrating the workspaces' state.
   */
  private async initIfNeeded(request: ComponentRunRequest, files: WrittenFiles): Promise<number> {
    const context = this.initContext(request, files);
    const decision = await decideInit(context, { force: request.forceInit === true });
    if (!decision.run) {
      this.tfwrap.log.debug('init: skipped (unchanged)');
      return 0;
    }
    this.tfwrap.log.debug(`init: running (${decision.reason})`);
    forgetInit(context);
    const exitCode = await this.quiet(['init', '-input=false', ...(decision.reconfigure || this.settings.initRunReconfigure ? ['-reconfigure'] : [])], request.env, context.componentDir, request.output, request);
    if (exitCode === 0) await recordInit(context);
    return exitCode;
  }

  /** The command itself (phase `main`). */
  private async main(request: ComponentRunRequest, args: string[], cwd: string): Promise<{ exitCode: number; counts: Partial<ComponentResult> }> {
    const reader = new SummaryReader();
    const result = await this.spawnTerraform(request.instance, () =>
      this.owner.exec(
        { phase: 'main', command: request.instance.command, args, displayArgs: maskArgs(args), env: request.env, cwd, identity: request.auth?.identity, stack: request.instance.stack, component: request.instance.name },
        request.auth,
        { subcommand: request.subcommand.join(' ') },
        {
          stdio: ['inherit', 'pipe', 'pipe'],
          onStdout: (chunk) => {
            reader.push(chunk);
            request.output.stdout(chunk);
          },
          onStderr: (chunk) => request.output.stderr(chunk),
          finish: () => {
            const planSummary = reader.end();
            return planSummary ? { planSummary } : {};
          },
        },
      ),
    );
    const summary: PlanSummary | undefined = result.planSummary;
    return { exitCode: result.exitCode, counts: summary ? { add: summary.add, change: summary.change, destroy: summary.destroy } : {} };
  }

  /** A helper step (init, workspace): output kept, shown only when it fails. Phase `init` or `workspace`. */
  private async quiet(args: string[], env: Env, cwd: string, output: ComponentOutput, request: ComponentRunRequest): Promise<number> {
    const chunks: Buffer[] = [];
    const phase: ExecPhase = args[0] === 'workspace' ? 'workspace' : 'init';
    this.tfwrap.log.debug(`[${cwd}] ${request.instance.command} ${maskArgs(args).join(' ')}`);
    const result = await this.spawnTerraform(request.instance, () =>
      this.tfwrap.log.time(`terraform ${args[0]}`, () =>
        this.owner.exec(
          { phase, command: request.instance.command, args, displayArgs: maskArgs(args), env, cwd, identity: request.auth?.identity, stack: request.instance.stack, component: request.instance.name },
          request.auth,
          { subcommand: args[0] },
          { stdio: ['ignore', 'pipe', 'pipe'], onStdout: (c) => chunks.push(c), onStderr: (c) => chunks.push(c) },
        ),
      ),
    );
    if (result.exitCode !== 0 && !this.owner.signal.aborted) output.stderr(Buffer.concat(chunks));
    return result.exitCode;
  }

  /**
   * Select the stack's workspace, creating it when missing; without a process when it is already
   * selected or known to exist (workspace.ts). (`TF_WORKSPACE` is not used: with a name that does
   * not exist it silently creates the workspace.)
   */
  private async selectWorkspace(instance: ComponentInstance, env: Env, output: ComponentOutput, request: ComponentRunRequest): Promise<number> {
    return ensureWorkspace({ componentDir: instance.componentDir, env, workspace: instance.workspace, log: this.tfwrap.log }, () =>
      this.quiet(['workspace', 'select', '-or-create=true', instance.workspace], env, instance.componentDir, output, request),
    );
  }

  /**
   * Run stack commands in order; the first failing one (unless continue_on_error) ends the run.
   * Their exec phase stays `hook`, after the `hooks:` key: plugins already compare against it.
   */
  private async runStackCommands(stackCommands: StackCommand[], env: Env, request: ComponentRunRequest): Promise<{ exitCode: number; message: string } | undefined> {
    const { instance, output } = request;
    for (const stackCommand of stackCommands) {
      if (stackCommand.storeHook) {
        const failed = await this.runStoreHook(stackCommand, env, request);
        if (!failed) continue;
        if (!this.owner.signal.aborted && stackCommand.continueOnError) {
          output.stderr(`tfwrap: store hook '${stackCommand.name}' failed (continue_on_error)\n`);
          continue;
        }
        return failed;
      }
      const cwd = stackCommand.workingDir ? path.resolve(instance.componentDir, stackCommand.workingDir) : instance.componentDir;
      const [command, written] = Array.isArray(stackCommand.command) ? [stackCommand.command[0]!, stackCommand.command.slice(1)] : shellCommand(stackCommand.command);
      let args = written;
      let commandEnv = { ...env, ...stackCommand.env };
      if (stackCommand.atmosCommand) {
        // Atmos's command kind (pkg/hooks/command_engine.go): ATMOS_* variables, and $VAR / ${VAR}
        // in args and env expanded from them, then from the environment.
        const atmos = { ATMOS_STACK: instance.stack, ATMOS_COMPONENT: instance.name, ATMOS_COMPONENT_PATH: instance.componentDir };
        const expand = (text: string) => text.replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (_, braced?: string, bare?: string) => {
          const name = (braced ?? bare)!;
          return (atmos as Record<string, string>)[name] ?? env[name] ?? '';
        });
        args = args.map(expand);
        commandEnv = { ...env, ...atmos, ...Object.fromEntries(Object.entries(stackCommand.env).map(([key, value]) => [key, expand(value)])) };
      }
      let exitCode: number;
      try {
        const result = await this.owner.exec(
          { phase: 'hook', command, args, env: commandEnv, cwd, identity: request.auth?.identity, stack: instance.stack, component: instance.name },
          request.auth,
          {},
          { stdio: ['ignore', 'pipe', 'pipe'], onStdout: (chunk) => output.stdout(chunk), onStderr: (chunk) => output.stderr(chunk) },
        );
        exitCode = result.exitCode;
      } catch (err) {
        if (!(err instanceof TfwrapError)) throw err;
        output.stderr(`tfwrap: stack command '${stackCommand.name}': ${err.message}\n`);
        exitCode = err.exitCode;
        // Atmos stops at a kind: command hook whose program is not on PATH, before on_failure
        // applies (pkg/hooks/command_engine.go prepareSubprocess: ErrCommandNotFound).
        if (stackCommand.atmosCommand && err.code === 'E_COMMAND_NOT_FOUND') {
          return { exitCode, message: `stack command '${stackCommand.name}': ${err.message} (on_failure does not apply: Atmos fails a hook whose program it cannot run)` };
        }
      }
      if (exitCode === 0) continue;
      const message = `stack command '${stackCommand.name}' exited with ${exitCode}`;
      if (!this.owner.signal.aborted && stackCommand.atmosCommand && stackCommand.atmosCommand.onFailure !== 'fail') {
        // Atmos's on_failure: warn (its default) says so and goes on; ignore goes on quietly.
        if (stackCommand.atmosCommand.onFailure === 'warn') output.stderr(`tfwrap: warning: ${message} (on_failure: warn)\n`);
        continue;
      }
      if (!this.owner.signal.aborted && stackCommand.continueOnError) {
        output.stderr(`tfwrap: ${message} (continue_on_error)\n`);
        continue;
      }
      output.stderr(`tfwrap: ${message}\n`);
      return { exitCode, message };
    }
    return undefined;
  }

  /**
   * A store hook (store-hooks.ts): the outputs from `terraform output -json` (phase `hook`), read
   * only when the hook names one, written to the store. Its error is one line on the component's stderr.
   */
  private async runStoreHook(stackCommand: StackCommand, env: Env, request: ComponentRunRequest): Promise<{ exitCode: number; message: string } | undefined> {
    const { instance, output } = request;
    const outputs = async (): Promise<Record<string, TerraformOutput>> => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const args = ['output', '-json'];
      const result = await this.spawnTerraform(request.instance, () => this.owner.exec(
        { phase: 'hook', command: instance.command, args, env, cwd: instance.componentDir, identity: request.auth?.identity, stack: instance.stack, component: instance.name },
        request.auth,
        { subcommand: 'output' },
        { stdio: ['ignore', 'pipe', 'pipe'], onStdout: (chunk) => stdout.push(chunk), onStderr: (chunk) => stderr.push(chunk) },
      ));
      if (result.exitCode !== 0) {
        if (!this.owner.signal.aborted) output.stderr(Buffer.concat(stderr));
        throw new TfwrapError('E_STORE_WRITE_FAILED', `store hook '${stackCommand.name}': terraform output failed in ${instance.stack}/${instance.name} (exit ${result.exitCode})`);
      }
      let parsed: Record<string, TerraformOutput>;
      try {
        parsed = JSON.parse(Buffer.concat(stdout).toString('utf8') || '{}') as Record<string, TerraformOutput>;
      } catch {
        throw new TfwrapError('E_STORE_WRITE_FAILED', `store hook '${stackCommand.name}': terraform output -json in ${instance.stack}/${instance.name} did not print JSON`);
      }
      // Sensitive outputs go to the store, never into tfwrap's own messages.
      const secret = (value: unknown): void => {
        if (typeof value === 'string') this.tfwrap.redactor.add(value);
        else if (value !== null && typeof value === 'object') Object.values(value).forEach(secret);
      };
      for (const item of Object.values(parsed)) if (item?.sensitive === true) secret(item.value);
      return parsed;
    };
    try {
      await writeStoreHook(this.owner, stackCommand.name, stackCommand.storeHook!, instance, outputs);
      return undefined;
    } catch (err) {
      if (!(err instanceof TfwrapError)) throw err;
      // Interrupted: the run ends with the signal's status and says so once; no error line.
      if (this.owner.signal.aborted) return { exitCode: this.owner.interruptedCode() ?? err.exitCode, message: `store hook '${stackCommand.name}' interrupted` };
      output.stderr(this.tfwrap.redactor.redact(`tfwrap: error: ${err.format()}\n`));
      return { exitCode: err.exitCode, message: `store hook '${stackCommand.name}' failed` };
    }
  }

  /** Run something that starts the component's Terraform; "not found" gets a hint about where its command is set. */
  private async spawnTerraform<T>(instance: ComponentInstance, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof TfwrapError && err.code === 'E_COMMAND_NOT_FOUND' && err.command === instance.command) {
        const configFile = this.tfwrap.configFile ? path.basename(this.tfwrap.configFile) : 'tfwrap.yaml';
        throw new TfwrapError('E_COMMAND_NOT_FOUND', `"${err.command}" ${(err.cause as NodeJS.ErrnoException | undefined)?.code === 'EACCES' ? 'is not executable' : 'not found'}: cannot run terraform`, {
          command: err.command,
          hint: instance.command === this.settings.command
            ? `install Terraform and put it on PATH, or set components.terraform.command in ${configFile} (terraform, tofu or a path)`
            : `install it, or change the command: of component '${instance.name}' in stack '${instance.stack}' (see tfwrap describe component)`,
          cause: err,
        });
      }
      throw err;
    }
  }
}

function shellCommand(line: string): [string, string[]] {
  return process.platform === 'win32' ? ['cmd.exe', ['/d', '/s', '/c', line]] : ['/bin/sh', ['-c', line]];
}

/** What an exit code means for a subcommand: `plan -detailed-exitcode` uses 2 for "changes". */
export function outcomeOf(subcommand: string, args: readonly string[], exitCode: number): ComponentOutcome {
  if (exitCode === 0) return 'ok';
  if (exitCode === ExitCode.interrupted) return 'interrupted';
  if (exitCode === 2 && subcommand === 'plan' && hasFlag(args, 'detailed-exitcode')) return 'changes';
  return 'failed';
}
