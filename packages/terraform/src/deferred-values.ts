/**
 * Evaluating the deferred YAML functions of a component (see @tfwrap/stacks deferred.ts) for one
 * run, just before it is described or run:
 *
 * - `!terraform.output`: `terraform output -json` in the referenced component's directory, through
 *   the same pipeline as a command (backend file, init when needed, workspace, identity from its
 *   `auth:` or `--identity`, the run's hooks), once per (stack, component) per run;
 * - `!terraform.state`: the state read directly, without Terraform: the local backend's file, or
 *   through a state reader a plugin registers for the backend type (core state-readers.ts; s3 in
 *   @tfwrap/state-aws-s3), with the component's identity; other backends go through
 *   `terraform output -json` like `!terraform.output`;
 * - `!store` / `!store.get`: a store from `stores:`, opened once per run (store types come from
 *   plugins, see core stores.ts; `yaml-file` is built in; stores.ts opens them).
 *
 * A referenced component's own deferred values are evaluated first (its varfile is written);
 * a reference cycle is an error.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { TfwrapError, throwIfInterrupted, type AtmosTag, type AuthResult, type Run } from '@tfwrap/core';
import { deferredTagsIn, parseDeferredCall, replaceDeferred, valueAtPath, type ComponentInstance, type PathExpression, type Stack, type StoreCall, type TerraformCall } from '@tfwrap/stacks';
import { identityForComponent } from './identity.js';
import { TerraformRunner, checkRunnable, componentEnv, type TerraformSettings } from './runner.js';
import { openStore, type OpenedStore } from './stores.js';

/** Shown instead of a sensitive output's value where it would be printed (`describe component`). */
export const SENSITIVE_PLACEHOLDER = '(sensitive)';

export interface DeferredValuesOptions {
  run: Run;
  settings: TerraformSettings;
  loadStack(name: string): Promise<Stack>;
  /** `--identity`, as for the run's own components. */
  identity?: string | false;
  /** Replace sensitive outputs with SENSITIVE_PLACEHOLDER (for output shown to the user). */
  redactSensitive?: boolean;
}

interface Outputs {
  values: Record<string, unknown>;
  sensitive: Set<string>;
  /** False when the state does not exist (never applied). */
  applied: boolean;
}

const SECTIONS = ['vars', 'env', 'settings', 'backend', 'providers', 'auth', 'remoteStateBackend'] as const;

export function hasDeferredValues(instance: ComponentInstance): boolean {
  return SECTIONS.some((section) => deferredTagsIn(instance[section]).length > 0);
}

export class DeferredValues {
  private readonly outputs = new Map<string, Promise<Outputs>>();
  private readonly states = new Map<string, Promise<Outputs>>();

  constructor(private readonly options: DeferredValuesOptions) {}

