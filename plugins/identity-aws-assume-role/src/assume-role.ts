/**
 * The `aws/assume-role` implementation, loaded only when such an identity runs. The SDK is
 * imported on the first STS call, so a warm run (cached session) never loads it.
 */
import { TfwrapError, type KindImplementation } from '@tfwrap/plugin-kit';
import {
  WEB_IDENTITY_CREDENTIALS,
  describeAwsError,
  endpointFromEnv,
  fromSdkCredentials,
  isAwsCredentials,
  isNetworkError,
  isWebIdentityCredentials,
  resolveRegion,
  stsClient,
  type AwsCredentials,
  managedAwsMethods,
  readMfaCode,
} from '@tfwrap/aws';
import { STS_LIMITS, defaultSessionName, parseAssumeRoleDuration, type AssumeRoleConfig } from './schema.js';

export const assumeRole: KindImplementation<AssumeRoleConfig> = {
  async authenticate(ctx) {
    const config = ctx.config;
    const p = config.principal;
    const source = ctx.source;
    const from = ctx.sourceIdentity ?? 'its source';
    const region = p.region ?? (source?.region as string | undefined);
    const sdkRegion = resolveRegion(region, ctx.parentEnv);
    const sessionName = p.session_name ?? defaultSessionName(ctx.identity);
    const durationSeconds = p.duration === undefined ? STS_LIMITS.defaultDurationSeconds : (parseAssumeRoleDuration(p.duration) as number);

    const sts = await import('@aws-sdk/client-sts');
    const client = await stsClient({ region: sdkRegion, credentials: isAwsCredentials(source) ? source : undefined });
    const call = p.assume_role;
    try {
      if (source?.type === WEB_IDENTITY_CREDENTIALS) {
        if (!isWebIdentityCredentials(source)) throw new TfwrapError('E_AUTH_FAILED', `"${from}" yielded a web-identity credential without a token`);
        const token = source.token;
        ctx.secret(token);
        const out = await client.send(
          new sts.AssumeRoleWithWebIdentityCommand({ RoleArn: call, RoleSessionName: sessionName, DurationSeconds: durationSeconds, WebIdentityToken: token, PolicyArns: policyArns(p) }),
          { abortSignal: ctx.signal },
        );
        return toCredentials(out, region);
      }
      if (!isAwsCredentials(source)) {
        throw new TfwrapError('E_AUTH_FAILED', `needs AWS credentials from "${from}", which yielded ${source ? `"${source.type}" credentials` : 'none'}`, {
          hint: 'chain via an aws/ambient or another aws/assume-role identity',
        });
      }
      // Role chaining: a session assumed with temporary credentials lasts at most an hour (an IAM
      // user's GetSessionToken session is not a role session, so it is exempt).
      if (source.sessionToken && !source.fromUserSession && durationSeconds > STS_LIMITS.chainedMaxDurationSeconds) {
        throw new TfwrapError('E_IDENTITY_INVALID', `principal.duration ${p.duration} is over the 1-hour limit AWS puts on role chaining: "${from}" yields temporary credentials (a role session), so the role it assumes can last at most 1h`, {
          hint: 'set principal.duration to 1h or less; long runs are refreshed automatically',
        });
      }
      const tokenCode = p.mfa_serial ? await readMfaCode(ctx, p.mfa_serial) : undefined;
      const out = await client.send(
        new sts.AssumeRoleCommand({
          RoleArn: call,
          RoleSessionName: sessionName,
          DurationSeconds: durationSeconds,
          ExternalId: p.external_id,
          SerialNumber: p.mfa_serial,
          TokenCode: tokenCode,
          Tags: p.tags ? Object.entries(p.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
          TransitiveTagKeys: p.transitive_tag_keys,
          SourceIdentity: p.source_identity,
          PolicyArns: policyArns(p),
        }),
        { abortSignal: ctx.signal },
      );
      return toCredentials(out, region);
    } catch (err) {
      if (err instanceof TfwrapError) throw err;
      throw stsError(err, call, from, ctx.parentEnv);
    } finally {
      client.destroy();
    }
  },

  ...managedAwsMethods<AssumeRoleConfig>((ctx) => ctx.config.principal.region),
};

function policyArns(p: AssumeRoleConfig['principal']) {
  return p.policy_arns?.map((arn) => ({ arn }));
}

interface StsOutput {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
  AssumedRoleUser?: { Arn?: string };
}

function toCredentials(out: StsOutput, region: string | undefined): AwsCredentials {
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new TfwrapError('E_AUTH_FAILED', 'STS answered without credentials');
  return fromSdkCredentials(
    { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
    { region, principalArn: out.AssumedRoleUser?.Arn },
  );
}

/** One line that says what STS refused and what to do about it; never a credential. */
export function stsError(err: unknown, roleArn: string, from: string, env: Readonly<Record<string, string>>): TfwrapError {
  const e = err as { name?: string; Code?: string; code?: string };
  const code = e.Code ?? e.name ?? '';
  const detail = describeAwsError(err);
  const what = `sts:AssumeRole into ${roleArn} failed: ${detail}`;
  if (/AccessDenied/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', what, { hint: `check that the role's trust policy allows the principal of "${from}" and that it may call sts:AssumeRole (external_id, MFA and tags must match the trust policy too)`, cause: err });
  }
  if (/ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch|InvalidToken|UnrecognizedClient|IncompleteSignature/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', `the credentials of "${from}" were refused by STS (expired or invalid): ${detail}`, { hint: `refresh the credentials of "${from}" (tfwrap auth whoami -i ${from}), then retry with --fresh`, cause: err });
  }
  if (/Throttl|RequestLimitExceeded|TooManyRequests/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', what, { hint: 'STS is throttling these calls; retry shortly (cached sessions avoid most calls)', cause: err });
  }
  if (/ValidationError|MalformedPolicyDocument|PackedPolicyTooLarge|RegionDisabled/.test(code)) {
    return new TfwrapError('E_AUTH_FAILED', what, { hint: 'check principal.assume_role, duration (at most the role\'s maximum session duration), tags and policy_arns', cause: err });
  }
  if (isNetworkError(err)) {
    const endpoint = endpointFromEnv(env, 'STS');
    return new TfwrapError('E_AUTH_FAILED', `cannot reach STS${endpoint ? ` at ${endpoint}` : ''}: ${detail}`, { hint: 'check the network and AWS_ENDPOINT_URL_STS', cause: err });
  }
  return new TfwrapError('E_AUTH_FAILED', what, { hint: 'run with --debug for the time spent in each step', cause: err });
}
