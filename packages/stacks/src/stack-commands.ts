/**
 * Stack commands: shell commands a stack runs before or after a Terraform command (Terragrunt's
 * before/after hooks). Manifests declare them under `hooks:`, the key Atmos spells; in tfwrap's
 * code and docs "hooks" are only the tapable hooks plugins tap, so the feature is named apart.
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
 *       continue_on_error: true              # default false: a failing one fails the Terraform command
 *       enabled: true                        # false (or null for the whole entry) switches off an inherited one
 *     outputs-to-ssm:                        # Atmos's store hook: `kind: store` (or its older `command: store`)
 *       events: [after-terraform-apply]
 *       kind: store
 *       name: ssm                            # a store under stores:
 *       outputs: { vpc_id: .vpc_id, team: platform }  # key: .<terraform output>, or key: literal text
 *     lint:                                  # Atmos's command kind: a binary and its args, no shell
 *       events: [before-terraform-plan]
 *       kind: command
 *       command: tflint
 *       args: [--chdir, $ATMOS_COMPONENT_PATH]  # $VAR: ATMOS_STACK, ATMOS_COMPONENT, ATMOS_COMPONENT_PATH, then the environment
 *       on_failure: fail                     # Atmos's default is warn (a warning, the run goes on); ignore
 *
 * They merge by name like any mapping, so a stack can change one key of an entry from a catalog.
 * Events may be spelled as Atmos now spells them too (`after.terraform.apply`); they are kept in
 * the hyphenated form. As in Atmos (pkg/hooks/hook.go MatchesEvent), an entry without events runs
 * at every event Atmos fires for Terraform, `deploy` events are `apply` ones, and an event that
 * never happens is no error: the entry just does not run for it (`tfwrap validate` warns).
 */
import type { YamlPath } from '@tfwrap/core';
import { ManifestProblem } from './problem.js';
import { isMapping } from './settings.js';
import type { Mapping } from './merge.js';

/** Terraform commands a stack command can run before or after. */
export const eventTerraformCommands = [
  'init', 'validate', 'plan', 'apply', 'destroy', 'refresh', 'import', 'output', 'show', 'state',
  'taint', 'untaint', 'workspace', 'fmt', 'providers', 'console', 'graph', 'get', 'force-unlock', 'test',
] as const;
export type EventTerraformCommand = (typeof eventTerraformCommands)[number];
export type StackCommandTiming = 'before' | 'after';
/** `before-terraform-plan`, `after-terraform-apply`, ... */
export type StackCommandEvent = `${StackCommandTiming}-terraform-${EventTerraformCommand}`;

export const stackCommandEvents: readonly StackCommandEvent[] = eventTerraformCommands.flatMap((command) => [
  `before-terraform-${command}` as const,
  `after-terraform-${command}` as const,
]);

/**
 * The Terraform commands Atmos fires hooks around (cmd/terraform: init, plan, apply, deploy, output,
 * refresh, test): an entry without `events:` runs before and after each of these.
 */
const atmosHookedCommands: readonly EventTerraformCommand[] = ['init', 'plan', 'apply', 'output', 'refresh', 'test'];

/** An event as written, hyphenated, with Atmos's `deploy` alias for `apply` (HookEvent.Normalize). */
function normalizeEvent(event: string): string {
  return event.replaceAll('.', '-').replace(/^(before|after)-terraform-deploy$/, '$1-terraform-apply');
}

/** Whether an event, as written, is one tfwrap fires. */
export function isKnownEvent(event: string): boolean {
  return (stackCommandEvents as readonly string[]).includes(normalizeEvent(event));
}

/** A store hook: after (or before) the event, write terraform outputs or literal values to a store. */
export interface StoreHook {
  /** The store under `stores:`. */
  store: string;
  /** Store key -> `.output_name` (a terraform output of the component) or a literal value. */
  outputs: Record<string, string>;
}

