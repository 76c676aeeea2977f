/**
 * `tfwrap auth user configure|remove`. Light: the CLI reads these definitions at start-up; the
 * handlers (and the key store) load when one of the commands runs.
 */
import { defineCommand } from '@tfwrap/plugin-kit';

const identityOption = { flags: '-i, --identity <name>', description: 'the aws/user identity (default: TFWRAP_IDENTITY, then the default identity)' };

export const awsUserCommands = [
  defineCommand({ name: ['auth', 'user'], description: 'long-lived IAM user keys for aws/user identities' }),
  defineCommand({
    name: ['auth', 'user', 'configure'],
    description: "store an IAM user's access key for an aws/user identity (prompted on a terminal, or two lines on stdin: key id, secret)",
    options: [identityOption],
    load: async () => (await import('./key-commands.js')).configureKeys,
  }),
  defineCommand({
    name: ['auth', 'user', 'remove'],
    description: 'delete the stored keys of an aws/user identity (and its cached sessions)',
    options: [identityOption],
    load: async () => (await import('./key-commands.js')).removeKeys,
  }),
];
