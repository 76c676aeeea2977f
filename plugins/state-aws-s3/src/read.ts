/**
 * Reading a Terraform state object from S3 the way Terraform's s3 backend stores it:
 * `<key>` for the default workspace, `<workspace_key_prefix>/<workspace>/<key>` for the others
 * (`workspace_key_prefix` defaults to `env:`). Credentials are the component's environment's (its
 * identity's), never tfwrap's own, so the read sees what `terraform output` would.
 */
import { awsClient, credentialsFromEnv, describeAwsError, quietSdk, type SdkCredentials } from '@tfwrap/aws';
import type { Env, StateReadContext } from '@tfwrap/core';

/**
 * Settings that change how Terraform reaches the state in ways not read here (web identity, a
 * customer key, several credential files): left to Terraform. `assume_role` / `role_arn` and
 * `profile` are read as Terraform reads them (credentials below).
 */
const settingsTerraformHandles = ['assume_role_with_web_identity', 'sse_customer_key'];

export function s3BackendReadable(backend: Record<string, unknown>): boolean {
  const files = (name: string) => backend[name] === undefined || backend[name] === null || typeof backend[name] === 'string' || (Array.isArray(backend[name]) && (backend[name] as unknown[]).length <= 1);
  return typeof backend.bucket === 'string' && typeof backend.key === 'string'
    && !settingsTerraformHandles.some((name) => backend[name] !== undefined && backend[name] !== null)
    && files('shared_credentials_files') && files('shared_config_files');
}

/** The object key of `workspace`'s state (terraform internal/backend/remote-state/s3 path()). */
function s3StateKey(backend: Record<string, unknown>, workspace: string): string {
  const key = String(backend.key);
  if (workspace === 'default' || workspace === '') return key;
  const prefix = typeof backend.workspace_key_prefix === 'string' ? backend.workspace_key_prefix : 'env:';
  return prefix === '' ? `${workspace}/${key}` : `${prefix}/${workspace}/${key}`;
}

export async function readS3State(backend: Record<string, unknown>, workspace: string, context: StateReadContext): Promise<unknown> {
  const { S3Client, GetObjectCommand, NoSuchKey } = await import('@aws-sdk/client-s3');
  const env = context.env;
  const endpoints = backend.endpoints !== null && typeof backend.endpoints === 'object' ? (backend.endpoints as Record<string, unknown>) : {};
  const endpoint = stringOf(endpoints.s3) ?? stringOf(backend.endpoint) ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = stringOf(backend.region) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  // tfwrap's time limits, so an endpoint that never answers is an error, not a hang.
  const client = awsClient(S3Client, {
    region: region ?? 'us-east-1', // Terraform's s3 backend requires one; this only keeps the SDK from refusing
    endpoint,
    credentials: await backendCredentials(backend, env, region, context),
    serviceConfig: { forcePathStyle: backend.use_path_style === true || backend.force_path_style === true },
  });
  const key = s3StateKey(backend, workspace);
  context.log.debug(`!terraform.state: reading s3://${String(backend.bucket)}/${key}`);
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: String(backend.bucket), Key: key }), { abortSignal: context.signal });
    const text = (await response.Body?.transformToString('utf8')) ?? '';
    return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
    if (err instanceof SyntaxError) throw new Error(`s3://${String(backend.bucket)}/${key} is not a JSON Terraform state`, { cause: err });
    // The SDK's message names the bucket and the reason (AccessDenied, ...); no credential is in it.
    throw new Error(`reading s3://${String(backend.bucket)}/${key} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    client.destroy();
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The credentials Terraform's s3 backend would use: the backend's `profile` (in its
 * `shared_config_files` / `shared_credentials_files`, else the component environment's files),
 * else the component's identity (its keys, or its profile in tfwrap's files); then the backend's
 * `assume_role` (or the older top-level `role_arn`) assumed from them. Undefined: the SDK's chain.
 */
async function backendCredentials(backend: Record<string, unknown>, env: Env, region: string | undefined, context: StateReadContext): Promise<SdkCredentials | undefined> {
  let credentials: SdkCredentials | undefined;
  const profile = stringOf(backend.profile);
  if (profile) {
    quietSdk();
    const { fromIni } = await import('@aws-sdk/credential-providers');
    const file = (name: string) => (Array.isArray(backend[name]) ? stringOf((backend[name] as unknown[])[0]) : stringOf(backend[name]));
    context.log.debug(`!terraform.state: s3 backend profile ${profile}`);
    credentials = await fromIni({ profile, filepath: file('shared_credentials_files') ?? env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: file('shared_config_files') ?? env.AWS_CONFIG_FILE })();
  } else {
    credentials = await credentialsFromEnv(env);
  }
  const assumeRole = backend.assume_role !== null && typeof backend.assume_role === 'object' ? (backend.assume_role as Record<string, unknown>) : undefined;
  const roleArn = stringOf(assumeRole?.role_arn) ?? stringOf(backend.role_arn);
  if (!roleArn) return credentials;
  const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
  const endpoints = backend.endpoints !== null && typeof backend.endpoints === 'object' ? (backend.endpoints as Record<string, unknown>) : {};
  const sts = awsClient(STSClient, { region: region ?? 'us-east-1', credentials, endpoint: stringOf(endpoints.sts) ?? stringOf(backend.sts_endpoint) ?? env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL });
  const duration = stringOf(assumeRole?.duration);
  const seconds = duration ? durationSeconds(duration) : undefined;
  context.log.debug(`!terraform.state: s3 backend assume_role ${roleArn}`);
  try {
    const out = await sts.send(new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: stringOf(assumeRole?.session_name) ?? stringOf(backend.session_name) ?? 'tfwrap-terraform-state',
      ExternalId: stringOf(assumeRole?.external_id) ?? stringOf(backend.external_id),
      ...(seconds ? { DurationSeconds: seconds } : {}),
    }), { abortSignal: context.signal });
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } catch (err) {
    throw new Error(`assuming the s3 backend's role ${roleArn} failed: ${describeAwsError(err)}`, { cause: err });
  } finally {
    sts.destroy();
  }
}

/** Terraform's `duration` (`1h`, `15m`, `900s`, `1h30m`) in seconds. */
function durationSeconds(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}
