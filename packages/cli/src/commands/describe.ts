/**
 * `tfwrap describe component <component> -s <stack> [--format yaml|json]` and
 * `tfwrap describe affected --base <ref> [--head <ref>] [--format json|yaml|matrix] [--include-dependents]`.
 * `tfwrap describe dependents <component> -s <stack> [--format json|yaml]`.
 * `tfwrap describe stacks [--stack S] [--components a,b] [--sections vars,env] [--format yaml|json]`
 * (Atmos's shape: `<stack>: { components: { terraform: { <component>: { <section>: ... } } } }`).
 * `tfwrap describe locals [component] -s <stack> [--format yaml|json]` (Atmos's describe locals).
 * Each takes `--query <yq path>` and `--file <path>` (describe-output.ts).
 */
import type { Command } from 'commander';
import { TfwrapError, type Run } from '@tfwrap/core';
import type { PathExpression } from '@tfwrap/stacks';
import { createTfwrap, identityFlag, withRun, type GlobalOptions } from '../context.js';
import { progressLine } from '../progress.js';
import { inPropertyOrder, parseDescribeQuery, writeDescribeEntries, writeDescribeOutput, writeStdout, type DescribeOutputOptions } from './describe-output.js';

/** Atmos's `--query` and `--file`, on every describe command. */
function outputOptions(command: Command): Command {
  return command
    .option('-q, --query <expression>', 'print only this part of the result: a yq path such as .vars or .components.terraform.vpc.vars.cidr')
    .option('--file <path>', 'write the result to this file (replaced whole) instead of stdout');
}

