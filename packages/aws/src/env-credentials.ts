/**
 * The credentials an identity's environment (what `prepareEnv` gives a child) signs with, for
 * tfwrap's own SDK calls made on that identity's behalf (stores, state readers). The SDK's default
 * chain would read tfwrap's process environment instead: for a managed identity (a profile in
 * tfwrap's own files, no keys) that is the parent's credentials, not the identity's.
 */
import type { Env } from '@tfwrap/core';
import type { SdkCredentials } from './credentials.js';
import { quietSdk } from './sts.js';

/** Keys in `env`, else its profile (AWS_PROFILE in its AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE); undefined: neither (the SDK's own chain). */
export async function credentialsFromEnv(env: Readonly<Env>): Promise<SdkCredentials | undefined> {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  if (!env.AWS_PROFILE) return undefined;
  quietSdk();
  const { fromIni } = await import('@aws-sdk/credential-providers');
  return fromIni({ profile: env.AWS_PROFILE, filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: env.AWS_CONFIG_FILE })();
}
