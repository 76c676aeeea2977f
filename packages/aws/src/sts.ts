/**
 * tfwrap's own STS calls. The SDK is imported here, lazily, so that a run that never talks to AWS
 * never pays for it. The SDK reads `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL` and the region chain
 * from tfwrap's own environment, which is the parent's.
 */
import { TfwrapError, type Principal } from '@tfwrap/core';
import { accountOf, toSdkCredentials, type AwsCredentials } from './credentials.js';

/**
 * The SDK prints a Node-version notice on first use; tfwrap's stderr is for tfwrap's messages.
 * Set in tfwrap's own process only, when the SDK is about to load; children get their env from
 * the copy tfwrap took at start.
 */
export function quietSdk(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export async function stsClient(options: { region: string; credentials?: AwsCredentials; maxAttempts?: number }) {
  quietSdk();
  const { STSClient } = await import('@aws-sdk/client-sts');
  return new STSClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.credentials ? { credentials: toSdkCredentials(options.credentials) } : {}),
  });
}

export async function getCallerIdentity(credentials: AwsCredentials, region: string, signal?: AbortSignal): Promise<Principal> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = await stsClient({ region, credentials });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
    return { account: out.Account ?? accountOf(out.Arn), arn: out.Arn, userId: out.UserId };
  } catch (err) {
    throw new TfwrapError('E_AUTH_FAILED', `sts:GetCallerIdentity failed: ${describeAwsError(err)}`, {
      hint: 'the credentials were refused or STS could not be reached (check AWS_ENDPOINT_URL_STS and the network)',
      cause: err,
    });
  } finally {
    client.destroy();
  }
}

/** STS error text without the SDK's framing: `AccessDenied: User ... is not authorized`. */
export function describeAwsError(err: unknown): string {
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name;
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(err)).replace(/\s+/g, ' ').trim();
  const prefix = code && code !== 'Error' && !message.startsWith(code) ? `${code}: ` : '';
  return `${prefix}${message}${status && !message.includes(String(status)) ? ` (HTTP ${status})` : ''}`;
}
