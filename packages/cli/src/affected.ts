/**
 * `tfwrap describe affected` and `tfwrap plan --affected`: what a change between two git revisions
 * affects (see @tfwrap/stacks affected.ts), as a list, as a GitHub Actions matrix, or planned.
 */
import { TfwrapError, type Tfwrap } from '@tfwrap/core';
import { describeAffected, type AffectedComponent, type ComponentInstance } from '@tfwrap/stacks';
import { combinedExitCode, formatSummaryTable, identityForComponent, summaryJson, type ComponentResult } from '@tfwrap/terraform';
import { createTfwrap, identityFlag, printJson, withRun, type GlobalOptions } from './context.js';
import { appendStepSummary, runTerraformCommand, type TerraformCommandOptions } from './run-terraform.js';

export interface AffectedFlags {
  base?: string;
  head?: string;
  includeDependents?: boolean;
}

export interface AffectedEntry {
  stack: string;
  component: string;
  component_path: string;
  /** The identity the component would run as; null when deleted or none. */
  identity: string | null;
  deleted: boolean;
  reasons: string[];
}

/** GitHub's limit on the jobs of one matrix. */
export const MATRIX_LIMIT = 256;

export async function affectedEntries(tfwrap: Tfwrap, flags: AffectedFlags, identity?: string | false): Promise<AffectedEntry[]> {
  if (!flags.base) {
    throw new TfwrapError('E_USAGE', '--base <ref> is required', { hint: 'for example --base origin/main (the branch a pull request merges into)' });
  }
  const report = await describeAffected({
    projectDir: tfwrap.loaded.dir,
    configFile: tfwrap.configFile,
    atmosFile: tfwrap.loaded.atmosFile,
    base: flags.base,
    head: flags.head,
    includeDependents: flags.includeDependents === true,
  });
  // Components share their resolved auth: (often none): one identity lookup per value.
  const identities = new Map<unknown, string | null>();
  const identityOf = (auth: AffectedComponent['auth']): string | null => {
    let found = identities.get(auth);
    if (found === undefined) identities.set(auth, (found = identityForComponent(tfwrap, { auth } as ComponentInstance, identity) ?? null));
    return found;
  };
  return report.components.map((entry: AffectedComponent) => ({
    stack: entry.stack,
    component: entry.component,
    component_path: entry.componentPath,
    identity: entry.deleted ? null : identityOf(entry.auth),
    deleted: entry.deleted,
    reasons: entry.reasons,
  }));
}

export interface Matrix {
  include: Array<{ stack: string; component: string; identity: string }>;
}

/**
 * The GitHub Actions matrix of the components to plan (deleted ones left out). Above 256 entries,
 * one entry per stack whose `component` lists the stack's components separated by spaces
 * (`tfwrap plan <stack> ${{ matrix.component }}` takes both forms); `grouped` says so.
 */
export function matrixOf(entries: readonly AffectedEntry[]): { matrix: Matrix; grouped: boolean } {
  const live = entries.filter((entry) => !entry.deleted);
  const single = live.map((entry) => ({ stack: entry.stack, component: entry.component, identity: entry.identity ?? '' }));
  if (single.length <= MATRIX_LIMIT) return { matrix: { include: single }, grouped: false };
  const byStack = new Map<string, AffectedEntry[]>();
  for (const entry of live) {
    const list = byStack.get(entry.stack) ?? [];
    list.push(entry);
    byStack.set(entry.stack, list);
  }
  if (byStack.size > MATRIX_LIMIT) {
    throw new TfwrapError('E_USAGE', `${live.length} affected components in ${byStack.size} stacks: more than GitHub's ${MATRIX_LIMIT} jobs per matrix even with one job per stack`, {
      hint: 'plan them in one job with tfwrap plan --affected, or split the workflow by stack directory',
    });
  }
  const include = [...byStack].map(([stack, list]) => ({
    stack,
    component: list.map((entry) => entry.component).join(' '),
    identity: [...new Set(list.map((entry) => entry.identity ?? ''))].filter(Boolean).join(' '),
  }));
  return { matrix: { include }, grouped: true };
}

/** `tfwrap plan --affected --base <ref>`: every affected stack's affected components, one summary. */
export async function planAffected(globals: GlobalOptions, flags: AffectedFlags & { identity?: string }, args: string[], options: TerraformCommandOptions): Promise<number> {
  const tfwrap = await createTfwrap(globals);
  const entries = await affectedEntries(tfwrap, flags, identityFlag(flags.identity));
  for (const entry of entries.filter((e) => e.deleted)) {
    process.stderr.write(`tfwrap: skipping ${entry.stack}/${entry.component}: deleted (plan its removal from the base revision)\n`);
  }
  const byStack = new Map<string, string[]>();
  for (const entry of entries.filter((e) => !e.deleted)) byStack.set(entry.stack, [...(byStack.get(entry.stack) ?? []), entry.component]);
  if (byStack.size === 0) {
    process.stderr.write(`tfwrap: no component is affected between ${flags.base} and ${flags.head ?? 'HEAD'}\n`);
    if (options.json) printJson(summaryJson([], 0));
    return 0;
  }
  const results: ComponentResult[] = [];
  let failed = false;
  for (const [stack, components] of byStack) {
    if (failed && !options.continueOnError) {
      for (const component of components) results.push(skipped(stack, component));
      continue;
    }
    const code = await withRun(tfwrap, { command: 'plan', identity: identityFlag(flags.identity), stack, components, args }, globals, (run) =>
      runTerraformCommand(run, {
        ...options,
        namePlanFiles: true,
        onSummary: (summary) => {
          results.push(...summary.results);
          if (summary.results.some((r) => r.result === 'failed' || r.result === 'interrupted')) failed = true;
        },
      }),
    );
    // Interrupted (129/130/143): no further stack starts.
    if (code === 129 || code === 130 || code === 143) return code;
    if (results.some((r) => r.result === 'interrupted')) break;
  }
  const exitCode = combinedExitCode(results);
  if (byStack.size > 1) process.stderr.write('\n' + formatSummaryTable(results));
  if (options.json) printJson(summaryJson(results, exitCode));
  appendStepSummary(`tfwrap plan --affected (base ${flags.base})`, { results, exitCode });
  return exitCode;
}

function skipped(stack: string, component: string): ComponentResult {
  return {
    stack, component, identity: null, principalArn: null, command: 'plan', result: 'skipped', exitCode: 0,
    add: null, change: null, destroy: null, durationMs: 0, message: 'an earlier component failed',
  };
}
