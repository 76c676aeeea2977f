/**
 * `tfwrap auth credential-process -i X`: the identity's AWS credentials in the credential_process
 * format, so that any AWS tool can use a tfwrap identity through a profile:
 *
 *   [profile deploy]
 *   credential_process = tfwrap auth credential-process -i deploy --config /repo/tfwrap.yaml
 *
 * The one command that prints keys, by design: to stdout, for the SDK that runs it. Sessions come
 * from the session cache like any run, so the SDK's frequent calls cost no STS call.
 */
import type { Command } from 'commander';
import { TfwrapError } from '@tfwrap/core';
import { createTfwrap, identityFlag, withRun, type GlobalOptions } from '../context.js';

export function registerCredentialProcessCommand(program: Command, globals: () => GlobalOptions, setExit: (code: number) => void): void {
  const auth = program.commands.find((command) => command.name() === 'auth');
  if (!auth) throw new Error('register the auth commands first');
  auth
    .command('credential-process')
    .description("print an identity's AWS credentials as credential_process JSON, for other AWS tools' profiles")
    .option('-i, --identity <name>', 'identity (default: TFWRAP_IDENTITY, then the default identity)')
    .option('--fresh', 'ignore cached sessions')
    .option('--mfa-token <code>', 'MFA code for identities with mfa_serial (else TFWRAP_MFA_TOKEN)')
    .action(async (opts: { identity?: string; fresh?: boolean; mfaToken?: string }) => {
      const tfwrap = await createTfwrap(globals());
      const request = { command: 'auth credential-process', identity: identityFlag(opts.identity), args: [] };
      setExit(
        await withRun(tfwrap, request, globals(), async (run) => {
          if (run.request.identity === false) {
            throw new TfwrapError('E_USAGE', 'auth credential-process needs an identity', { hint: 'pass -i <identity> naming an identity of an AWS kind' });
          }
          const name = tfwrap.requireIdentity(run.request.identity);
          const first = await run.authenticate(name, { fresh: opts.fresh, mfaToken: opts.mfaToken });
          // The SDK asks again when these expire; a session about to end is renewed first.
          const auth = await run.ensureRemainingLifetime(first, { mfaToken: opts.mfaToken });
          const { isAwsCredentials, toProcessOutput } = await import('@tfwrap/aws');
          if (!isAwsCredentials(auth.credentials)) {
            throw new TfwrapError('E_AUTH_FAILED', `identity "${name}" (${auth.kind}) yields no AWS credentials to print`, {
              hint: 'name an identity of an AWS kind (aws/ambient, aws/assume-role, aws/credential-process, ...)',
            });
          }
          process.stdout.write(JSON.stringify(toProcessOutput(auth.credentials)) + '\n');
        }),
      );
    });
}