  /** The instance with its deferred values evaluated; the same object when it has none. */
  async resolve(instance: ComponentInstance, chain: readonly string[] = []): Promise<ComponentInstance> {
    if (!hasDeferredValues(instance)) return instance;
    const here = [...chain, `${instance.stack}/${instance.name}`];
    const result: ComponentInstance = { ...instance };
    for (const section of SECTIONS) {
      if (instance[section] === undefined) continue;
      (result as unknown as Record<string, unknown>)[section] = await replaceDeferred(instance[section], (tag) => this.evaluate(tag, instance, here));
    }
    result.env = Object.fromEntries(Object.entries(result.env).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
    return result;
  }

  private evaluate(tag: AtmosTag, user: ComponentInstance, chain: readonly string[]): Promise<unknown> {
    const call = parseDeferredCall(tag);
    if ('expression' in call) return this.terraformValue(tag, call, user, chain);
    return this.storeValue(tag, call, user);
  }

  private fail(tag: AtmosTag, message: string, hint?: string, code: 'E_FUNCTION_FAILED' | 'E_STACK_UNKNOWN' | 'E_COMPONENT_UNKNOWN' | 'E_COMPONENT_INVALID' | 'E_CONFIG_INVALID' = 'E_FUNCTION_FAILED'): TfwrapError {
    return new TfwrapError(code, `${tag.tag} ${tag.argument}: ${message}`, { location: { file: tag.file, line: tag.line }, hint });
  }

  private async terraformValue(tag: AtmosTag, call: TerraformCall, user: ComponentInstance, chain: readonly string[]): Promise<unknown> {
    const stackName = call.stack ?? user.stack;
    const key = `${stackName}/${call.component}`;
    if (chain.includes(key)) {
      throw this.fail(tag, `reference cycle: ${[...chain.slice(chain.indexOf(key)), key].join(' -> ')}`, 'a component cannot read its own outputs, directly or through others', 'E_COMPONENT_INVALID');
    }
    let stack: Stack;
    try {
      stack = await this.options.loadStack(stackName);
    } catch (err) {
      if (err instanceof TfwrapError && err.code === 'E_STACK_UNKNOWN') throw this.fail(tag, `there is no stack '${stackName}'`, err.hint, 'E_STACK_UNKNOWN');
      throw err;
    }
    if (!stack.componentNames().includes(call.component)) {
      throw this.fail(tag, `stack '${stackName}' has no component '${call.component}'`, `its components: ${stack.componentNames().join(', ') || 'none'}`, 'E_COMPONENT_UNKNOWN');
    }
    const target = await stack.component(call.component);
    if (target.type === 'abstract') throw this.fail(tag, `component '${call.component}' of stack '${stackName}' is abstract: it has no state`, undefined, 'E_COMPONENT_INVALID');
    const cache = call.fn === 'terraform.state' ? this.states : this.outputs;
    let outputs = cache.get(key);
    if (!outputs) {
      outputs = call.fn === 'terraform.state' ? this.readState(tag, target, chain) : this.terraformOutput(tag, target, chain);
      cache.set(key, outputs);
    }
    const found = await outputs;
    const where = `component '${call.component}' of stack '${stackName}'`;
    return this.select(tag, call.expression, found, () => found.applied
      ? this.fail(tag, `${where} has no output ${describePath(call.expression)}`, `its outputs: ${Object.keys(found.values).sort().join(', ') || 'none'}; or give a default: ${tag.tag} ${call.component} '${call.expression.text} // "value"'`)
      : this.fail(tag, `${where} has no state: it has not been applied`, `apply it first (tfwrap apply ${stackName} ${call.component}), or give a default: '${call.expression.text} // "value"'`));
  }

  /** The expression's value in the outputs; its default, or `missing()`, when the path finds nothing. */
  private select(tag: AtmosTag, expression: PathExpression, outputs: Outputs, missing: () => TfwrapError): unknown {
    const first = expression.path[0];
    const hit = valueAtPath(outputs.values, expression.path);
    if (!hit.found) {
      if (expression.default) return expression.default.value;
      throw missing();
    }
    if (this.options.redactSensitive) {
      if (typeof first === 'string' && outputs.sensitive.has(first)) return SENSITIVE_PLACEHOLDER;
      if (first === undefined && outputs.sensitive.size > 0) {
        return Object.fromEntries(Object.entries(outputs.values).map(([name, value]) => [name, outputs.sensitive.has(name) ? SENSITIVE_PLACEHOLDER : value]));
      }
    }
    void tag;
    return hit.value;
  }

  /** `terraform output -json` for the component, as a command of this run. */
  private async terraformOutput(tag: AtmosTag, target: ComponentInstance, chain: readonly string[]): Promise<Outputs> {
    const { run, settings } = this.options;
    const instance = await this.resolve(target, chain);
    try {
      checkRunnable(instance, 'output');
    } catch (err) {
      if (err instanceof TfwrapError) throw this.fail(tag, err.message, err.hint, 'E_COMPONENT_INVALID');
      throw err;
    }
    const identity = identityForComponent(run.tfwrap, instance, this.options.identity);
    let auth: AuthResult | undefined;
    if (identity) auth = await run.authenticate(identity).then((result) => run.ensureRemainingLifetime(result));
    const env = await componentEnv(run, settings, instance, auth, { stdoutIsTerminal: false });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    run.tfwrap.log.debug(`${tag.where()}: ${tag.tag}: terraform output -json in ${instance.stack}/${instance.name}`);
    const result = await new TerraformRunner(run, settings).run({
      instance,
      subcommand: ['output'],
      args: ['-json'],
      skipInit: false,
      auth,
      env,
      output: { stdout: (chunk) => stdout.push(Buffer.from(chunk)), stderr: (chunk) => stderr.push(Buffer.from(chunk)) },
    });
    if (result.exitCode !== 0) {
      // Terraform's own message says why (backend access, ...); outputs themselves are not in it.
      const said = Buffer.concat(stderr).toString('utf8').trim();
      if (said) process.stderr.write(`${said}\n`);
      throw this.fail(tag, `terraform output failed in ${instance.stack}/${instance.name} (exit ${result.exitCode}${result.message ? `: ${result.message}` : ''})`,
        `run tfwrap terraform output ${instance.stack} ${instance.name} to see why`);
    }
    let parsed: Record<string, { value?: unknown; sensitive?: boolean }>;
    try {
      parsed = JSON.parse(Buffer.concat(stdout).toString('utf8') || '{}') as typeof parsed;
    } catch {
      throw this.fail(tag, `terraform output -json in ${instance.stack}/${instance.name} did not print JSON`);
    }
    const outputs = outputsOf(parsed, Object.keys(parsed).length > 0 || stateExists(instance));
    this.registerSecrets(outputs);
    return outputs;
  }

  /** Sensitive outputs are secrets for the rest of the run: never printed in tfwrap's own messages. */
  private registerSecrets(outputs: Outputs): void {
    const add = (value: unknown): void => {
      if (typeof value === 'string') this.options.run.tfwrap.redactor.add(value);
      else if (Array.isArray(value)) value.forEach(add);
      else if (value !== null && typeof value === 'object') Object.values(value).forEach(add);
    };
    for (const name of outputs.sensitive) add(outputs.values[name]);
  }

  /**
   * `!terraform.state`: the local backend's state file, read directly; a backend with a state
   * reader through it; any other through `terraform output -json` (docs/stacks.md).
   */
  private async readState(tag: AtmosTag, target: ComponentInstance, chain: readonly string[]): Promise<Outputs> {
    const file = localStateFile(target);
    if (file === undefined) return (await this.readRemoteState(tag, target, chain)) ?? this.terraformOutput(tag, target, chain);
    if (!existsSync(file)) return { values: {}, sensitive: new Set(), applied: false };
    let state: { outputs?: Record<string, { value?: unknown; sensitive?: boolean }> };
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as typeof state;
    } catch {
      throw this.fail(tag, `the state file ${file} is not JSON`);
    }
    const outputs = outputsOf(state.outputs ?? {}, true);
    this.registerSecrets(outputs);
    return outputs;
  }

