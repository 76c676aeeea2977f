/**
 * The MFA code for `mfa_serial`: `--mfa-token`, else TFWRAP_MFA_TOKEN, else a prompt on a terminal.
 * Shared by the kinds that send one to STS (aws/assume-role, aws/user).
 */
import { TfwrapError, type AuthenticateContext } from '@tfwrap/core';

export async function readMfaCode(ctx: AuthenticateContext, serial: string): Promise<string> {
  const given = ctx.mfaToken ?? ctx.parentEnv.TFWRAP_MFA_TOKEN;
  if (given) return checkCode(given);
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new TfwrapError('E_AUTH_FAILED', `needs an MFA code for ${serial}, and there is no terminal to ask on`, {
      hint: 'pass --mfa-token <code> or set TFWRAP_MFA_TOKEN',
    });
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return checkCode(await rl.question(`tfwrap: MFA code for ${serial} (identity ${ctx.identity}): `, { signal: ctx.signal }));
  } finally {
    rl.close();
  }
}

function checkCode(code: string): string {
  const trimmed = code.trim();
  if (!/^\d{6}$/.test(trimmed)) throw new TfwrapError('E_AUTH_FAILED', 'the MFA code must be 6 digits', { hint: 'use the current code from the MFA device' });
  return trimmed;
}