export interface StackCommand {
  name: string;
  /**
   * Hyphenated, as written otherwise: none means every event Atmos fires, and an event tfwrap does
   * not fire (a typo, a helmfile one) is kept but never matches, as in Atmos.
   */
  events: string[];
  /** A list is an argv run without a shell; a string is a shell command line. */
  command: string[] | string;
  /** Relative to the component directory; undefined means the component directory. */
  workingDir?: string;
  env: Record<string, string>;
  /** When false (the default), a failing stack command fails the Terraform command. */
  continueOnError: boolean;
  /** Set for a store hook (`kind: store`), which runs no command. */
  storeHook?: StoreHook;
  /**
   * Set for Atmos's `kind: command`: `$VAR`s in the arguments and env are expanded when it runs,
   * with ATMOS_* variables set; a failure warns (Atmos's default), fails the run, or is ignored.
   */
  atmosCommand?: { onFailure: 'warn' | 'fail' | 'ignore' };
}

/**
 * The stack commands of a component from its merged `hooks` mapping: disabled ones dropped,
 * required keys checked. `definedAt(name)` tells which layer last wrote one, for the error location.
 */
export function finishStackCommands(
  merged: Mapping,
  definedAt: (name: string) => { file: string; yamlPath: YamlPath; text?: string } | undefined,
  componentName: string,
): Record<string, StackCommand> {
  const commands: Record<string, StackCommand> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (!isMapping(value) || value.enabled === false) continue;
    // Atmos's `command: store` is its older spelling of `kind: store`.
    const isStoreHook = value.kind === 'store' || (value.kind === undefined && value.command === 'store');
    const isAtmosCommand = value.kind === 'command';
    if (isAtmosCommand && value.command !== undefined && typeof value.command !== 'string') {
      const origin = definedAt(name);
      throw new ManifestProblem('E_COMPONENT_INVALID', `hook '${name}' of component '${componentName}' (kind: command) needs command: to be one program`, origin?.file, origin?.yamlPath,
        'command: <program>, args: [...] (Atmos\'s form); a list as command: is tfwrap\'s own form, without kind:', origin?.text);
    }
    // No events is no error: Atmos runs such a hook at every event (pkg/hooks/hook.go MatchesEvent).
    const required = isStoreHook ? 'name' : 'command';
    if (value[required] === undefined) {
      const origin = definedAt(name);
      throw new ManifestProblem('E_COMPONENT_INVALID',
        `${isStoreHook ? 'store hook' : 'stack command'} '${name}' of component '${componentName}' has no ${required}`, origin?.file, origin?.yamlPath,
        required === 'name' ? 'add name: <a store under stores:>' : 'add command: [argv...] or command: "shell line"',
        origin?.text);
    }
    commands[name] = {
      name,
      events: ((value.events as string[] | undefined) ?? []).map((event) => event.replaceAll('.', '-')),
      command: isAtmosCommand
        ? [value.command as string, ...((value.args as string[] | undefined) ?? [])]
        : Array.isArray(value.command) ? [...(value.command as string[])] : ((value.command as string | undefined) ?? 'store'),
      workingDir: typeof value.working_dir === 'string' ? value.working_dir : undefined,
      env: stringValues(isMapping(value.env) ? value.env : {}),
      continueOnError: isAtmosCommand ? value.on_failure !== 'fail' : value.continue_on_error === true,
      ...(isAtmosCommand ? { atmosCommand: { onFailure: (value.on_failure as 'warn' | 'fail' | 'ignore' | undefined) ?? 'warn' } } : {}),
      ...(isStoreHook ? { storeHook: { store: String(value.name as string), outputs: stringValues(isMapping(value.outputs) ? value.outputs : {}) } } : {}),
    };
  }
  return commands;
}

/** The stack commands that run at one event, in the order they were declared. */
export function stackCommandsFor(commands: Record<string, StackCommand>, timing: StackCommandTiming, terraformCommand: string): StackCommand[] {
  const event = normalizeEvent(`${timing}-terraform-${terraformCommand}`);
  const everyEvent = (atmosHookedCommands as readonly string[]).includes(terraformCommand);
  return Object.values(commands).filter((command) => (command.events.length === 0 ? everyEvent : command.events.some((written) => normalizeEvent(written) === event)));
}

/** Environment values as strings; null unsets (drops) a variable. */
export function stringValues(env: Mapping): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // The schema allows only text, numbers and booleans here.
    if (value !== null && value !== undefined) result[key] = String(value as string | number | boolean);
  }
  return result;
}
