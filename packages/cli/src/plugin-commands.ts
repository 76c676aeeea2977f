/**
 * Commands plugins contribute (core's `CommandDefinition`), turned into commander commands. The
 * definitions are light; a command's handler is imported only when it runs, so registering them
 * costs start-up nothing but the definitions themselves.
 */
import type { Command } from 'commander';
import type { CommandDefinition } from '@tfwrap/core';
import { credentialProcessCommands } from '@tfwrap/identity-aws-credential-process/commands';
import { awsUserCommands } from '@tfwrap/identity-aws-user/commands';
import { createTfwrap, identityFlag, withRun, type GlobalOptions } from './context.js';

/** The commands of the built-in plugins, from each plugin's light `commands` entry. */
export const builtinCommands: readonly CommandDefinition[] = [...credentialProcessCommands, ...awsUserCommands];

export function registerPluginCommands(program: Command, definitions: readonly CommandDefinition[], globals: () => GlobalOptions, setExit: (code: number) => void): void {
  for (const definition of definitions) {
    let parent = program;
    for (const word of definition.name.slice(0, -1)) parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word);
    const name = definition.name[definition.name.length - 1]!;
    const command = parent.commands.find((c) => c.name() === name) ?? parent.command(name);
    command.description(definition.description);
    for (const option of definition.options ?? []) command.option(option.flags, option.description);
    const load = definition.load;
    if (!load) continue;
    command.action(async (options: Record<string, unknown>) => {
      const handler = await load();
      const code = await handler({
        options,
        tfwrap: () => createTfwrap(globals()),
        // `-i false` (and no/off/0) means no tfwrap auth, as in tfwrap's own commands.
        withRun: (tfwrap, request, work) =>
          withRun(tfwrap, { ...request, identity: typeof request.identity === 'string' ? identityFlag(request.identity) : request.identity }, globals(), work),
      });
      setExit(code ?? 0);
    });
  }
}
