/**
 * `tfwrap plan|apply|destroy|init|output|validate|show <stack> [component...]` (or the Atmos form
 * `tfwrap plan <component> -s <stack>`), and `tfwrap terraform <subcommand> <component> -s <stack>
 * [-- args]` for any other subcommand. Terraform's single-dash flags (`-auto-approve`,
 * `-detailed-exitcode`, `-var a=b`) may be typed anywhere and go to Terraform (see splitTerraformArgs).
 * This file stays light: the work is in ../run-terraform.ts, imported when a command runs.
 */
import { Command } from 'commander';
import { TfwrapError } from '@tfwrap/core';
import { splitTerraformArgs } from '@tfwrap/terraform/args';
import { createTfwrap, identityFlag, withRun, type GlobalOptions } from '../context.js';

type Globals = () => GlobalOptions;

const TERRAFORM_COMMANDS: Record<string, string> = {
  plan: 'show what Terraform would change, for every component of a stack or the named ones',
  apply: 'apply the changes (a whole stack asks for confirmation unless -auto-approve)',
  destroy: 'destroy what the components manage',
  init: 'write the var and backend files, initialize and select the workspace',
  output: "print the components' outputs",
  validate: 'with no stack, check the configuration, every stack manifest and the auth graph offline (exit 0 or 1); with a stack, run terraform validate on its components',
  show: 'show the state or a saved plan',
};

interface RunCommandOptions {
  stack?: string;
  identity?: string;
  skipInit?: boolean;
  init?: boolean;
  parallelism: string;
  continueOnError?: boolean;
  json?: boolean;
  autoApprove?: boolean;
  fresh?: boolean;
  format?: string;
  affected?: boolean;
  base?: string;
  head?: string;
  includeDependents?: boolean;
}

const TERRAFORM_ARGS = Symbol('terraformArgs');

/** A command whose Terraform flags are taken out of the words before commander parses them. */
function terraformStyleCommand(parent: Command, name: string): Command {
  const command = parent.command(name);
  const parseOptions = command.parseOptions.bind(command);
  command.parseOptions = (args: string[]) => {
    const { own, terraform } = splitTerraformArgs(args);
    (command as unknown as Record<symbol, string[]>)[TERRAFORM_ARGS] = terraform;
    return parseOptions(own);
  };
  return command;
}

function terraformArgsOf(command: Command): string[] {
  return (command as unknown as Record<symbol, string[] | undefined>)[TERRAFORM_ARGS] ?? [];
}

function runOptions(command: Command): Command {
  return command
    .option('-s, --stack <stack>', 'the stack (then every word is a component)')
    .option('-i, --identity <name>', 'identity for every component (default: TFWRAP_IDENTITY, the component\'s auth.identity, the default); false for none')
    .option('--skip-init', 'do not run terraform init first')
    .option('--init', 'run terraform init even when nothing it depends on changed since the last one')
    .option('--parallelism <n>', 'components run at once in a whole-stack run', '4')
    .option('--continue-on-error', 'keep going after a component fails (what depends on it is skipped)')
    .option('--json', 'print the summary as JSON on stdout (Terraform\'s output goes to stderr)')
    .option('--format <format>', 'the summary: table (default, on stderr) or json (the same as --json)')
    .option('--auto-approve', 'the same as -auto-approve')
    .option('--fresh', 'ignore cached sessions');
}

