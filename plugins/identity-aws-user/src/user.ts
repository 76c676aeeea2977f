/**
 * The `aws/user` implementation, loaded only when such an identity runs. The SDK loads on the
 * GetSessionToken call, so a warm run (cached session) loads neither it nor the keychain.
 */
import { createHash } from 'node:crypto';
import type { TfwrapPaths } from '@tfwrap/core';
import { TfwrapError, type AuthenticateContext, type KindImplementation } from '@tfwrap/plugin-kit';
import {
  describeAwsError,
  endpointFromEnv,
  fromSdkCredentials,
  isNetworkError,
  readMfaCode,
  resolveRegion,
  stsClient,
  type AwsCredentials,
  managedAwsMethods,
} from '@tfwrap/aws';
import { GET_SESSION_TOKEN_LIMITS, parseUserDuration, type UserConfig } from './schema.js';
import { entryName, label, openKeyStore, type StoredKeys } from './store.js';

/** `AKIA…WXYZ`: enough to tell keys apart in a message, not the whole id. */
export function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

export function createUserKind(paths: Pick<TfwrapPaths, 'configDir' | 'realm'>): KindImplementation<UserConfig> {
  async function keysFor(ctx: AuthenticateContext<UserConfig>): Promise<StoredKeys & { from: string }> {
    const config = ctx.config;
    const c = config.credentials;
    if (c?.access_key_id_env && c.secret_access_key_env) {
      const accessKeyId = ctx.parentEnv[c.access_key_id_env];
      const secretAccessKey = ctx.parentEnv[c.secret_access_key_env];
      const missing = [!accessKeyId && c.access_key_id_env, !secretAccessKey && c.secret_access_key_env].filter(Boolean);
      if (missing.length) {
        throw new TfwrapError('E_AUTH_FAILED', `${missing.map((m) => `$${m}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set; it holds the IAM user's ${missing.length > 1 ? 'keys' : 'key'}`, {
          hint: `export ${missing.join(' and ')} (the access key id and secret of the IAM user), or drop credentials.*_env and run tfwrap auth user configure -i ${ctx.identity}`,
        });
      }
      return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, from: `$${c.access_key_id_env}` };
    }
    let store;
    try {
      store = openKeyStore({ env: ctx.parentEnv, configDir: paths.configDir, configured: c?.keyring, interactive: Boolean(process.stdin.isTTY) });
    } catch (err) {
      throw new TfwrapError('E_CONFIG_INVALID', (err as Error).message);
    }
    const entry = entryName(ctx.identity, paths.realm, c?.entry);
    const outcome = await store.read(entry);
    if (outcome.keys) {
      if (outcome.problems.length) ctx.log.warn(`${outcome.problems.join('; ')}; using the keys in ${label(outcome.from!)}`);
      return { ...outcome.keys, from: label(outcome.from!) };
    }
    const problems = outcome.problems.length ? ` (${outcome.problems.join('; ')})` : '';
    throw new TfwrapError('E_AUTH_FAILED', `no stored keys for entry "${entry}" in ${outcome.tried.map(label).join(' or ')}${problems}`, {
      hint:
        store.selected === 'memory'
          ? 'the memory store keeps keys for one process only: use credentials.access_key_id_env/secret_access_key_env, or TFWRAP_KEYRING=file'
          : outcome.problems.length && store.selected === 'system'
            ? `store the keys with TFWRAP_KEYRING=file tfwrap auth user configure -i ${ctx.identity} (0600 file under tfwrap's config directory), or name environment variables in credentials.access_key_id_env/secret_access_key_env`
            : `run tfwrap auth user configure -i ${ctx.identity}`,
    });
  }

  return {
    async authenticate(ctx) {
      const config = ctx.config;
      const p = config.principal ?? {};
      const keys = await keysFor(ctx);
      ctx.secret(keys.secretAccessKey);
      if (/^ASIA/.test(keys.accessKeyId)) {
        throw new TfwrapError('E_AUTH_FAILED', `the access key from ${keys.from} (${maskKeyId(keys.accessKeyId)}) is a temporary key; sts:GetSessionToken needs an IAM user's long-lived key (AKIA…)`, {
          hint: 'for keys that are already a session, use kind aws/ambient',
        });
      }
      const region = p.region;
      const durationSeconds = p.duration === undefined ? GET_SESSION_TOKEN_LIMITS.defaultDurationSeconds : (parseUserDuration(p.duration) as number);
      const tokenCode = p.mfa_serial ? await readMfaCode(ctx, p.mfa_serial) : undefined;

      const sts = await import('@aws-sdk/client-sts');
      const client = await stsClient({ region: resolveRegion(region, ctx.parentEnv), credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } });
      try {
        const out = await client.send(new sts.GetSessionTokenCommand({ DurationSeconds: durationSeconds, SerialNumber: p.mfa_serial, TokenCode: tokenCode }), { abortSignal: ctx.signal });
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new TfwrapError('E_AUTH_FAILED', 'STS answered sts:GetSessionToken without credentials');
        const credentials: AwsCredentials = {
          ...fromSdkCredentials({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration }, { region }),
          fromUserSession: true,
        };
        return credentials;
      } catch (err) {
        if (err instanceof TfwrapError) throw err;
        throw getSessionTokenError(err, { keyId: keys.accessKeyId, from: keys.from, mfaSerial: p.mfa_serial, identity: ctx.identity, env: ctx.parentEnv, envKeys: Boolean(config.credentials?.access_key_id_env) });
      } finally {
        client.destroy();
      }
    },

    /**
     * Keys named by environment variables are known offline: their digest keys the cached session,
     * so new keys in those variables never get a session of the old ones. Stored keys are not read
     * here (that would open the keychain on every run); `auth user configure` drops the sessions.
     */
    sourceFingerprint(ctx) {
      const c = ctx.config.credentials;
      if (!c?.access_key_id_env || !c.secret_access_key_env) return undefined;
      return createHash('sha256')
        .update(`${ctx.parentEnv[c.access_key_id_env] ?? ''}\0${ctx.parentEnv[c.secret_access_key_env] ?? ''}`)
        .digest('hex');
    },

    // Without its own region, the child keeps the parent's under both names (aws CLI v1 reads only AWS_DEFAULT_REGION).
    ...managedAwsMethods<UserConfig>((ctx, env) => ctx.config.principal?.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined)),
  };
}