export function registerDescribeCommands(program: Command, globals: () => GlobalOptions, setExit: (code: number) => void): void {
  const describe = program.command('describe').description('show merged configuration');
  outputOptions(describe
    .command('component')
    .description('the merged configuration of a component in a stack, with the identity it would run as')
    .argument('<component>', 'the component')
    .requiredOption('-s, --stack <stack>', 'the stack')
    .option('-i, --identity <name>', 'as if run with --identity')
    .option('--format <format>', 'yaml or json', 'yaml'))
    .action(async (name: string, opts: { stack: string; format: string; identity?: string } & DescribeOutputOptions) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format yaml or --format json' });
      }
      const query = await parseDescribeQuery(opts.query);
      const tfwrap = await createTfwrap(globals());
      // Through beforeResolve like a run: a policy that refuses the stack refuses describing it too.
      const request = { command: 'describe component', identity: identityFlag(opts.identity), stack: opts.stack, components: [name], args: [] };
      setExit(await withRun(tfwrap, request, globals(), (run) => describeComponent(run, opts.format as 'yaml' | 'json', { query, file: opts.file })));
    });

  outputOptions(describe
    .command('affected')
    .description('the components a change between two git revisions affects, and why (docs/ci.md)')
    .requiredOption('--base <ref>', 'the revision to compare with (for a pull request: its base branch)')
    .option('--head <ref>', 'the changed revision', 'HEAD')
    .option('--format <format>', 'json, yaml or matrix (a GitHub Actions matrix)', 'json')
    .option('--include-dependents', 'add the components that depend on an affected one (settings.depends_on)')
    .option('-i, --identity <name>', 'as if run with --identity'))
    .action(async (opts: { base: string; head: string; format: string; includeDependents?: boolean; identity?: string } & DescribeOutputOptions) => {
      if (!['json', 'yaml', 'matrix'].includes(opts.format)) {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format json, yaml or matrix' });
      }
      if (opts.format === 'matrix' && opts.query !== undefined) {
        throw new TfwrapError('E_USAGE', '--query does not apply to --format matrix', { hint: 'query the entries: --format json --query ...' });
      }
      const query = await parseDescribeQuery(opts.query);
      const tfwrap = await createTfwrap(globals());
      const { affectedEntries, matrixOf, MATRIX_LIMIT } = await import('../affected.js');
      const entries = await affectedEntries(tfwrap, opts, identityFlag(opts.identity));
      if (opts.format === 'matrix') {
        const { matrix, grouped } = matrixOf(entries);
        if (grouped) {
          process.stderr.write(`tfwrap: ${entries.filter((e) => !e.deleted).length} affected components are more than GitHub's ${MATRIX_LIMIT} jobs per matrix: one job per stack (${matrix.include.length} stacks), its components in matrix.component\n`);
        }
        if (opts.file === undefined) await writeStdout(JSON.stringify(matrix) + '\n');
        else await writeDescribeOutput(matrix, 'json', { file: opts.file });
      } else {
        await writeDescribeOutput(entries, opts.format as 'yaml' | 'json', { query, file: opts.file });
      }
    });

  outputOptions(describe
    .command('dependents')
    .description('the components that depend on a component (settings.depends_on, dependencies.components), in any stack')
    .argument('<component>', 'the component')
    .requiredOption('-s, --stack <stack>', 'its stack')
    .option('--format <format>', 'json or yaml', 'json'))
    .action(async (name: string, opts: { stack: string; format: string } & DescribeOutputOptions) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format json or --format yaml' });
      }
      const query = await parseDescribeQuery(opts.query);
      const tfwrap = await createTfwrap(globals());
      const { dependentsOf } = await import('../dependents.js');
      const dependents = await dependentsOf(tfwrap, name, opts.stack);
      await writeDescribeOutput(dependents, opts.format, { query, file: opts.file });
    });

  outputOptions(describe
    .command('locals')
    .description("a stack manifest's locals, or with a component the locals it sees (Atmos's describe locals)")
    .argument('[component]', 'the component')
    .requiredOption('-s, --stack <stack>', "the stack: its name, or its manifest's path (deploy/dev)")
    .option('--format <format>', 'yaml or json', 'yaml'))
    .action(async (component: string | undefined, opts: { stack: string; format: string } & DescribeOutputOptions) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format yaml or --format json' });
      }
      const query = await parseDescribeQuery(opts.query);
      const tfwrap = await createTfwrap(globals());
      const { openStacks } = await import('../stacks.js');
      const locals = await openStacks(tfwrap).describeLocals(opts.stack, component);
      await writeDescribeOutput(locals, opts.format, { query, file: opts.file });
    });

  outputOptions(describe
    .command('stacks')
    .description("every stack's components with their merged sections, in Atmos's shape")
    .option('-s, --stack <stack>', 'only this stack')
    .option('--components <names>', 'only these components (comma-separated)')
    .option('--sections <names>', 'only these sections (comma-separated): vars, env, settings, backend, backend_type, providers, metadata, workspace, ...')
    .option('--format <format>', 'yaml or json', 'yaml'))
    .action(async (opts: { stack?: string; components?: string; sections?: string; format: string } & DescribeOutputOptions) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format yaml or --format json' });
      }
      const query = await parseDescribeQuery(opts.query);
      const list = (text?: string) => text?.split(',').map((item) => item.trim()).filter(Boolean);
      const wantedComponents = list(opts.components);
      const wantedSections = list(opts.sections);
      const tfwrap = await createTfwrap(globals());
      const { openStacks } = await import('../stacks.js');
      const { deferredAsText, deferredTagsIn } = await import('@tfwrap/stacks');
      const hasDeferred = (value: unknown) => deferredTagsIn(value).length > 0;
      // Printed, never changed: a hundred thousand components need no copy each.
      const repo = openStacks(tfwrap, { readOnlyComponents: true });
      const entries = opts.stack ? undefined : await repo.listStacks();
      const names = opts.stack ? [opts.stack] : entries!.map((entry) => entry.name);
      const entryOf = new Map(entries?.map((entry) => [entry.name, entry]));
      // Each stack made, turned into text and let go (writeDescribeEntries), in the order a whole
      // object would list them.
      const progress = progressLine('describing stacks');
      const ordered = inPropertyOrder(names);
      async function* stacks(): AsyncGenerator<[string, unknown]> {
        for (const [index, name] of ordered.entries()) {
          progress?.update(index + 1, ordered.length);
          const stack = await repo.loadStack(name);
          // A function is written with `!`: a stack none of whose files holds one needs no walk of its values.
          const entry = entryOf.get(name);
          const mayDefer = entry === undefined || repo.closureManifests(entry).some((manifest) => manifest.text.includes('!'));
          const terraform: Record<string, unknown> = {};
          for (const componentName of stack.componentNames()) {
            if (wantedComponents && !wantedComponents.includes(componentName)) continue;
            const instance = await stack.component(componentName);
            const sections: Record<string, unknown> = {
              component: instance.component,
              workspace: instance.workspace,
              vars: instance.vars,
              env: instance.env,
              settings: instance.settings,
              backend_type: instance.backendType ?? '',
              backend: instance.backend ?? {},
              remote_state_backend_type: instance.remoteStateBackendType ?? '',
              remote_state_backend: instance.remoteStateBackend ?? {},
              providers: instance.providers,
              command: instance.command,
              inheritance: instance.inherits,
              metadata: { ...instance.metadata, type: instance.type, locked: instance.locked, enabled: instance.enabled },
              auth: instance.auth ?? {},
              hooks: instance.hooks,
              ...(instance.locals ? { locals: instance.locals } : {}),
            };
            // Deferred functions (!terraform.output, !store) are shown as written: evaluating them
            // for every component would run terraform for each; describe component evaluates them.
            if (mayDefer && hasDeferred(sections)) Object.assign(sections, deferredAsText(sections));
            terraform[componentName] = wantedSections
              ? Object.fromEntries(Object.entries(sections).filter(([key]) => wantedSections.includes(key)))
              : sections;
          }
          if (Object.keys(terraform).length > 0 || !wantedComponents) yield [name, { components: { terraform } }];
        }
      }
      try {
        await writeDescribeEntries(stacks(), opts.format, { query, file: opts.file }, () => progress?.clear());
      } finally {
        progress?.clear();
      }
    });
}

