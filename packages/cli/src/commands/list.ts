/** `tfwrap list stacks [--json]`, `tfwrap list components [-s stack] [--json]`. */
import path from 'node:path';
import type { Command } from 'commander';
import { createTfwrap, formatTable, printJson, type GlobalOptions } from '../context.js';

export function registerListCommands(program: Command, globals: () => GlobalOptions): void {
  const list = program.command('list').description('list stacks and components');

  list
    .command('stacks')
    .description('every stack, by name')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      const { openStacks } = await import('../stacks.js');
      const repo = openStacks(tfwrap);
      const stacks = await repo.listStacks();
      const root = tfwrap.loaded.dir;
      if (opts.json) return printJson(stacks.map((s) => ({ name: s.name, file: path.relative(root, s.file) })));
      process.stdout.write(stacks.map((s) => s.name + '\n').join(''));
    });

  list
    .command('components')
    .description('components of one stack (-s) or of every stack')
    .option('-s, --stack <stack>', 'only this stack')
    .option('--json', 'machine-readable output')
    .action(async (opts: { stack?: string; json?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      const { openStacks } = await import('../stacks.js');
      const repo = openStacks(tfwrap);
      const names = opts.stack ? [opts.stack] : (await repo.listStacks()).map((s) => s.name);
      const rows: Array<{ stack: string; component: string; type: string; locked: boolean; terraform_component: string }> = [];
      for (const name of names) {
        const stack = await repo.loadStack(name);
        for (const instance of await stack.components()) {
          rows.push({ stack: instance.stack, component: instance.name, type: instance.type, locked: instance.locked, terraform_component: instance.component });
        }
      }
      if (opts.json) return printJson(rows);
      if (opts.stack) {
        process.stdout.write(rows.map((r) => `${r.component}${r.type === 'abstract' ? ' (abstract)' : ''}${r.locked ? ' (locked)' : ''}\n`).join(''));
        return;
      }
      if (rows.length === 0) return;
      process.stdout.write(formatTable([['STACK', 'COMPONENT', 'TYPE'], ...rows.map((r) => [r.stack, r.component, r.type + (r.locked ? ', locked' : '')])]));
    });
}
