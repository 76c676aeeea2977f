/**
 * `tfwrap describe component <component> -s <stack> [--format yaml|json]` and
 * `tfwrap describe stacks [--stack S] [--components a,b] [--sections vars,env] [--format yaml|json]`
 * (Atmos's shape: `<stack>: { components: { terraform: { <component>: { <section>: ... } } } }`).
 */
import type { Command } from 'commander';
import { TfwrapError } from '@tfwrap/core';
import { createTfwrap, identityFlag, type GlobalOptions } from '../context.js';

export function registerDescribeCommands(program: Command, globals: () => GlobalOptions): void {
  const describe = program.command('describe').description('show merged configuration');
  describe
    .command('component')
    .description('the merged configuration of a component in a stack, with the identity it would run as')
    .argument('<component>', 'the component')
    .requiredOption('-s, --stack <stack>', 'the stack')
    .option('-i, --identity <name>', 'as if run with --identity')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (name: string, opts: { stack: string; format: string; identity?: string }) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format yaml or --format json' });
      }
      const tfwrap = await createTfwrap(globals());
      const [{ openStacks }, { identityForComponent }] = await Promise.all([import('../stacks.js'), import('@tfwrap/terraform')]);
      const stack = await openStacks(tfwrap).loadStack(opts.stack);
      const instance = await stack.component(name);
      const identity = identityForComponent(tfwrap, instance, identityFlag(opts.identity));
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
        identity: identity ?? null,
        identity_kind: kind,
        workspace: instance.workspace,
        varfile: instance.varfileName,
        backend_type: instance.backendType ?? null,
        backend: instance.backend ?? null,
        remote_state_backend_type: instance.remoteStateBackendType ?? null,
        remote_state_backend: instance.remoteStateBackend ?? null,
        providers: instance.providers,
        command: instance.command ?? null,
        vars: instance.vars,
        env: instance.env,
        settings: instance.settings,
        auth: instance.auth ?? null,
        hooks: instance.hooks,
        depends_on: instance.dependsOn,
        cross_stack_depends_on: instance.crossStackDependsOn,
        sources: instance.sources,
      };
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(described, null, 2) + '\n');
      } else {
        const { stringify } = await import('yaml');
        process.stdout.write(stringify(described, { aliasDuplicateObjects: false }));
      }
    });

  describe
    .command('stacks')
    .description("every stack's components with their merged sections, in Atmos's shape")
    .option('-s, --stack <stack>', 'only this stack')
    .option('--components <names>', 'only these components (comma-separated)')
    .option('--sections <names>', 'only these sections (comma-separated): vars, env, settings, backend, backend_type, providers, metadata, workspace, ...')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (opts: { stack?: string; components?: string; sections?: string; format: string }) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format yaml or --format json' });
      }
      const list = (text?: string) => text?.split(',').map((item) => item.trim()).filter(Boolean);
      const wantedComponents = list(opts.components);
      const wantedSections = list(opts.sections);
      const tfwrap = await createTfwrap(globals());
      const { openStacks } = await import('../stacks.js');
      const repo = openStacks(tfwrap);
      const names = opts.stack ? [opts.stack] : (await repo.listStacks()).map((entry) => entry.name);
      const result: Record<string, unknown> = {};
      for (const name of names) {
        const stack = await repo.loadStack(name);
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
            command: instance.command ?? '',
            inheritance: instance.inherits,
            metadata: { type: instance.type, locked: instance.locked, enabled: instance.enabled },
            auth: instance.auth ?? {},
            hooks: instance.hooks,
          };
          terraform[componentName] = wantedSections
            ? Object.fromEntries(Object.entries(sections).filter(([key]) => wantedSections.includes(key)))
            : sections;
        }
        if (Object.keys(terraform).length > 0 || !wantedComponents) result[name] = { components: { terraform } };
      }
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      } else {
        const { stringify } = await import('yaml');
        process.stdout.write(stringify(result, { aliasDuplicateObjects: false }));
      }
    });
}
