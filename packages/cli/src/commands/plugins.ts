/** `tfwrap plugins list`: the loaded plugins, the identity kinds each provides, the hooks each taps. */
import type { Command } from 'commander';
import type { Tfwrap } from '@tfwrap/core';
import { createTfwrap, formatTable, printJson, type GlobalOptions } from '../context.js';

interface PluginRow {
  name: string;
  /** As written in plugins:, or the built-in name. */
  specifier: string;
  /** The configuration file that named it, or `built-in`. */
  requestedBy: string;
  /** The module file, or the specifier for built-ins. */
  resolved: string;
  apiVersion: number;
  kinds: string[];
  hooks: string[];
}

function listPlugins(tfwrap: Tfwrap): PluginRow[] {
  return tfwrap.plugins.map(({ plugin, request, resolved }) => ({
    name: plugin.name,
    specifier: request.specifier,
    requestedBy: request.requestedBy,
    resolved,
    apiVersion: plugin.apiVersion,
    kinds: tfwrap.identityKinds.list().filter((kind) => kind.plugin === plugin.name).map((kind) => kind.kind),
    hooks: [...new Set(tfwrap.taps.filter((tap) => tap.plugin === plugin.name).map((tap) => tap.hook))],
  }));
}

export function registerPluginsCommands(program: Command, globals: () => GlobalOptions): void {
  const plugins = program.command('plugins').description('plugins: what is loaded and what each provides');
  plugins
    .command('list')
    .description('loaded plugins, the identity kinds each provides and the hooks each taps')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      await tfwrap.applyAllPlugins(); // list every plugin, not only those this configuration uses
      const rows = listPlugins(tfwrap);
      if (opts.json) return printJson(rows);
      process.stdout.write(
        formatTable([
          ['PLUGIN', 'FROM', 'KINDS', 'HOOKS'],
          ...rows.map((r) => [r.name, r.requestedBy === 'built-in' ? 'built-in' : r.resolved, r.kinds.join(', ') || '-', r.hooks.join(', ') || '-']),
        ]),
      );
    });
}
