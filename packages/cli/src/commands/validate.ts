/**
 * `tfwrap validate`: everything that can be checked offline, all problems at once, each with its
 * file and line: the configuration, the plugins, the auth graph and each identity against its
 * kind's schema, and every stack manifest (imports, sections, components, inheritance,
 * dependencies, and the identities components name). Exit 0 when clean, 1 with problems.
 *
 * Nothing here authenticates or imports a cloud SDK: kinds are checked through their schemas.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, Tfwrap, TfwrapError, TfwrapErrors, locate, parseYaml } from '@tfwrap/core';
import { createTfwrap, printJson, type GlobalOptions } from '../context.js';
import { progressLine } from '../progress.js';

export interface ValidationReport {
  configFile: string | null;
  identities: number;
  stacks: number;
  components: number;
  /** Stacks whose result was kept from an earlier run (their files unchanged). */
  fromCache: number;
  problems: TfwrapError[];
  /** Found but allowed: imports outside the repository, and what tfwrap reads but does not act on (Atmos keys, templates, functions); printed, exit 0. */
  warnings: TfwrapError[];
}

/**
 * `tfwrap validate` with no stack. The command itself is registered with the Terraform commands
 * (`tfwrap validate <stack> [component...]` runs `terraform validate`); without a stack it lands here.
 */
export async function validateAction(globals: GlobalOptions, opts: { json?: boolean; cache?: boolean }, setExit: (code: number) => void): Promise<void> {
  const progress = opts.json ? undefined : progressLine('validating stacks');
  const report = await validateProject(globals, { cache: opts.cache !== false, onProgress: progress?.update });
  progress?.clear();
  if (!opts.json) for (const warning of report.warnings) process.stderr.write(`tfwrap: warning: ${warning.format()}\n`);
  if (opts.json) {
    printJson({
      valid: report.problems.length === 0,
      configFile: report.configFile,
      identities: report.identities,
      stacks: report.stacks,
      components: report.components,
      stacksFromCache: report.fromCache,
      problems: report.problems.map((p) => ({ code: p.code, message: p.message, file: p.location?.file ?? null, line: p.location?.line ?? null, column: p.location?.column ?? null, plugin: p.plugin ?? null, hint: p.hint ?? null })),
      warnings: report.warnings.map((p) => ({ code: p.code, message: p.message, file: p.location?.file ?? null, line: p.location?.line ?? null, column: p.location?.column ?? null, hint: p.hint ?? null })),
    });
    setExit(report.problems.length ? ExitCode.findings : ExitCode.ok);
    return;
  }
  if (report.problems.length) {
    for (const problem of report.problems) process.stderr.write(`tfwrap: ${problem.format()}\n`);
    process.stderr.write(`tfwrap: ${report.problems.length} ${report.problems.length === 1 ? 'problem' : 'problems'} found\n`);
  } else {
    const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    process.stdout.write(
      `valid: ${report.configFile ?? 'no configuration file'}; ${plural(report.identities, 'identity', 'identities')}, ${plural(report.stacks, 'stack', 'stacks')}, ${plural(report.components, 'component', 'components')}\n`,
    );
  }
  setExit(report.problems.length ? ExitCode.findings : ExitCode.ok);
}

export async function validateProject(globals: GlobalOptions, { cache: useCache = true, onProgress }: { cache?: boolean; onProgress?: (started: number, total: number) => void } = {}): Promise<ValidationReport> {
  const problems: TfwrapError[] = [];
  const report: ValidationReport = { configFile: null, identities: 0, stacks: 0, components: 0, fromCache: 0, problems, warnings: [] };
  let tfwrap: Tfwrap | undefined;
  let project: { dir: string; config: unknown; file?: string } | undefined;
  try {
    tfwrap = await createTfwrap(globals);
    report.configFile = tfwrap.configFile ?? null;
    project = { dir: tfwrap.loaded.dir, config: tfwrap.config, file: tfwrap.configFile };
  } catch (err) {
    const found = err instanceof TfwrapErrors ? err.errors : err instanceof TfwrapError ? [err] : undefined;
    if (!found) throw err;
    problems.push(...found);
    // The configuration did not load; the stacks can still be checked with what it says about them.
    project = rawProject(found);
    report.configFile = project?.file ?? null;
  }

  let identityNames: string[] | undefined;
  if (tfwrap) {
    identityNames = Object.keys(tfwrap.identities());
    report.identities = identityNames.length;
    problems.push(...(await tfwrap.validateAuth()));
  }
  // Without --no-cache, what each stack's files gave is kept for the next run (@tfwrap/stacks validation.ts).
  if (project) await validateStacks(project, identityNames, report, tfwrap && useCache ? tfwrap.paths.cacheDir : undefined, onProgress);
  if (tfwrap?.loaded.atmosFile) report.warnings.unshift(...(await atmosConfigWarnings(tfwrap.loaded.atmosFile, tfwrap.config)));
  report.problems = dedupe(problems);
  report.warnings = dedupe(report.warnings);
  return report;
}

/** The configuration file's own YAML, when loading it failed on its schema (not its syntax). */
function rawProject(errors: TfwrapError[]): { dir: string; config: unknown; file: string } | undefined {
  const file = errors.find((e) => e.code === 'E_CONFIG_INVALID' || e.code.startsWith('E_PLUGIN') || e.code === 'E_KIND_DUPLICATE')?.location?.file;
  if (!file || !existsSync(file) || !/\.ya?ml$|\.tfwraprc$/.test(file)) return undefined;
  try {
    return { dir: dirname(file), config: parseYaml(readFileSync(file, 'utf8'), file) ?? {}, file };
  } catch {
    return undefined;
  }
}

