/**
 * Kind `aws/user`: an IAM user's long-lived keys (from environment variables, or from the OS
 * keychain where `tfwrap auth user configure` put them) exchanged for a session with
 * sts:GetSessionToken, with an MFA code when `principal.mfa_serial` is set. The session is cached
 * like any other step; the keys themselves are never written by tfwrap except into the store the
 * user chose (docs/identities/aws-user.md). This module is light: schema and registration.
 */
import { AWS_CREDENTIALS } from '@tfwrap/aws';
import { defineIdentityKind, definePlugin } from '@tfwrap/plugin-kit';
import { awsUserCommands } from './commands.js';
import { userSchema, type UserConfig } from './schema.js';

export { userSchema, parseUserDuration, GET_SESSION_TOKEN_LIMITS, KEYRING_BACKENDS, type UserConfig, type KeyringBackendName } from './schema.js';

export const AWS_USER_KIND = 'aws/user';

const NAME = '@tfwrap/identity-aws-user';

export default definePlugin({
  name: NAME,
  // `tfwrap auth user configure|remove`: put an IAM user's keys into the store, or take them out.
  commands: awsUserCommands,
  kinds: (tfwrap) => [
    defineIdentityKind({
      kind: AWS_USER_KIND,
      description: "an IAM user's long-lived keys (environment or OS keychain), sts:GetSessionToken with optional MFA",
      schema: userSchema,
      via: 'none',
      produces: [AWS_CREDENTIALS],
      // The session (not the keys) is cached, so a run within its lifetime asks for no MFA code.
      cache: true,
      // Room for an MFA prompt and a keychain unlock; STS calls themselves time out sooner.
      timeoutMs: 90_000,
      load: async () => (await import('./user.js')).createUserKind(tfwrap.paths),
    }),
  ],
  // The variables that hold an IAM user's long-lived keys never reach a child: not the children
  // of the user's own identity or of chains from it (which get the session), and not those of
  // any other identity, nor stack hooks, nor runs without an identity.
  hooks: {
    prepareEnv: (_options, tfwrap) => async (env) => {
      for (const config of Object.values(tfwrap.identities())) {
        const credentials = (config as UserConfig).credentials;
        if (config.kind !== AWS_USER_KIND || !credentials) continue;
        if (credentials.access_key_id_env) delete env[credentials.access_key_id_env];
        if (credentials.secret_access_key_env) delete env[credentials.secret_access_key_env];
      }
      return env;
    },
  },
});