  /** The state through the backend type's state reader, with the component's identity; undefined when there is none. */
  private async readRemoteState(tag: AtmosTag, target: ComponentInstance, chain: readonly string[]): Promise<Outputs | undefined> {
    const { run, settings } = this.options;
    const type = target.backendType;
    if (type === undefined) return undefined; // a backend block in the component's own code
    let reader = run.tfwrap.stateReaders.get(type);
    if (!reader) {
      // State readers come from plugins applied only when needed (the built-in s3 one among them).
      await run.tfwrap.applyAllPlugins();
      reader = run.tfwrap.stateReaders.get(type);
    }
    const instance = await this.resolve(target, chain);
    if (!reader || !(reader.canRead?.(instance.backend ?? {}) ?? true)) return undefined;
    const identity = identityForComponent(run.tfwrap, instance, this.options.identity);
    let auth: AuthResult | undefined;
    if (identity) auth = await run.authenticate(identity).then((result) => run.ensureRemainingLifetime(result));
    const env = await componentEnv(run, settings, instance, auth, { stdoutIsTerminal: false });
    run.tfwrap.log.debug(`${tag.where()}: ${tag.tag}: ${type} state of ${instance.stack}/${instance.name} (workspace ${instance.workspace}) through ${reader.plugin}`);
    let state: unknown;
    try {
      state = await reader.read(instance.backend ?? {}, instance.workspace, { env, log: run.tfwrap.log, signal: run.signal });
    } catch (err) {
      if (err instanceof TfwrapError) throw err;
      throw this.fail(tag, `reading the ${type} state of ${instance.stack}/${instance.name} failed: ${err instanceof Error ? err.message : String(err)}`,
        `check that the identity ${identity ? `'${identity}' ` : ''}may read the backend, or run tfwrap terraform output ${instance.stack} ${instance.name}`);
    }
    if (state === undefined) return { values: {}, sensitive: new Set(), applied: false };
    const raw = (state !== null && typeof state === 'object' ? (state as { outputs?: unknown }).outputs : undefined) ?? {};
    const outputs = outputsOf(raw as Record<string, { value?: unknown; sensitive?: boolean }>, true);
    this.registerSecrets(outputs);
    return outputs;
  }

