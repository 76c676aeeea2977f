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
import { isAwsCredentials, toProcessOutput } from '@tfwrap/aws';
import { TfwrapError, type CommandHandler } from '@tfwrap/plugin-kit';

export const printCredentials: CommandHandler = async (ctx) => {
  const opts = ctx.options as { identity?: string; fresh?: boolean; mfaToken?: string };
  const tfwrap = await ctx.tfwrap();
  return ctx.withRun(tfwrap, { command: 'auth credential-process', identity: opts.identity, args: [] }, async (run) => {
    if (run.request.identity === false) {
      throw new TfwrapError('E_USAGE', 'auth credential-process needs an identity', { hint: 'pass -i <identity> naming an identity of an AWS kind' });
    }
    const name = tfwrap.requireIdentity(run.request.identity);
    const first = await run.authenticate(name, { fresh: opts.fresh, mfaToken: opts.mfaToken });
    // The SDK asks again when these expire; a session about to end is renewed first.
    const auth = await run.ensureRemainingLifetime(first, { mfaToken: opts.mfaToken });
    if (!isAwsCredentials(auth.credentials)) {
      throw new TfwrapError('E_AUTH_FAILED', `identity "${name}" (${auth.kind}) yields no AWS credentials to print`, {
        hint: 'name an identity of an AWS kind (aws/ambient, aws/assume-role, aws/credential-process, ...)',
      });
    }
    process.stdout.write(JSON.stringify(toProcessOutput(auth.credentials)) + '\n');
  });
};
