/** `tfwrap auth ...`: list, validate, env, exec, whoami, logout. */
import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ENV_FORMATS, ExitCode, TfwrapError, TfwrapErrors, buildChain, diffEnv, formatEnv, type AuthResult, type EnvFormat, type Run, type Tfwrap } from '@tfwrap/core';
import { createTfwrap, formatTable, identityFlag, printJson, withRun, type GlobalOptions } from '../context.js';
import { githubMaskCommands } from './github-mask.js';

type Globals = () => GlobalOptions;

export function registerAuthCommands(program: Command, globals: Globals, setExit: (code: number) => void): void {
  const auth = program.command('auth').description('identities: list, check, inspect and use them');

  auth
    .command('list')
    .description('identities, their kinds and chains')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      const rows = listIdentities(tfwrap);
      if (opts.json) return printJson(rows);
      if (rows.length === 0) {
        process.stdout.write(`no identities defined${tfwrap.configFile ? ` in ${tfwrap.configFile}` : ' (no configuration found)'}\n`);
        return;
      }
      process.stdout.write(
        formatTable([
          ['IDENTITY', 'KIND', 'DEFAULT', 'CHAIN'],
          ...rows.map((r) => [r.identity, r.kind, r.default ? 'yes' : '', r.chain ? r.chain.join(' -> ') : `(${r.problem})`]),
        ]),
      );
    });

  auth
    .command('validate')
    .description('check the auth configuration offline; exit 0 when valid, 1 with every problem listed')
    .action(async () => {
      let tfwrap: Tfwrap;
      try {
        tfwrap = await createTfwrap(globals());
      } catch (err) {
        // Configuration that cannot even load is a finding here, not a crash.
        const problems = err instanceof TfwrapErrors ? err.errors : err instanceof TfwrapError ? [err] : undefined;
        if (!problems) throw err;
        reportProblems(problems.map((p) => p.format()));
        return setExit(ExitCode.findings);
      }
      const problems = await tfwrap.validateAuth();
      const count = Object.keys(tfwrap.identities()).length;
      if (problems.length) {
        reportProblems(problems.map((p) => p.format()));
        return setExit(ExitCode.findings);
      }
      process.stdout.write(`auth configuration is valid: ${count} ${count === 1 ? 'identity' : 'identities'}${tfwrap.configFile ? ` in ${tfwrap.configFile}` : ''}\n`);
    });

  auth
    .command('env')
    .description('print the variables an identity sets for its child (file pointers, never raw secrets)')
    .option('-i, --identity <name>', 'identity (default: TFWRAP_IDENTITY, then the default identity)')
    .option('-f, --format <format>', `one of ${ENV_FORMATS.join(', ')}`, 'bash')
    .option('--fresh', 'ignore cached sessions')
    .option('--mfa-token <code>', 'MFA code for identities with mfa_serial (else TFWRAP_MFA_TOKEN, else a prompt)')
    .action(async (opts: { identity?: string; format: string; fresh?: boolean; mfaToken?: string }) => {
      if (!ENV_FORMATS.includes(opts.format as EnvFormat)) {
        throw new TfwrapError('E_USAGE', `unknown format "${opts.format}"`, { hint: `use one of ${ENV_FORMATS.join(', ')}` });
      }
      const tfwrap = await createTfwrap(globals());
      const request = { command: 'auth env', identity: identityFlag(opts.identity), args: [] };
      setExit(
        await withRun(tfwrap, request, globals(), async (run) => {
          const auth = await authenticateFor(run, opts);
          const env = await run.prepareEnv(auth);
          const diff = diffEnv(tfwrap.parentEnv, env);
          for (const [name, value] of Object.entries(diff.set)) {
            if (tfwrap.redactor.redact(value) !== value) {
              throw new TfwrapError('E_AUTH_FAILED', `identity "${auth?.identity}" puts a secret in ${name}; auth env prints no secrets`, {
                hint: 'use tfwrap auth exec to run a command with it instead',
              });
            }
          }
          const text = formatEnv(diff, opts.format as EnvFormat);
          if (opts.format === 'github' && tfwrap.parentEnv.GITHUB_ENV) {
            process.stdout.write(githubMaskCommands(auth?.credentials));
            appendFileSync(tfwrap.parentEnv.GITHUB_ENV, text);
            process.stderr.write(`tfwrap: wrote ${Object.keys(diff.set).length} variables to $GITHUB_ENV\n`);
            if (diff.unset.length) process.stderr.write(`tfwrap: warning: $GITHUB_ENV cannot remove variables; later steps still see ${diff.unset.join(', ')} (remove them from the job, or use tfwrap auth exec)\n`);
          } else {
            process.stdout.write(text);
          }
        }),
      );
    });

  auth
    .command('exec')
    .description('run a command with an identity: tfwrap auth exec -i <identity> -- <command> [args...]')
    .option('-i, --identity <name>', 'identity (default: TFWRAP_IDENTITY, then the default identity); false for none')
    .option('--fresh', 'ignore cached sessions')
    .option('--mfa-token <code>', 'MFA code for identities with mfa_serial (else TFWRAP_MFA_TOKEN, else a prompt)')
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .action(async (command: string[], opts: { identity?: string; fresh?: boolean; mfaToken?: string }) => {
      const tfwrap = await createTfwrap(globals());
      const request = { command: 'auth exec', identity: identityFlag(opts.identity), args: command };
      setExit(
        await withRun(tfwrap, request, globals(), async (run) => {
          const found = await authenticateFor(run, opts);
          // A run must not start on a session about to end; the child then refreshes through tfwrap.
          const auth = found && (await run.ensureRemainingLifetime(found, { mfaToken: opts.mfaToken }));
          const env = await run.prepareEnv(auth, {}, tfwrap.parentEnv, { live: true });
          const [bin, ...args] = run.request.args;
          const result = await run.exec({ phase: 'main', command: bin!, args, env, cwd: run.request.cwd, identity: auth?.identity }, auth);
          return result.exitCode;
        }),
      );
    });

  auth
    .command('whoami')
    .description('ask the cloud who an identity is (sts:GetCallerIdentity for AWS)')
    .option('-i, --identity <name>', 'identity (default: TFWRAP_IDENTITY, then the default identity)')
    .option('--json', 'machine-readable output')
    .option('--fresh', 'ignore cached sessions')
    .option('--mfa-token <code>', 'MFA code for identities with mfa_serial (else TFWRAP_MFA_TOKEN, else a prompt)')
    .action(async (opts: { identity?: string; json?: boolean; fresh?: boolean; mfaToken?: string }) => {
      const tfwrap = await createTfwrap(globals());
      const request = { command: 'auth whoami', identity: identityFlag(opts.identity), args: [] };
      setExit(await withRun(tfwrap, request, globals(), (run) => whoami(run, opts)));
    });

  auth
    .command('logout')
    .description('delete cached sessions and managed profiles: of one identity (-i) or all (--all)')
    .option('-i, --identity <name>', 'the identity to log out')
    .option('--all', 'every identity of this repository')
    .action(async (opts: { identity?: string; all?: boolean }) => {
      if (!opts.identity === !opts.all) throw new TfwrapError('E_USAGE', 'auth logout needs -i <identity> or --all', { hint: 'tfwrap auth list shows the identities' });
      const tfwrap = await createTfwrap(globals());
      const names = await tfwrap.logout(opts.all ? undefined : opts.identity);
      process.stderr.write(`tfwrap: logged out ${opts.all ? `all identities (${names.length})` : `"${opts.identity}"`}: cached sessions and managed profiles deleted\n`);
    });
}

