#!/usr/bin/env node
// A stand-in for a real credential helper: prints credential_process JSON valid for an hour.
// `--fail` exits 3 like a helper whose sign-in failed; `--garbage` prints something that is not JSON.
const args = process.argv.slice(2);
if (args.includes('--fail')) {
  process.stderr.write('fake-credentials: sign-in refused for role deploy\n');
  process.exit(3);
}
if (args.includes('--garbage')) {
  process.stdout.write('AKIAEXAMPLEFAKE00001 not-json-secret-value-0000000000\n');
  process.exit(0);
}
process.stdout.write(JSON.stringify({
  Version: 1,
  AccessKeyId: 'ASIAEXAMPLECOMMAND01',
  SecretAccessKey: 'fake-command-secret-access-key-000000000',
  SessionToken: 'fake-command-session-token-0000000000000000',
  Expiration: new Date(Date.now() + 3600_000).toISOString(),
}));
