/**
 * Kind `aws/credential-process`: AWS credentials printed by any `credential_process` command
 * (aws-vault, granted, Okta and SAML tools), as a chain root for `aws/assume-role` or as a target
 * whose child gets the managed environment (docs/identities/aws-credential-process.md). This
 * module is light: schema and registration; running the command loads on first use.
 */
import { parseDuration } from '@tfwrap/core';
import { AWS_CREDENTIALS, regionSchema } from '@tfwrap/aws';
import { defineIdentityKind, definePlugin, identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';
import { credentialProcessCommands } from './commands.js';

export const DEFAULT_TIMEOUT_SECONDS = 60;
export const MAX_TIMEOUT_SECONDS = 600;

/** Seconds, or a message saying what is wrong. */
export function parseCommandTimeout(value: string | number): number | string {
  const seconds = parseDuration(value);
  if (seconds === undefined) return `"${value}" is not a duration (write 30s, 2m or 90)`;
  if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) return `timeout must be between 1s and ${MAX_TIMEOUT_SECONDS / 60}m`;
  return seconds;
}

const commandSchema = v.union(
  [
    v.pipe(v.string(), v.regex(/\S/, 'command must not be empty')),
    v.pipe(v.array(v.string()), v.minLength(1, 'command must not be an empty list'), v.check((argv) => (argv[0] ?? '').trim().length > 0, 'the program must not be empty')),
  ],
  'command must be a command line ("aws-vault export --format=json dev") or a list [program, arg, ...]',
);

export const credentialProcessSchema = identitySchema({
  kind: 'aws/credential-process',
  principal: v.strictObject(
    {
      command: commandSchema,
      region: v.optional(regionSchema()),
      timeout: v.optional(
        v.pipe(
          v.union([v.string(), v.number()]),
          v.check((value) => typeof parseCommandTimeout(value) === 'number', (issue) => String(parseCommandTimeout(issue.input as string | number))),
        ),
      ),
    },
    (issue) =>
      issue.received === 'undefined'
        ? `${String(issue.expected)} is required: the command that prints credential_process JSON`
        : `unknown field ${String(issue.received)}: aws/credential-process takes command, region, timeout`,
  ),
});

export type CredentialProcessConfig = v.InferOutput<typeof credentialProcessSchema>;

export default definePlugin({
  name: '@tfwrap/identity-aws-credential-process',
  // `tfwrap auth credential-process`: any identity's AWS credentials for other tools' profiles.
  commands: credentialProcessCommands,
  kinds: (tfwrap) => [
    defineIdentityKind({
      kind: 'aws/credential-process',
      description: 'AWS credentials printed by a credential_process command (aws-vault, granted, Okta tools)',
      schema: credentialProcessSchema,
      via: 'none',
      produces: [AWS_CREDENTIALS],
      // The command's own time limit (principal.timeout, at most 10 min) ends it first, with a clearer message.
      timeoutMs: (MAX_TIMEOUT_SECONDS + 30) * 1000,
      // Relative programs and paths resolve from the configuration file's directory.
      load: async () => (await import('./credential-process.js')).createCredentialProcessKind({ dir: tfwrap.loaded.dir }),
    }),
  ],
});