interface ErrorContext {
  keyId: string;
  from: string;
  mfaSerial?: string;
  identity: string;
  env: Readonly<Record<string, string>>;
  envKeys: boolean;
}

/** One line that says what STS refused and what to do about it; never a key. */
export function getSessionTokenError(err: unknown, c: ErrorContext): TfwrapError {
  const e = err as { name?: string; Code?: string };
  const code = e.Code ?? e.name ?? '';
  const detail = describeAwsError(err);
  const fixKeys = c.envKeys ? 'check the variables hold an active key of the IAM user' : `store the current key with tfwrap auth user configure -i ${c.identity}`;
  if (/AccessDenied/.test(code) && c.mfaSerial) {
    return new TfwrapError('E_AUTH_FAILED', `sts:GetSessionToken refused the MFA code for ${c.mfaSerial}: ${detail}`, {
      hint: 'use the current code from the MFA device (each code works once; wait for the next one), and check that mfa_serial is the device assigned to this IAM user',
      cause: err,
    });
  }
  if (/InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|IncompleteSignature|InvalidAccessKeyId/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', `STS refused the access key ${maskKeyId(c.keyId)} from ${c.from} (unknown, deactivated or wrong secret): ${detail}`, { hint: fixKeys, cause: err });
  }
  if (/AccessDenied/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', `sts:GetSessionToken failed: ${detail}`, { hint: 'a policy denies sts:GetSessionToken to this user (some require MFA: set principal.mfa_serial)', cause: err });
  }
  if (/ValidationError/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', `sts:GetSessionToken failed: ${detail}`, { hint: "check principal.duration (an account's root user may have at most 1h) and mfa_serial", cause: err });
  }
  if (isNetworkError(err)) {
    const endpoint = endpointFromEnv(c.env, 'STS');
    return new TfwrapError('E_AUTH_FAILED', `cannot reach STS${endpoint ? ` at ${endpoint}` : ''}: ${detail}`, { hint: 'check the network and AWS_ENDPOINT_URL_STS', cause: err });
  }
  return new TfwrapError('E_AUTH_FAILED', `sts:GetSessionToken failed: ${detail}`, { hint: 'run with --debug for the time spent in each step', cause: err });
}
