/**
 * GitHub Actions masking for `tfwrap auth env --format github`. The variables themselves hold no
 * secret (managed kinds hand over file pointers), but the session keys sit in the managed files
 * they point to, where a later step could print them (`aws configure export-credentials`, a debug
 * log). Like aws-actions/configure-aws-credentials, tfwrap registers them with the runner, which
 * then shows `***` wherever they appear. `::add-mask::` lines are consumed by the runner and
 * never shown; they are printed only when the variables go to $GITHUB_ENV, so stdout is the log.
 */
import type { Credentials } from '@tfwrap/core';

/** Fields that are not secret; every other string field of credentials is (as core registers them). */
const PUBLIC_FIELDS = /^(type|region|principalArn|accessKeyId|account|arn)$/;

/** `%`, CR and LF escaped as the runner expects in a workflow command (as @actions/core does). */
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function githubMaskCommands(credentials: Credentials | undefined): string {
  if (!credentials) return '';
  const values = Object.entries(credentials)
    .filter(([field, value]) => typeof value === 'string' && value.length > 0 && !PUBLIC_FIELDS.test(field))
    .map(([, value]) => value as string);
  return [...new Set(values)].map((value) => `::add-mask::${escapeData(value)}\n`).join('');
}
