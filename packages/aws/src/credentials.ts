/**
 * The credential shape every AWS kind agrees on, and the conversions to and from the SDK's.
 * Nothing here imports the SDK: plugins import this module at start-up.
 */
import type { Credentials, Env } from '@tfwrap/core';

export const AWS_CREDENTIALS = 'aws';

export interface AwsCredentials extends Credentials {
  type: typeof AWS_CREDENTIALS;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** The region the identity was configured with, for the next step and the child. */
  region?: string;
  /** The ARN these credentials act as, when the step learned it (AssumeRole tells it). */
  principalArn?: string;
  /**
   * An IAM user's session from sts:GetSessionToken (aws/user), not a role session: AssumeRole
   * from it is not role chaining, so the role's own maximum duration applies, not one hour.
   */
  fromUserSession?: boolean;
}

/**
 * Credentials carrying an OIDC ID token rather than keys (`github/oidc` yields them);
 * `aws/assume-role` turns them into a role session with sts:AssumeRoleWithWebIdentity.
 */
export const WEB_IDENTITY_CREDENTIALS = 'web-identity';

export interface WebIdentityCredentials extends Credentials {
  type: typeof WEB_IDENTITY_CREDENTIALS;
  /** The OIDC ID token (a JWT). A secret: never printed, never written. */
  token: string;
  expiration?: Date;
}

export function isWebIdentityCredentials(value: Credentials | undefined): value is WebIdentityCredentials {
  return value?.type === WEB_IDENTITY_CREDENTIALS && typeof value.token === 'string' && value.token.length > 0;
}

export function isAwsCredentials(value: Credentials | undefined): value is AwsCredentials {
  return value?.type === AWS_CREDENTIALS && typeof value.accessKeyId === 'string' && typeof value.secretAccessKey === 'string';
}

/** The SDK's AwsCredentialIdentity shape, without importing its types at run time. */
export interface SdkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export function toSdkCredentials(credentials: AwsCredentials): SdkCredentials {
  return {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration,
  };
}

export function fromSdkCredentials(sdk: SdkCredentials, extra: { region?: string; principalArn?: string } = {}): AwsCredentials {
  return {
    type: AWS_CREDENTIALS,
    accessKeyId: sdk.accessKeyId,
    secretAccessKey: sdk.secretAccessKey,
    ...(sdk.sessionToken ? { sessionToken: sdk.sessionToken } : {}),
    ...(sdk.expiration ? { expiration: sdk.expiration } : {}),
    ...(extra.region ? { region: extra.region } : {}),
    ...(extra.principalArn ? { principalArn: extra.principalArn } : {}),
  };
}

/** AWS_REGION and AWS_DEFAULT_REGION, both, as the CLI and the SDKs read one or the other. */
export function withRegion(env: Env, region: string | undefined): Env {
  if (!region) return env;
  return { ...env, AWS_REGION: region, AWS_DEFAULT_REGION: region };
}

/** The region for tfwrap's own calls: the identity's, else the environment's, else us-east-1. */
export function resolveRegion(configured: string | undefined, env: Readonly<Env>): string {
  return configured || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

/** The account id inside an ARN (`arn:aws:sts::123456789012:assumed-role/...`). */
export function accountOf(arn: string | undefined): string | undefined {
  return arn?.split(':')[4] || undefined;
}
