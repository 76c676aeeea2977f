/**
 * Reading a Terraform state object from S3 the way Terraform's s3 backend stores it:
 * `<key>` for the default workspace, `<workspace_key_prefix>/<workspace>/<key>` for the others
 * (`workspace_key_prefix` defaults to `env:`). Credentials are the component's environment's (its
 * identity's), never tfwrap's own, so the read sees what `terraform output` would.
 */
import type { Env, StateReadContext } from '@tfwrap/core';

/** Settings that change how Terraform reaches the state (another role, profile or file): left to Terraform. */
const settingsTerraformHandles = ['assume_role', 'role_arn', 'profile', 'shared_credentials_file', 'shared_credentials_files', 'shared_config_files', 'assume_role_with_web_identity', 'sse_customer_key'];

export function s3BackendReadable(backend: Record<string, unknown>): boolean {
  return typeof backend.bucket === 'string' && typeof backend.key === 'string' && !settingsTerraformHandles.some((name) => backend[name] !== undefined && backend[name] !== null);
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
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle: backend.use_path_style === true || backend.force_path_style === true,
    credentials: credentialsOf(env),
  });
  const key = s3StateKey(backend, workspace);
  context.log.debug(`!terraform.state: reading s3://${String(backend.bucket)}/${key}`);
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: String(backend.bucket), Key: key }));
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

/** The keys in the component's environment; undefined lets the SDK look further (a profile, IMDS). */
function credentialsOf(env: Env): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}
