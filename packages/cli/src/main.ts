/**
 * The `tfwrap` binary. Every failure ends as one line on stderr and a documented exit code
 * (docs/errors.md); a stack trace only with --debug.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, Redactor, TfwrapError, TfwrapErrors, messageOf } from '@tfwrap/core';
import { registerAuthCommands } from './commands/auth.js';
import { registerAuthLoginCommand } from './commands/auth-login.js';
import { registerDescribeCommands } from './commands/describe.js';
import { registerListCommands } from './commands/list.js';
import { registerPluginsCommands } from './commands/plugins.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerFmtCommand } from './commands/fmt.js';
import { registerTerraformCommands } from './commands/terraform.js';
import { builtinCommands, registerPluginCommands } from './plugin-commands.js';
import type { GlobalOptions } from './context.js';

// The bundle has the version built in (scripts/bundle.mjs defines it); the tsc output reads it.
declare const TFWRAP_BUNDLED_VERSION: string | undefined;
const version =
  typeof TFWRAP_BUNDLED_VERSION === 'string' ? TFWRAP_BUNDLED_VERSION : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildProgram(setExit: (code: number) => void): Command {
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
  registerAuthCommands(program, () => globalOptions, setExit);
  registerAuthLoginCommand(program, () => globalOptions, setExit);
  registerPluginCommands(program, builtinCommands, () => globalOptions, setExit);
  registerTerraformCommands(program, () => globalOptions, setExit);
  registerDescribeCommands(program, () => globalOptions, setExit);
  registerListCommands(program, () => globalOptions);
  registerPluginsCommands(program, () => globalOptions);
  registerSchemaCommand(program, () => globalOptions);
  registerFmtCommand(program, () => globalOptions, setExit);
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
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err, program.opts<GlobalOptions>().debug === true);
  }
}

function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // Help and version "errors" are successful exits; commander already printed its message.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
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

function redactStack(err: Error): string {
  return redacted(`${err.stack ?? err.message}\n`);
}

/** Every secret this process learned (credentials, keys) and secret-looking variables, masked. */
function redacted(text: string): string {
  Redactor.everywhere.addFromEnv(process.env);
  return Redactor.everywhere.redact(text);
}

/**
 * The binary's entry. The process ends once stdout and stderr are flushed: a pipe to a slow reader
 * (`| jq`, `| tee`) gets every byte, and a reader that stops early (`| head`) ends tfwrap quietly.
 */
export async function run(): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const code = await main(process.argv);
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Everything the command started has ended (a run waits for its children); what may remain is an
  // abandoned credential request (an endpoint that never answers), which must not keep tfwrap alive.
  setTimeout(() => process.exit(code), 200).unref();
}

/** Resolves when what was written before has been handed to the OS (or the stream is gone). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** EPIPE: the reader is gone; drop further output instead of a stack trace. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      stream.destroy();
      return;
    }
    throw err;
  });
}
