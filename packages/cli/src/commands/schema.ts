/** `tfwrap schema [--stack]`: JSON Schema for tfwrap.yaml (or stack manifests), with every loaded kind. */
import type { Command } from 'commander';
import { configJsonSchema, stackManifestJsonSchema } from '@tfwrap/plugin-kit/json-schema';
import { createTfwrap, printJson, type GlobalOptions } from '../context.js';

export function registerSchemaCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('schema')
    .description('print the JSON Schema of tfwrap.yaml (with the identity kinds of the loaded plugins), or of stack manifests')
    .option('--stack', 'the schema of stack manifests instead')
    .action(async (opts: { stack?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      printJson(opts.stack ? stackManifestJsonSchema(Object.keys(tfwrap.identities())) : configJsonSchema(tfwrap.identityKinds.list()));
    });
}