/** The merged component as YAML or JSON, with the identity it would run as. */
async function describeComponent(run: Run, format: 'yaml' | 'json', output: { query?: PathExpression; file?: string }): Promise<void> {
  const { tfwrap, request } = run;
  const [{ openStacks }, { identityForComponent, hasDeferredValues }] = await Promise.all([import('../stacks.js'), import('@tfwrap/terraform')]);
  const repository = openStacks(tfwrap);
  const stack = await repository.loadStack(request.stack!);
  let instance = await stack.component(request.components![0]!);
  if (hasDeferredValues(instance)) {
    // !terraform.output and the like, evaluated as a run would (sensitive outputs not shown).
    const { DeferredValues, terraformSettingsFrom } = await import('@tfwrap/terraform');
    const deferred = new DeferredValues({ run, settings: terraformSettingsFrom(tfwrap), identity: request.identity, redactSensitive: true, loadStack: (name) => repository.loadStack(name) });
    instance = await deferred.resolve(instance);
  }
  const identity = identityForComponent(tfwrap, instance, request.identity);
  const kind = identity ? (tfwrap.identities()[identity]?.kind ?? null) : null;
  const described = {
    stack: instance.stack,
    component: instance.name,
    terraform_component: instance.component,
    component_dir: instance.componentDir,
    type: instance.type,
    locked: instance.locked,
    enabled: instance.enabled,
    inherits: instance.inherits,
    metadata: instance.metadata,
    identity: identity ?? null,
    identity_kind: kind,
    workspace: instance.workspace,
    varfile: instance.varfileName,
    backend_type: instance.backendType ?? null,
    backend: instance.backend ?? null,
    remote_state_backend_type: instance.remoteStateBackendType ?? null,
    remote_state_backend: instance.remoteStateBackend ?? null,
    providers: instance.providers,
    command: instance.command,
    vars: instance.vars,
    env: instance.env,
    settings: instance.settings,
    auth: instance.auth ?? null,
    hooks: instance.hooks,
    ...(instance.locals ? { locals: instance.locals } : {}),
    depends_on: instance.dependsOn,
    cross_stack_depends_on: instance.crossStackDependsOn,
    // What `describe affected` watches for this component (Atmos: depends_on file:/folder:, dependencies.files/folders).
    file_dependencies: instance.fileDependencies,
    folder_dependencies: instance.folderDependencies,
    sources: instance.sources,
  };
  await writeDescribeOutput(described, format, output);
}
