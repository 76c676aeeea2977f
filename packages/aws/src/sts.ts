/**
 * tfwrap's own STS calls. The SDK is imported here, lazily, so that a run that never talks to AWS
 * never pays for it. The SDK reads `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL` and the region chain
 * from tfwrap's own environment, which is the parent's.
 */
import { TfwrapError, type Principal } from '@tfwrap/core';
import { accountOf, toSdkCredentials, type AwsCredentials, type SdkCredentials } from './credentials.js';

/**
 * The SDK prints a Node-version notice on first use; tfwrap's stderr is for tfwrap's messages.
 * Set in tfwrap's own process only, when the SDK is about to load; children get their env from
 * the copy tfwrap took at start.
 */
export function quietSdk(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** AWS APIs answer in milliseconds or not at all: a hung request fails this soon (the SDK retries). */
export const AWS_REQUEST_TIMEOUT_MS = 5_000;
/** IAM Identity Center (portal and OIDC) calls: a little more room. */
export const SSO_REQUEST_TIMEOUT_MS = 10_000;

export interface AwsClientOptions {
  region: string;
  /** Keys to sign with; the SDK's own chain when left out. */
  credentials?: SdkCredentials;
  /** An endpoint tfwrap resolved itself (the SDK reads AWS_ENDPOINT_URL_* otherwise). */
  endpoint?: string;
  maxAttempts?: number;
  /** Per-request limit; AWS_REQUEST_TIMEOUT_MS unless a service is known to take longer. */
  requestTimeoutMs?: number;
  /** Settings of one service's client (S3's `forcePathStyle`, ...), passed as they are. */
  serviceConfig?: Record<string, unknown>;
}

/** What every AWS SDK v3 client takes: region, attempts, time limits, credentials, endpoint. */
export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  requestHandler: { requestTimeout: number; connectionTimeout: number; throwOnRequestTimeout: boolean };
  credentials?: SdkCredentials;
  endpoint?: string;
}

/**
 * A client of any AWS SDK v3 service with tfwrap's time limits: import the SDK where it is used
 * and pass its client class, `awsClient((await import('@aws-sdk/client-sso')).SSOClient, {...})`.
 */
export function awsClient<Client>(ClientClass: new (config: AwsClientConfig) => Client, options: AwsClientOptions): Client {
  quietSdk();
  const timeout = options.requestTimeoutMs ?? AWS_REQUEST_TIMEOUT_MS;
  return new ClientClass({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    // Without throwOnRequestTimeout the SDK only logs a warning when a request passes its limit,
    // and a request to an endpoint that never answers waits forever.
    requestHandler: { requestTimeout: timeout, connectionTimeout: timeout, throwOnRequestTimeout: true },
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...options.serviceConfig,
  });
}

/** An STS client with tfwrap's time limits, signing with `credentials` (the SDK's chain when left out). */
export async function stsClient(options: { region: string; credentials?: AwsCredentials | SdkCredentials; maxAttempts?: number }) {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const credentials = options.credentials && 'type' in options.credentials ? toSdkCredentials(options.credentials as AwsCredentials) : options.credentials;
  return awsClient(STSClient, { region: options.region, credentials, maxAttempts: options.maxAttempts });
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
  // The SDK's own words for its time limit name its internals; say what happened.
  const limit = /exceeded the configured (\d+) ms requestTimeout/.exec(message);
  if (limit) return `no answer within ${Number(limit[1]) / 1000} s (each of the attempts)`;
  const prefix = code && code !== 'Error' && !message.startsWith(code) ? `${code}: ` : '';
  return `${prefix}${message}${status && !message.includes(String(status)) ? ` (HTTP ${status})` : ''}`;
}

/**
 * Whether a failed AWS call never reached an answer (refused, unresolved, timed out, reset,
 * aborted): the hint is then about the network and the endpoint, not the credentials.
 */
export function isNetworkError(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; code?: string };
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError|AbortError/.test(`${e.Code ?? e.name ?? ''} ${e.code ?? ''} ${describeAwsError(err)}`);
}

/** The endpoint the environment points a service at (`AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`), for messages. */
export function endpointFromEnv(env: Readonly<Record<string, string | undefined>>, service: 'STS' | 'SSO' | 'SSO_OIDC'): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
}
