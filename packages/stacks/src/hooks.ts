/**
 * Hooks: commands to run before or after a Terraform command (Terragrunt's before/after hooks).
 * This module checks and merges them; running them is the runner's job.
 *
 *   hooks:
 *     fmt-check:
 *       events: [before-terraform-plan, before-terraform-apply]
 *       command: [terraform, fmt, -check]   # a list is an argv, run without a shell
 *     notify:
 *       events: [after-terraform-apply]
 *       command: ./notify.sh "$TF_WORKSPACE" # a string runs through the shell
 *       working_dir: ../shared               # relative to the component directory (default: it)
 *       env: { CHANNEL: deploys }
 *       continue_on_error: true              # default false: a failing hook fails the command
 *       enabled: true                        # false (or null for the whole hook) switches off an inherited hook
 *
 * Hooks merge by name like any mapping, so a stack can change one key of a hook from a catalog.
 */
import type { YamlPath } from '@tfwrap/core';
import { ManifestProblem, didYouMean } from './problem.js';
import { isMapping } from './settings.js';
import type { Mapping } from './merge.js';

/** Terraform commands a hook can be attached to. */
export const hookCommands = [
  'init', 'validate', 'plan', 'apply', 'destroy', 'refresh', 'import', 'output', 'show', 'state',
  'taint', 'untaint', 'workspace', 'fmt', 'providers', 'console', 'graph', 'get', 'force-unlock', 'test',
] as const;
export type HookCommand = (typeof hookCommands)[number];
export type HookTiming = 'before' | 'after';
/** `before-terraform-plan`, `after-terraform-apply`, ... */
export type HookEvent = `${HookTiming}-terraform-${HookCommand}`;

export const hookEvents: readonly HookEvent[] = hookCommands.flatMap((command) => [
  `before-terraform-${command}` as const,
  `after-terraform-${command}` as const,
]);

export interface Hook {
  name: string;
  events: HookEvent[];
  /** A list is an argv run without a shell; a string is a shell command line. */
  command: string[] | string;
  /** Relative to the component directory; undefined means the component directory. */
  workingDir?: string;
  env: Record<string, string>;
  /** When false (the default), a failing hook fails the Terraform command. */
  continueOnError: boolean;
}

const hookKeys = ['events', 'command', 'working_dir', 'env', 'continue_on_error', 'enabled'];

type ProblemAt = (yamlPath: YamlPath, message: string, hint?: string) => ManifestProblem;

/** Check the types in one file's `hooks:` section. Required keys are checked after merging. */
export function checkHooksSection(hooks: Mapping, at: YamlPath, problem: ProblemAt): void {
  for (const [name, hook] of Object.entries(hooks)) {
    const hookAt = [...at, name];
    if (hook === null) continue; // removes an inherited hook
    if (!isMapping(hook)) {
      throw problem(hookAt, `hook '${name}' must be a mapping with events: and command:`,
        'write hooks: { fmt: { events: [before-terraform-plan], command: [terraform, fmt, -check] } }');
    }
    for (const key of Object.keys(hook)) {
      if (!hookKeys.includes(key)) {
        throw problem([...hookAt, key], `unknown key '${key}' in hook '${name}'`,
          didYouMean(key, hookKeys) ?? `hooks take ${hookKeys.join(', ')}`);
      }
    }
    const { events, command, working_dir: workingDir, env, continue_on_error: continueOnError, enabled } = hook;
    if (events !== undefined) {
      if (!Array.isArray(events) || events.length === 0) {
        throw problem([...hookAt, 'events'], `hook '${name}': events must be a non-empty list such as [before-terraform-plan]`);
      }
      events.forEach((event, index) => {
        if (typeof event !== 'string' || !(hookEvents as readonly string[]).includes(event)) {
          throw problem([...hookAt, 'events', index], `hook '${name}': unknown event ${JSON.stringify(event)}`,
            (typeof event === 'string' ? didYouMean(event, hookEvents) : undefined)
              ?? 'events are before-terraform-<command> or after-terraform-<command>, such as after-terraform-apply');
        }
      });
    }
    if (command !== undefined) {
      const argvOk = Array.isArray(command) && command.length > 0 && command.every((arg) => typeof arg === 'string');
      const lineOk = typeof command === 'string' && command.trim() !== '';
      if (!argvOk && !lineOk) {
        throw problem([...hookAt, 'command'], `hook '${name}': command must be a list of arguments or a shell command line`,
          'write command: [terraform, fmt, -check] or command: "make lint"');
      }
    }
    if (workingDir !== undefined && (typeof workingDir !== 'string' || workingDir.trim() === '')) {
      throw problem([...hookAt, 'working_dir'], `hook '${name}': working_dir must be a directory path`);
    }
    if (env !== undefined) {
      if (!isMapping(env)) throw problem([...hookAt, 'env'], `hook '${name}': env must be a mapping`);
      for (const [key, value] of Object.entries(env)) {
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
          throw problem([...hookAt, 'env', key], `hook '${name}': env.${key} must be a string`);
        }
      }
    }
    for (const [key, value] of [['continue_on_error', continueOnError], ['enabled', enabled]] as const) {
      if (value !== undefined && typeof value !== 'boolean') {
        throw problem([...hookAt, key], `hook '${name}': ${key} must be true or false`);
      }
    }
  }
}

/**
 * The hooks of a component from its merged `hooks` mapping: disabled ones dropped, required keys
 * checked. `definedAt(name)` tells which layer last wrote a hook, for the error location.
 */
export function finishHooks(
  merged: Mapping,
  definedAt: (hookName: string) => { file: string; yamlPath: YamlPath; text?: string } | undefined,
  componentName: string,
): Record<string, Hook> {
  const hooks: Record<string, Hook> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (!isMapping(value) || value.enabled === false) continue;
    for (const key of ['events', 'command'] as const) {
      if (value[key] === undefined) {
        const origin = definedAt(name);
        throw new ManifestProblem('E_COMPONENT_INVALID',
          `hook '${name}' of component '${componentName}' has no ${key}`, origin?.file, origin?.yamlPath,
          key === 'events' ? 'add events: [before-terraform-plan] (or after-terraform-apply, ...)' : 'add command: [argv...] or command: "shell line"',
          origin?.text);
      }
    }
    hooks[name] = {
      name,
      events: [...(value.events as HookEvent[])],
      command: Array.isArray(value.command) ? [...(value.command as string[])] : (value.command as string),
      workingDir: typeof value.working_dir === 'string' ? value.working_dir : undefined,
      env: stringValues(isMapping(value.env) ? value.env : {}),
      continueOnError: value.continue_on_error === true,
    };
  }
  return hooks;
}

/** The hooks that run at one event, in the order they were declared. */
export function hooksFor(hooks: Record<string, Hook>, timing: HookTiming, command: string): Hook[] {
  const event = `${timing}-terraform-${command}`;
  return Object.values(hooks).filter((hook) => (hook.events as string[]).includes(event));
}

/** Environment values as strings; null unsets (drops) a variable. */
export function stringValues(env: Mapping): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== null && value !== undefined) result[key] = String(value);
  }
  return result;
}
