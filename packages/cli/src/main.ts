/**
 * The `tfwrap` binary. Every failure ends as one line on stderr and a documented exit code
 * (docs/errors.md); a stack trace only with --debug.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './context.js';

// The bundle has the version built in (scripts/bundle.mjs defines it); the tsc output reads it.
declare const TFWRAP_BUNDLED_VERSION: string | undefined;
const version =
  typeof TFWRAP_BUNDLED_VERSION === 'string' ? TFWRAP_BUNDLED_VERSION : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Globals = () => GlobalOptions;
type SetExit = (code: number) => void;
type Register = (program: Command, globals: Globals, setExit: SetExit) => void;

/**
 * The top-level commands, in help order, each with the module that defines it. A run imports only
 * the module of the command it runs (and, through it, @tfwrap/core); `--version` imports none, the
 * help listing all of them. `auth` is one group: four modules add its subcommands.
 */
const COMMAND_GROUPS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register[]> }> = [
  {
    names: ['auth'],
    load: async () => {
      const [auth, login, plugins] = await Promise.all([
        import('./commands/auth.js'),
        import('./commands/auth-login.js'),
        import('./plugin-commands.js'), // auth user, auth credential-process: contributed by their plugins
      ]);
      return [
        auth.registerAuthCommands,
        login.registerAuthLoginCommand,
        (program, globalOptions, setExit) => plugins.registerPluginCommands(program, plugins.builtinCommands, globalOptions, setExit),
      ];
    },
  },
  { names: ['plan', 'apply', 'destroy', 'init', 'output', 'validate', 'show', 'terraform'], load: async () => [(await import('./commands/terraform.js')).registerTerraformCommands] },
  { names: ['describe'], load: async () => [(await import('./commands/describe.js')).registerDescribeCommands] },
  { names: ['list'], load: async () => [(await import('./commands/list.js')).registerListCommands] },
  { names: ['plugins'], load: async () => [(await import('./commands/plugins.js')).registerPluginsCommands] },
  { names: ['schema'], load: async () => [(await import('./commands/schema.js')).registerSchemaCommand] },
  { names: ['fmt'], load: async () => [(await import('./commands/fmt.js')).registerFmtCommand] },
];

/** ExitCode.usage (docs/errors.md), here so that a usage error does not import core to say it. */
const USAGE_EXIT = 64;

/** The root's options that take a value (the word after them is not the command). */
const ROOT_OPTIONS_WITH_VALUE = new Set(['-C', '--chdir', '-c', '--config']);

/**
 * The top-level command word of `args` (process.argv after node and the script), skipping the
 * root's options; undefined when there is none (`tfwrap`, `tfwrap --version`, `tfwrap -- x`).
 */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (ROOT_OPTIONS_WITH_VALUE.has(arg)) i++;
  }
  return undefined;
}

/**
 * The program with its commands: with `args`, only the group of the command they name (commander
 * then parses, helps and reports errors for that command exactly as with all of them); without,
 * or when the word names no command (help, a typo commander suggests a fix for), every command.
 */
