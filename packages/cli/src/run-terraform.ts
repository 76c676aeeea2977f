/** The work behind `tfwrap plan|apply|...` and `tfwrap terraform`: load, check, confirm, run, report. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { TfwrapError, type Run } from '@tfwrap/core';
import { DeferredValues, checkRunnable, hasFlag, formatMarkdownSummary, identityForComponent, runComponents, summaryJson, terraformSettingsFrom, withPlanFile, LOCKED_COMMANDS, type StackRunSummary } from '@tfwrap/terraform';
import type { ComponentInstance } from '@tfwrap/stacks';
import { printJson } from './context.js';
import { openStacks } from './stacks.js';

export interface TerraformCommandOptions {
  subcommand: string[];
  skipInit: boolean;
  forceInit?: boolean;
  parallelism: number;
  continueOnError: boolean;
  json: boolean;
  autoApprove: boolean;
  fresh: boolean;
  /** Always name plan files per stack and component (plan --affected); else only when several run. */
  namePlanFiles?: boolean;
  /** Hand the results over instead of reporting them (plan --affected reports all stacks at once). */
  onSummary?(summary: StackRunSummary): void;
}

export async function runTerraformCommand(run: Run, options: TerraformCommandOptions): Promise<number> {
  const { tfwrap, request } = run;
  const settings = terraformSettingsFrom(tfwrap);
  // Atmos's `terraform deploy`: apply with -auto-approve, after init only when
  // components.terraform.deploy_run_init is true (internal/exec/terraform.go).
  if (options.subcommand.length === 1 && options.subcommand[0] === 'deploy') {
    options = { ...options, subcommand: ['apply'], autoApprove: true, skipInit: options.skipInit || !settings.deployRunInit };
  }
  const subcommand = options.subcommand[0]!;
  const args = [...request.args];
  const autoApprove = options.autoApprove || (settings.applyAutoApprove && subcommand === 'apply');
  if (autoApprove && !hasFlag(args, 'auto-approve')) args.push('-auto-approve');
  const repository = openStacks(tfwrap);
  const stack = await tfwrap.log.time('load stack', () => repository.loadStack(request.stack!));
  const named = request.components ?? [];
  let levels = await stack.dependencyLevels(named.length ? named : undefined);

  // Named components must all be runnable; in a whole-stack run locked ones are left out.
  const locked: ComponentInstance[] = [];
  if (named.length === 0 && LOCKED_COMMANDS.has(subcommand)) {
    levels = levels.map((level) => level.filter((instance) => !(instance.locked && locked.push(instance)))).filter((level) => level.length > 0);
  }
  // metadata.enabled: false (Atmos): skipped, named or not, and said so.
  const disabled: ComponentInstance[] = [];
  levels = levels.map((level) => level.filter((instance) => instance.enabled || !disabled.push(instance))).filter((level) => level.length > 0);
  for (const instance of disabled) {
    process.stderr.write(`tfwrap: skipping ${instance.stack}/${instance.name}: disabled (metadata.enabled: false)\n`);
  }
  for (const instance of levels.flat()) {
    for (const dependency of instance.crossStackDependsOn) {
      process.stderr.write(`tfwrap: note: ${instance.stack}/${instance.name} depends on ${dependency.component} in ${dependency.stack ?? 'another stack'}, which this run does not include\n`);
    }
  }
  if (levels.length === 0 && disabled.length > 0) return 0;
  const all = levels.flat();
  for (const instance of all) checkRunnable(instance, subcommand, stack.file);
  for (const instance of locked) {
    process.stderr.write(`tfwrap: skipping ${instance.stack}/${instance.name}: locked (metadata.locked: true)\n`);
  }
  if (all.length === 0) {
    throw new TfwrapError('E_COMPONENT_UNKNOWN', `stack '${stack.name}' has no component to ${subcommand}`, {
      location: { file: stack.file },
      hint: locked.length ? 'every component is locked' : 'add components under components.terraform',
    });
  }

  if ((subcommand === 'apply' || subcommand === 'destroy') && all.length > 1 && !hasFlag(args, 'auto-approve')) {
    await confirm(subcommand, stack.name, all, run.signal);
    args.push('-auto-approve');
  }

  const deferred = new DeferredValues({ run, settings, identity: request.identity, loadStack: (name) => name === stack.name ? Promise.resolve(stack) : repository.loadStack(name) });
  const summary = await runComponents({
    run,
    settings,
    levels,
    subcommand: options.subcommand,
    args,
    skipInit: options.skipInit,
    forceInit: options.forceInit,
    parallelism: options.parallelism,
    continueOnError: options.continueOnError,
    json: options.json,
    identityFor: (instance) => identityForComponent(tfwrap, instance, request.identity),
    // !terraform.output and the like: evaluated per component as it comes up, once per run.
    prepare: (instance) => deferred.resolve(instance),
    fresh: options.fresh,
    ...((all.length > 1 || options.namePlanFiles) && hasFlag(args, 'out') ? { argsFor: planFilesIn(all, args, request.cwd) } : {}),
  });
  if (options.onSummary) {
    options.onSummary(summary);
    return summary.exitCode;
  }
  if (options.json) printJson(summaryJson(summary.results, summary.exitCode));
  if (summary.results.length > 1) appendStepSummary(`tfwrap ${options.subcommand.join(' ')} ${stack.name}`, summary);
  const only = summary.results.length === 1 ? summary.results[0] : undefined;
  if (only?.error) throw only.error;
  return summary.exitCode;
}

/** A whole-stack apply or destroy asks first, like terraform apply does. */
async function confirm(subcommand: string, stack: string, instances: ComponentInstance[], signal: AbortSignal): Promise<void> {
  const list = instances.map((instance) => instance.name).join(', ');
  if (!process.stdin.isTTY) {
    throw new TfwrapError('E_USAGE', `tfwrap ${subcommand} of every component of stack '${stack}' (${list}) needs confirmation, and stdin is not a terminal`, {
      hint: `add -auto-approve, or name the components: tfwrap ${subcommand} ${stack} <component>`,
    });
  }
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await readline.question(`Do you want to ${subcommand} ${instances.length} components of stack '${stack}' (${list})?\n  Only 'yes' will be accepted: `, { signal });
    if (answer.trim() !== 'yes') throw new TfwrapError('E_INTERRUPTED', `${subcommand} cancelled`);
  } finally {
    readline.close();
  }
}

/** Plan files named per stack and component; their directories are made first. */
function planFilesIn(instances: ComponentInstance[], args: string[], cwd: string): (instance: ComponentInstance, args: string[]) => string[] {
  for (const instance of instances) {
    const out = withPlanFile(args, instance, cwd).find((arg) => arg.startsWith('-out='));
    if (out) mkdirSync(path.dirname(out.slice('-out='.length)), { recursive: true });
  }
  return (instance, componentArgs) => withPlanFile(componentArgs, instance, cwd);
}

/** In GitHub Actions, a Markdown table of the results in the job's summary page. */
export function appendStepSummary(title: string, summary: StackRunSummary): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  appendFileSync(file, formatMarkdownSummary(title, summary.results));
}
