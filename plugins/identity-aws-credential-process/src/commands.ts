/**
 * `tfwrap auth credential-process -i X`: the other direction of credential_process. Light: the CLI
 * reads these definitions at start-up; the handler loads when the command runs.
 */
import { defineCommand } from '@tfwrap/plugin-kit';

export const credentialProcessCommands = [
  defineCommand({
    name: ['auth', 'credential-process'],
    description: "print an identity's AWS credentials as credential_process JSON, for other AWS tools' profiles",
    options: [
      { flags: '-i, --identity <name>', description: 'identity (default: TFWRAP_IDENTITY, then the default identity)' },
      { flags: '--fresh', description: 'ignore cached sessions' },
      { flags: '--mfa-token <code>', description: 'MFA code for identities with mfa_serial (else TFWRAP_MFA_TOKEN)' },
    ],
    load: async () => (await import('./print-credentials.js')).printCredentials,
  }),
];
