/** `tfwrap schema [--stack]`: JSON Schema for tfwrap.yaml (or stack manifests), with every loaded kind. */
import type { Command } from 'commander';
import { createTfwrap, printJson, type GlobalOptions } from '../context.js';

export function registerSchemaCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('schema')
    .description('print the JSON Schema of tfwrap.yaml (with the identity kinds of the loaded plugins), or of stack manifests')
    .option('--stack', 'the schema of stack manifests instead')
    .action(async (opts: { stack?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      await tfwrap.applyAllPlugins(); // the schema offers every installed kind
      // Lazy: the JSON Schema converter is only needed here, not on every run's start-up path.
      const { configJsonSchema, stackManifestJsonSchema } = await import('@tfwrap/plugin-kit/json-schema');
      printJson(opts.stack ? stackManifestJsonSchema(Object.keys(tfwrap.identities())) : configJsonSchema(tfwrap.identityKinds.list()));
    });
}