async function validateStacks(project: { dir: string; config: unknown; file?: string }, identities: string[] | undefined, report: ValidationReport, cacheDir: string | undefined,
  onProgress: ((started: number, total: number) => void) | undefined): Promise<void> {
  const stacks = await import('@tfwrap/stacks');
  let repo: InstanceType<typeof stacks.StackRepository>;
  try {
    const settings = stacks.stacksSettingsFrom(project.dir, project.config, { configFile: project.file });
    if (!statSync(settings.stacksBasePath, { throwIfNoEntry: false })?.isDirectory()) return; // no stacks: nothing to check
    // validate only reads the components: no copy of each (a hundred thousand on a large repository).
    // Stack names kept between runs are checked by content, like validate's own kept results.
    repo = new stacks.StackRepository(settings, process.env, { readOnlyComponents: true, cacheDir, nameStamping: 'content' });
  } catch (err) {
    if (err instanceof TfwrapError) return void report.problems.push(await withConfigLine(err, project.file));
    throw err;
  }
  const validated = await stacks.validateStacks(repo, { identities, cacheDir, onProgress });
  report.stacks = validated.stacks;
  report.components = validated.components;
  report.fromCache = validated.fromCache;
  report.problems.push(...validated.problems);
  report.warnings.push(...validated.warnings);
}

/** Keys of atmos.yaml tfwrap does not act on (templates, workflows, ...), and functions it left unevaluated. */
const atmosConfigKeys = new Set(['base_path', 'stacks', 'components', 'settings', 'auth', 'plugins', 'hooks', 'audit', 'stores', 'edition', 'integrations']);
const atmosStacksKeys = new Set(['base_path', 'included_paths', 'excluded_paths', 'name_pattern', 'name_template', 'imports_outside_repo', 'inherit']);
const atmosTerraformKeys = new Set(['base_path', 'command', 'workspaces_enabled', 'auto_generate_backend_file', 'init_run_reconfigure', 'apply_auto_approve', 'deploy_run_init']);

async function atmosConfigWarnings(file: string, config: Record<string, unknown>): Promise<TfwrapError[]> {
  const { findAtmosTags } = await import('@tfwrap/core');
  let raw: unknown;
  try {
    raw = (await import('@tfwrap/core')).parseAtmosYaml(readFileSync(file, 'utf8'), file);
  } catch {
    return [];
  }
  if (!raw || typeof raw !== 'object') return [];
  const warn = async (path: string[], message: string) => new TfwrapError('E_CONFIG_INVALID', message, { location: await locate(file, path) });
  const warnings: TfwrapError[] = [];
  const doc = raw as Record<string, any>;
  for (const key of Object.keys(doc)) {
    if (key === 'templates') {
      if (doc.templates?.settings?.gomplate?.enabled === true) warnings.push(await warn(['templates', 'settings', 'gomplate', 'enabled'], 'templates.settings.gomplate.enabled: tfwrap has no gomplate functions or datasources (Sprig and atmos.Component only); a template using one fails'));
    }
    else if (!atmosConfigKeys.has(key)) warnings.push(await warn([key], `${key}: is not used by tfwrap`));
  }
  for (const key of Object.keys(doc.stacks ?? {})) if (!atmosStacksKeys.has(key)) warnings.push(await warn(['stacks', key], `stacks.${key}: is not used by tfwrap`));
  for (const key of Object.keys(doc.stacks?.inherit ?? {})) if (key !== 'metadata') warnings.push(await warn(['stacks', 'inherit', key], `stacks.inherit.${key}: is not used by tfwrap`));
  // integrations.github is merged into every component's settings and atlantis.project_templates name
  // Atlantis projects (as Atmos does); the rest is Atmos's own.
  for (const key of Object.keys(doc.integrations ?? {})) {
    if (key === 'atlantis' && doc.integrations.atlantis && typeof doc.integrations.atlantis === 'object') {
      for (const inner of Object.keys(doc.integrations.atlantis)) if (inner !== 'project_templates') warnings.push(await warn(['integrations', 'atlantis', inner], `integrations.atlantis.${inner}: is not used by tfwrap`));
    } else if (key !== 'github') warnings.push(await warn(['integrations', key], `integrations.${key}: is not used by tfwrap`));
  }
  for (const kind of Object.keys(doc.components ?? {})) {
    if (kind !== 'terraform') warnings.push(await warn(['components', kind], `components.${kind}: tfwrap runs Terraform components only`));
  }
  for (const key of Object.keys(doc.components?.terraform ?? {})) {
    if (!atmosTerraformKeys.has(key)) warnings.push(await warn(['components', 'terraform', key], `components.terraform.${key}: is not used by tfwrap`));
  }
  for (const tag of findAtmosTags(config)) {
    warnings.push(new TfwrapError('E_CONFIG_INVALID', `${tag.tag} in atmos.yaml is not evaluated by tfwrap (only !env and !repo-root are)`, { location: { file: tag.file, line: tag.line } }));
  }
  return warnings;
}

/** A settings error names the configuration file; add the line of its key. */
async function withConfigLine(err: TfwrapError, file: string | undefined): Promise<TfwrapError> {
  if (!file || !err.configPath?.length || err.location?.line) return err;
  return err.with({ location: await locate(file, err.configPath) });
}

/** A problem in a catalog file is found once per stack that imports it: report it once. */
function dedupe(problems: TfwrapError[]): TfwrapError[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = problem.format();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