export async function buildProgram(setExit: SetExit, args?: readonly string[]): Promise<Command> {
  const program = new Command('tfwrap');
  program
    .description('Run Terraform with the right cloud identity, on a laptop, in CI and inside AWS.')
    .version(version, '-v, --version')
    .option('-C, --chdir <dir>', 'run as if started in <dir>')
    .option('-c, --config <file>', 'configuration file (default: search upward; TFWRAP_CONFIG)')
    .option('--debug', 'print time per phase and per plugin (secrets redacted)')
    .enablePositionalOptions()
    .showHelpAfterError('(run tfwrap --help for usage)');
  // Global options work before or after the subcommand: every leaf command takes them too.
  let globalOptions: GlobalOptions = {};
  program.hook('preAction', (_root, action) => {
    globalOptions = action.optsWithGlobals<GlobalOptions>();
  });
  const word = args && commandWord(args);
  const onlyVersion = args !== undefined && word === undefined && args.length === 1 && (args[0] === '-v' || args[0] === '--version');
  const named = COMMAND_GROUPS.find((group) => word !== undefined && group.names.includes(word));
  const groups = named ? [named] : onlyVersion ? [] : COMMAND_GROUPS;
  for (const registers of await Promise.all(groups.map((group) => group.load()))) {
    for (const register of registers) register(program, () => globalOptions, setExit);
  }
  const finish = (cmd: Command) => {
    cmd.exitOverride();
    if (cmd.commands.length === 0 && cmd !== program) {
      cmd.option('-C, --chdir <dir>', 'run as if started in <dir>').option('-c, --config <file>', 'configuration file').option('--debug', 'print time per phase and per plugin');
    }
    cmd.commands.forEach(finish);
  };
  finish(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let program: Command | undefined;
  try {
    program = await buildProgram((code) => (exitCode = code), argv.slice(2));
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err, program?.opts<GlobalOptions>().debug === true);
  }
}

async function reportError(err: unknown, debug: boolean): Promise<number> {
  if (err instanceof CommanderError) {
    // Help and version "errors" are successful exits; commander already printed its message.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return USAGE_EXIT;
  }
  // Core is imported here, not at start-up: `--version` never loads it.
  const { ExitCode, Redactor, TfwrapError, TfwrapErrors, messageOf } = await import('@tfwrap/core');
  /** Every secret this process learned (credentials, keys) and secret-looking variables, masked. */
  const redacted = (text: string): string => {
    Redactor.everywhere.addFromEnv(process.env);
    return Redactor.everywhere.redact(text);
  };
  const redactStack = (error: Error): string => redacted(`${error.stack ?? error.message}\n`);
  if (err instanceof TfwrapErrors) {
    for (const e of err.errors) process.stderr.write(redacted(`tfwrap: error: ${e.format()}\n`));
    return err.exitCode;
  }
  if (err instanceof TfwrapError) {
    process.stderr.write(redacted(`tfwrap: error: ${err.format()}\n`));
    if (debug && err.cause instanceof Error) process.stderr.write(redactStack(err.cause));
    return err.exitCode;
  }
  process.stderr.write(redacted(`tfwrap: internal error: ${messageOf(err)} (please report it; --debug shows where) [E_INTERNAL]\n`));
  if (debug && err instanceof Error) process.stderr.write(redactStack(err));
  return ExitCode.internal;
}


/**
 * The binary's entry. The process ends once stdout and stderr are flushed: a pipe to a slow reader
 * (`| jq`, `| tee`) gets every byte, and a reader that stops early (`| head`) ends tfwrap quietly.
 */
export async function run(): Promise<void> {
  watchOutput(process.stdout);
  watchOutput(process.stderr);
  let code = await main(process.argv);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // A failed write is reported by an 'error' event on a later tick: let it arrive.
  await new Promise((resolve) => setImmediate(resolve));
  if (outputFailure) {
    const { TfwrapError } = await import('@tfwrap/core');
    code = await reportError(new TfwrapError('E_OUTPUT', `cannot write to standard output: ${outputFailure.message}`, {
      hint: 'the output went to a full disk or a device that failed; write it elsewhere (describe takes --file)',
    }), false);
  }
  process.exitCode = code;
  // Everything the command started has ended (a run waits for its children); what may remain is an
  // abandoned credential request (an endpoint that never answers), which must not keep tfwrap alive.
  setTimeout(() => process.exit(code), 200).unref();
}

/** Resolves when what was written before has been handed to the OS (or the stream is gone). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** The first error writing standard output other than its reader going away. */
let outputFailure: NodeJS.ErrnoException | undefined;

/**
 * EPIPE: the reader is gone; drop further output instead of a stack trace. Any other error (a full
 * disk, an I/O error) drops further output too, and ends the run with one line (stdout's: stderr's
 * cannot be reported).
 */
function watchOutput(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    stream.destroy();
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    if (stream === process.stdout) outputFailure ??= err;
  });
}
