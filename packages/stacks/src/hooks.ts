/**
 * Hooks: commands to run before or after a Terraform command (Terragrunt's before/after hooks).
 * Their per-file shape is part of the manifest schema (manifest-schema.ts); this module finishes
 * them once merged. Running them is the runner's job.
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
import { ManifestProblem } from './problem.js';
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