export function registerTerraformCommands(program: Command, globals: Globals, setExit: (code: number) => void): void {
  for (const [name, description] of Object.entries(TERRAFORM_COMMANDS)) {
    const command = runOptions(terraformStyleCommand(program, name))
      .description(`${description}: tfwrap ${name} <stack> [component...] [terraform flags]`)
      .argument('[names...]', 'the stack, then components (or only components with -s)');
    if (name === 'plan') {
      command
        .option('--affected', 'plan the components a change affects (with --base; see tfwrap describe affected)')
        .option('--base <ref>', 'with --affected: the revision to compare with')
        .option('--head <ref>', 'with --affected: the changed revision (default HEAD)')
        .option('--include-dependents', 'with --affected: also what depends on an affected component');
    }
    if (name === 'validate') {
      command.option('--no-cache', 'with no stack: resolve every stack again, ignoring what the last validate kept for unchanged files');
    }
    command.action(async (names: string[], opts: RunCommandOptions) => {
      if (opts.affected) {
        if (names.length > 0 || opts.stack) {
          throw new TfwrapError('E_USAGE', 'tfwrap plan --affected takes no stack or component', { hint: 'run tfwrap plan --affected --base <ref>' });
        }
        const { planAffected } = await import('../affected.js');
        setExit(await planAffected(globals(), opts, terraformArgsOf(command), commandOptions(opts, ['plan'])));
        return;
      }
      if (opts.base || opts.head || opts.includeDependents) {
        throw new TfwrapError('E_USAGE', '--base, --head and --include-dependents go with --affected', { hint: 'run tfwrap plan --affected --base <ref>' });
      }
      let stack = opts.stack;
      let components = names;
      if (stack === undefined) {
        [stack, ...components] = names;
        // `tfwrap validate` with no stack checks the whole project offline (commands/validate.ts).
        if (!stack && name === 'validate') return (await import('./validate.js')).validateAction(globals(), opts, setExit);
        if (!stack) {
          throw new TfwrapError('E_USAGE', `tfwrap ${name} needs a stack`, { hint: `run tfwrap ${name} <stack> [component...] or tfwrap ${name} <component> -s <stack>; tfwrap list stacks shows them` });
        }
      }
      setExit(await run(globals(), name, [name], stack, components, terraformArgsOf(command), opts));
    });
  }

  const passthrough = runOptions(terraformStyleCommand(program, 'terraform'))
    .description('run any terraform subcommand for one component: tfwrap terraform <subcommand> <component> -s <stack> [-- args]')
    .argument('<subcommand...>', 'the subcommand (one or more words), then the component');
  passthrough.action(async (words: string[], opts: RunCommandOptions) => {
    if (!opts.stack || words.length < 2) {
      throw new TfwrapError('E_USAGE', 'tfwrap terraform needs a subcommand, a component and -s <stack>', {
        hint: 'for example tfwrap terraform state vpc -s dev -- list',
      });
    }
    const component = words[words.length - 1]!;
    const subcommand = words.slice(0, -1);
    setExit(await run(globals(), 'terraform', subcommand, opts.stack, [component], terraformArgsOf(passthrough), opts));
  });
}

async function run(globals: GlobalOptions, command: string, subcommand: string[], stack: string, components: string[], args: string[], opts: RunCommandOptions): Promise<number> {
  const options = commandOptions(opts, subcommand);
  // Import the runner (stacks, terraform) while the configuration and plugins load.
  const runner = import('../run-terraform.js');
  runner.catch(() => {});
  const tfwrap = await createTfwrap(globals);
  return withRun(tfwrap, { command, identity: identityFlag(opts.identity), stack, components, args }, globals, async (run) => {
    const { runTerraformCommand } = await runner;
    return runTerraformCommand(run, options);
  });
}

function commandOptions(opts: RunCommandOptions, subcommand: string[]) {
  if (opts.init && opts.skipInit) {
    throw new TfwrapError('E_USAGE', '--init and --skip-init cannot be used together', { hint: '--init forces terraform init, --skip-init leaves it out; give one' });
  }
  const parallelism = Number(opts.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new TfwrapError('E_USAGE', `--parallelism must be a whole number of at least 1, not "${opts.parallelism}"`, { hint: 'for example --parallelism 4 (the default)' });
  }
  if (opts.format !== undefined && opts.format !== 'table' && opts.format !== 'json') {
    throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: 'use --format table or --format json' });
  }
  return {
    subcommand,
    skipInit: opts.skipInit === true,
    forceInit: opts.init === true,
    parallelism,
    continueOnError: opts.continueOnError === true,
    json: opts.json === true || opts.format === 'json',
    autoApprove: opts.autoApprove === true,
    fresh: opts.fresh === true,
  };
}
