/**
 * An opened SSM store. Credentials are the store identity's environment (StoreOpenContext.env);
 * `read_role_arn` / `write_role_arn` are assumed from them, as Atmos does. Values are written as
 * JSON (String parameters) and read back as JSON, or as the raw text when it is not JSON. A
 * `secret: true` store writes SecureString parameters (the account's default KMS key) and a
 * non-empty text as its exact bytes, as Atmos does (aws_ssm_param_store.go encode/decodeParameterValue).
 */
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsClient, credentialsFromEnv, describeAwsError, isNetworkError, stsClient, type SdkCredentials } from '@tfwrap/aws';
import { TfwrapError, throwIfInterrupted, type Store, type StoreOpenContext } from '@tfwrap/core';
import { parameterName, plainParameterName, type SsmStoreOptions } from './options.js';

export function openSsmStore(options: SsmStoreOptions, context: StoreOpenContext): Store {
  const clients = new Map<string, Promise<SSMClient>>();
  // One client per role (none, read, write), made on first use: opening a store costs nothing.
  // `signal`: the first call's; every call of a run has the run's (the store is opened per run).
  const client = (roleArn: string | undefined, signal: AbortSignal | undefined): Promise<SSMClient> => {
    const key = roleArn ?? '';
    let made = clients.get(key);
    if (!made) {
      made = makeClient(options, context, roleArn, signal);
      clients.set(key, made);
    }
    return made;
  };

  const read = async (name: string, signal: AbortSignal | undefined): Promise<unknown> => {
    const ssm = await client(options.readRoleArn, signal);
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal: signal });
      return decode(out.Parameter?.Value ?? '', context.secret);
    } catch (err) {
      if (err instanceof ParameterNotFound || (err as { name?: string }).name === 'ParameterNotFound') return undefined;
      throwIfInterrupted(signal);
      // The SDK's message names the action and the principal (AccessDeniedException: ...); no credential is in it.
      throw failure(`reading SSM parameter ${name} failed: ${describeSsmError(err)}`, err);
    }
  };

  return {
    get: (stack, component, key, call) => read(parameterName(options, stack, component, key), call?.signal),
    getKey: (key, call) => read(plainParameterName(options, key), call?.signal),
    async set(stack, component, key, value, call) {
      const name = parameterName(options, stack, component, key);
      // As Atmos: SSM has no null, and a value of "null" would read back as null only by accident.
      if (value === null || value === undefined) throw new Error(`cannot write SSM parameter ${name}: the value is null`);
      const ssm = await client(options.writeRoleArn, call?.signal);
      try {
        await ssm.send(new PutParameterCommand({ Name: name, Value: encode(value, context.secret), Type: context.secret ? 'SecureString' : 'String', Overwrite: true }), { abortSignal: call?.signal });
      } catch (err) {
        throwIfInterrupted(call?.signal);
        throw failure(`writing SSM parameter ${name} failed: ${describeSsmError(err)}`, err);
      }
    },
  };
}

async function makeClient(options: SsmStoreOptions, context: StoreOpenContext, roleArn: string | undefined, signal: AbortSignal | undefined): Promise<SSMClient> {
  const env = await context.env();
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new TfwrapError('E_CONFIG_INVALID', `store '${context.name}' has no region`, { hint: 'set options.region, or AWS_REGION for the store\'s identity' });
  }
  let credentials = await credentialsFromEnv(env);
  if (roleArn) credentials = await assumeRole(roleArn, region, credentials, context, signal);
  return awsClient(SSMClient, { region, credentials, endpoint: options.endpoint ?? env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL });
}

async function assumeRole(roleArn: string, region: string, credentials: SdkCredentials | undefined, context: StoreOpenContext, signal: AbortSignal | undefined): Promise<SdkCredentials> {
  const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = await stsClient({ region, credentials });
  try {
    context.log.debug(`store '${context.name}': assuming ${roleArn}`);
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'tfwrap-ssm-store' }), { abortSignal: signal });
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } catch (err) {
    throwIfInterrupted(signal);
    throw new TfwrapError('E_AUTH_FAILED', `store '${context.name}': sts:AssumeRole ${roleArn} failed: ${describeAwsError(err)}`, { hint: 'check that the store\'s identity may assume the role', cause: err });
  } finally {
    sts.destroy();
  }
}

/**
 * The SDK's reason; a 403 whose body the SDK could not read (some emulators answer in XML) is
 * still an access denied.
 */
/**
 * A failed request. When no answer came (time limit, refused, unresolved) the hint is the
 * endpoint, not the identity: tfwrap takes a TfwrapError's hint (the code is tfwrap's own).
 */
function failure(message: string, err: unknown): Error {
  if (!isNetworkError(err)) return new Error(message, { cause: err });
  return new TfwrapError('E_CONFIG_INVALID', message, { hint: 'check the store\'s endpoint (options.endpoint, AWS_ENDPOINT_URL) and the network', cause: err });
}

function describeSsmError(err: unknown): string {
  const { name, $metadata } = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if ($metadata?.httpStatusCode === 403 && !/AccessDenied|Unrecognized|Signature|Token/i.test(name ?? '')) return 'access denied (HTTP 403)';
  return describeAwsError(err);
}

/**
 * JSON, except that a secret store writes a non-empty text as it is: AWS services that read the
 * secret themselves want its bytes, not a quoted string. An empty text stays `""` (SSM refuses an
 * empty value).
 */
function encode(value: unknown, secret: boolean): string {
  return secret && typeof value === 'string' && value !== '' ? value : JSON.stringify(value);
}

/**
 * JSON when it parses, the raw text otherwise (parameters written by other tools), as Atmos reads.
 * A secret store keeps a raw secret that happens to be a JSON number, boolean or null (`1e5`,
 * `true`) as its text: it was written raw, and decoding would change it.
 */
function decode(raw: string, secret: boolean): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
  if (!secret || typeof parsed === 'string' || (parsed !== null && typeof parsed === 'object')) return parsed;
  return raw;
}
