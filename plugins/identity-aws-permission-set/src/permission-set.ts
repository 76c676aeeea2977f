/**
 * The `aws/permission-set` implementation, loaded only when such an identity runs. The SDK is
 * imported on the first portal call, so a warm run (cached session) never loads it.
 */
import { SSO_REQUEST_TIMEOUT_MS, awsClient, describeAwsError, endpointFromEnv, isNetworkError, type AwsCredentials, managedAwsMethods } from '@tfwrap/aws';
import { TfwrapError, type Env, type KindImplementation } from '@tfwrap/plugin-kit';
import { configuredEndpoint, isSsoToken } from '@tfwrap/identity-aws-iam-identity-center';
import type { PermissionSetConfig } from './schema.js';

/** ListAccounts page size (the API allows up to 100... and pages anyway). */
const PAGE_SIZE = 100;

type SsoModule = typeof import('@aws-sdk/client-sso');
type SsoClient = InstanceType<SsoModule['SSOClient']>;

export const permissionSet: KindImplementation<PermissionSetConfig> = {
  async authenticate(ctx) {
    const p = ctx.config.principal;
    const source = ctx.source;
    const from = ctx.sourceIdentity ?? 'its source';
    if (!isSsoToken(source)) {
      throw new TfwrapError('E_AUTH_FAILED', `needs an IAM Identity Center sign-in from "${from}", which yielded ${source ? `"${source.type}" credentials` : 'none'}`, {
        hint: 'chain via an aws/iam-identity-center identity',
      });
    }
    ctx.secret(source.accessToken);
    if (source.expiration && source.expiration.getTime() <= Date.now()) {
      throw new TfwrapError('E_AUTH_FAILED', `the sign-in of "${from}" has expired`, { hint: `run tfwrap auth login -i ${from}` });
    }
    const endpoint = configuredEndpoint(ctx.parentEnv, 'SSO');
    const sdk = await import('@aws-sdk/client-sso');
    const client = awsClient(sdk.SSOClient, { region: source.region, endpoint, requestTimeoutMs: SSO_REQUEST_TIMEOUT_MS });
    const where = { from, region: source.region, env: ctx.parentEnv };
    try {
      const accountId = p.account.id !== undefined ? String(p.account.id) : await accountByName(sdk, client, source.accessToken, p.account.name!, ctx.signal, where);
      let out;
      try {
        out = await client.send(new sdk.GetRoleCredentialsCommand({ accessToken: source.accessToken, accountId, roleName: p.name }), { abortSignal: ctx.signal });
      } catch (err) {
        if (/ResourceNotFound|Forbidden|AccessDenied/.test(errorName(err))) {
          const available = await rolesIn(sdk, client, source.accessToken, accountId, ctx.signal).catch(() => undefined);
          throw new TfwrapError('E_AUTH_FAILED', `permission set "${p.name}" is not assigned to you in account ${accountId}${p.account.name ? ` (${p.account.name})` : ''}: ${describeAwsError(err)}`, {
            hint: available?.length ? `the sign-in of "${from}" may use ${available.join(', ')} there` : 'check principal.name and principal.account, and the assignments in IAM Identity Center',
            cause: err,
          });
        }
        throw err;
      }
      const c = out.roleCredentials;
      if (!c?.accessKeyId || !c.secretAccessKey) throw new TfwrapError('E_AUTH_FAILED', 'the portal answered GetRoleCredentials without credentials');
      ctx.secret(c.secretAccessKey);
      ctx.secret(c.sessionToken);
      const credentials: AwsCredentials = {
        type: 'aws',
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
        ...(c.expiration ? { expiration: new Date(c.expiration) } : {}),
        ...(p.region ? { region: p.region } : {}),
        account: accountId,
      };
      return credentials;
    } catch (err) {
      if (err instanceof TfwrapError) throw err;
      throw portalError(err, where);
    } finally {
      client.destroy();
    }
  },

  ...managedAwsMethods<PermissionSetConfig>((ctx) => ctx.config.principal.region),
};

interface Where {
  from: string;
  region: string;
  env: Readonly<Env>;
}

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string };
  return e.name ?? e.Code ?? '';
}

/** The account whose name is `name`, from every page of ListAccounts. */
async function accountByName(sdk: SsoModule, client: SsoClient, accessToken: string, name: string, signal: AbortSignal, where: Where): Promise<string> {
  const seen: Array<{ id: string; name: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new sdk.ListAccountsCommand({ accessToken, maxResults: PAGE_SIZE, nextToken }), { abortSignal: signal });
    for (const account of page.accountList ?? []) {
      if (account.accountId) seen.push({ id: account.accountId, name: account.accountName ?? '' });
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  const matches = seen.filter((account) => account.name === name);
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) {
    throw new TfwrapError('E_IDENTITY_INVALID', `account name "${name}" matches ${matches.length} accounts (${matches.map((a) => a.id).join(', ')})`, { hint: 'give principal.account.id instead' });
  }
  const folded = seen.filter((account) => account.name.toLowerCase() === name.toLowerCase());
  const names = seen.map((account) => account.name).sort();
  throw new TfwrapError('E_AUTH_FAILED', `no account named "${name}" among the ${seen.length} the sign-in of "${where.from}" can use`, {
    hint: folded.length
      ? `names are exact: did you mean "${folded[0]!.name}"?`
      : names.length
        ? `accounts: ${names.slice(0, 10).join(', ')}${names.length > 10 ? `, and ${names.length - 10} more` : ''}`
        : 'this sign-in has no account assignments; ask for one in IAM Identity Center',
  });
}

/** The permission sets the sign-in may use in an account, for a hint. */
async function rolesIn(sdk: SsoModule, client: SsoClient, accessToken: string, accountId: string, signal: AbortSignal): Promise<string[]> {
  const roles: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new sdk.ListAccountRolesCommand({ accessToken, accountId, maxResults: PAGE_SIZE, nextToken }), { abortSignal: signal });
    for (const role of page.roleList ?? []) if (role.roleName) roles.push(role.roleName);
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return roles.sort();
}

function portalError(err: unknown, where: Where): TfwrapError {
  const name = errorName(err);
  const detail = describeAwsError(err);
  if (/Unauthorized/.test(name)) {
    return new TfwrapError('E_AUTH_FAILED', `the portal refused the sign-in of "${where.from}" (expired or signed out): ${detail}`, { hint: `run tfwrap auth login -i ${where.from}`, cause: err });
  }
  if (/TooManyRequests|Throttl/.test(name)) {
    return new TfwrapError('E_AUTH_FAILED', `the IAM Identity Center portal is throttling: ${detail}`, { hint: 'retry shortly (cached sessions avoid most calls)', cause: err });
  }
  if (isNetworkError(err)) {
    const endpoint = endpointFromEnv(where.env, 'SSO');
    return new TfwrapError('E_AUTH_FAILED', `cannot reach the IAM Identity Center portal (${where.region})${endpoint ? ` at ${endpoint}` : ''}: ${detail}`, { hint: 'check the network and AWS_ENDPOINT_URL_SSO', cause: err });
  }
  return new TfwrapError('E_AUTH_FAILED', `the IAM Identity Center portal failed: ${detail}`, { hint: 'run with --debug for the time spent in each step', cause: err });
}