  private async storeValue(tag: AtmosTag, call: StoreCall, user: ComponentInstance): Promise<unknown> {
    const store = await this.openStore(tag, call.store);
    // Atmos (ErrStoreIsSecret): a secret store is read only by !secret, which resolves declared secrets.
    if (store.secret) {
      throw this.fail(tag, `store '${call.store}' is a secret store (secret: true); Atmos reads it only with !secret, not !store`,
        'tfwrap does not support !secret yet: read the value with a store that is not secret, or pass it to Terraform another way (docs/stacks.md, stores)', 'E_CONFIG_INVALID');
    }
    const what = call.fn === 'store.get' ? `key '${call.key}'` : `key '${call.key}' for component '${call.component}' of stack '${call.stack ?? user.stack}'`;
    const { signal } = this.options.run;
    let value: unknown;
    try {
      if (call.fn === 'store.get') {
        if (!store.store.getKey) throw this.fail(tag, `store '${call.store}' does not support !store.get`, 'use !store <store> <component> <key>', 'E_CONFIG_INVALID');
        value = await store.store.getKey(call.key, { signal });
      } else {
        value = await store.store.get(call.stack ?? user.stack, call.component!, call.key, { signal });
      }
    } catch (err) {
      if (err instanceof TfwrapError && err.location) throw err;
      // Whatever a store throws once the run was interrupted is the interrupt (the CLI says so).
      throwIfInterrupted(signal);
      const message = err instanceof Error ? err.message : String(err);
      // A store that knows better (no answer from its endpoint) gives its own hint.
      const hint = err instanceof TfwrapError && err.hint ? err.hint : `check that the store's identity may read it (stores.${call.store}.identity)`;
      throw this.fail(tag, `store '${call.store}' failed reading ${what}: ${message}`, hint);
    }
    if (value === undefined) {
      if (call.default !== undefined) return call.default;
      throw this.fail(tag, `store '${call.store}' has no ${what}`, 'write it to the store first, or give a default: | default <value>');
    }
    if (!call.query) return value;
    const hit = valueAtPath(value, call.query.path);
    if (hit.found) return hit.value;
    if (call.query.default) return call.query.default.value;
    throw this.fail(tag, `the value of key '${call.key}' in store '${call.store}' has nothing at ${call.query.text}`);
  }

  private async openStore(tag: AtmosTag, name: string): Promise<OpenedStore> {
    const tfwrap = this.options.run.tfwrap;
    const opened = await openStore(this.options.run, name, (known) =>
      this.fail(tag, `there is no store '${name}' under stores: in ${tfwrap.configFile ?? 'the configuration'}`, known.length ? `known stores: ${known.join(', ')}` : 'define it: stores: { <name>: { type: yaml-file, options: { path: ... } } }', 'E_CONFIG_INVALID'));
    return opened;
  }
}

function outputsOf(raw: Record<string, { value?: unknown; sensitive?: boolean }>, applied: boolean): Outputs {
  const values: Record<string, unknown> = {};
  const sensitive = new Set<string>();
  for (const [name, output] of Object.entries(raw)) {
    values[name] = output?.value;
    if (output?.sensitive === true) sensitive.add(name);
  }
  return { values, sensitive, applied };
}

function describePath(expression: PathExpression): string {
  return expression.path.length === 1 && typeof expression.path[0] === 'string' ? `'${expression.path[0]}'` : `at ${expression.text}`;
}

/**
 * The local state file of the component's workspace, or undefined when its state is elsewhere
 * (another backend_type, or a backend block in its own code). Terraform's local backend: `path`
 * (default terraform.tfstate) for the default workspace, `<workspace_dir>/<workspace>/terraform.tfstate`
 * (default terraform.tfstate.d) for the others.
 */
function localStateFile(instance: ComponentInstance): string | undefined {
  if (instance.backendType !== undefined && instance.backendType !== 'local') return undefined;
  if (instance.backendType === undefined && declaresBackend(instance.componentDir)) return undefined;
  const backend = instance.backendType === 'local' ? (instance.backend ?? {}) : {};
  const dir = instance.componentDir;
  if (instance.workspace === 'default' || instance.workspace === '') {
    return path.resolve(dir, typeof backend.path === 'string' ? backend.path : 'terraform.tfstate');
  }
  const workspaceDir = typeof backend.workspace_dir === 'string' ? backend.workspace_dir : 'terraform.tfstate.d';
  return path.resolve(dir, workspaceDir, instance.workspace, 'terraform.tfstate');
}

/** A `backend "<type>"` block (not local) in the component's own .tf files. */
function declaresBackend(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.tf'));
  } catch {
    return false;
  }
  return names.some((name) => /^\s*backend\s+"(?!local")[^"]+"/m.test(readFileSync(path.join(dir, name), 'utf8')));
}

/** Whether the local state of the component's workspace exists (to tell "not applied" from "no outputs"). */
function stateExists(instance: ComponentInstance): boolean {
  const file = localStateFile(instance);
  return file === undefined ? true : existsSync(file);
}