function reportProblems(lines: string[]): void {
  for (const line of lines) process.stderr.write(`tfwrap: ${line}\n`);
  process.stderr.write(`tfwrap: ${lines.length} ${lines.length === 1 ? 'problem' : 'problems'} found\n`);
}

/** Identity selection (after `beforeResolve`) and authentication, shared by the commands that run things. */
async function authenticateFor(run: Run, opts: { fresh?: boolean; mfaToken?: string; required?: boolean }): Promise<AuthResult | undefined> {
  const requested = run.request.identity;
  const name = requested === false && !opts.required ? undefined : run.tfwrap.requireIdentity(requested || undefined);
  return name ? run.authenticate(name, { fresh: opts.fresh, mfaToken: opts.mfaToken }) : undefined;
}

/** `auth whoami`: the kind asks the cloud who the credentials are. */
async function whoami(run: Run, opts: { json?: boolean; fresh?: boolean; mfaToken?: string }): Promise<void> {
  const auth = await authenticateFor(run, { ...opts, required: true });
  const principal = await run.whoami(auth!);
  const expiration = auth!.credentials?.expiration?.toISOString() ?? null;
  const out = {
    identity: auth!.identity,
    kind: auth!.kind,
    account: principal.account ?? null,
    arn: principal.arn ?? null,
    expiration,
    chain: auth!.chain.map((step) => ({
      identity: step.identity,
      kind: step.kind,
      arn: step.principalArn ?? null,
      expiration: (step.expiration ?? step.credentials?.expiration)?.toISOString() ?? null,
      cached: step.cached === true,
    })),
  };
  if (opts.json) return printJson(out);
  process.stdout.write(
    formatTable([
      ['Identity', out.identity],
      ['Kind', out.kind],
      ['Account', out.account ?? '-'],
      ['ARN', out.arn ?? '-'],
      ['Expires', expiration ?? 'never'],
      ...(out.chain.length > 1 ? [['Chain', out.chain.map((s) => s.identity).join(' -> ')]] : []),
    ]),
  );
}

interface IdentityRow {
  identity: string;
  kind: string;
  default: boolean;
  via: string | null;
  chain: string[] | null;
  plugin: string | null;
  problem?: string;
}

function listIdentities(tfwrap: Tfwrap): IdentityRow[] {
  const identities = tfwrap.identities();
  return Object.keys(identities).map((name) => {
    const config = identities[name]!;
    let chain: string[] | null = null;
    let problem: string | undefined;
    try {
      chain = buildChain(identities, name);
    } catch (err) {
      problem = (err as Error).message;
    }
    return {
      identity: name,
      kind: config.kind,
      default: config.default === true,
      via: config.via?.identity ?? null,
      chain,
      plugin: tfwrap.identityKinds.get(config.kind)?.plugin ?? null,
      ...(problem ? { problem } : {}),
    };
  });
}
