/**
 * The `aws/iam-identity-center` implementation, loaded only when such an identity runs.
 *
 * authenticate: the cached access token while it has more than 5 minutes left; else, holding the
 * portal's lock, the refresh token (no browser); else the device authorization flow, but only with a
 * terminal: a run without one (stdin not a TTY, or CI set) fails at once with the hint to run
 * `tfwrap auth login`. login: the device flow now, with or without a terminal.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { formatDuration, stableHash } from '@tfwrap/core';
import { SSO_REQUEST_TIMEOUT_MS, awsClient, describeAwsError, endpointFromEnv, isNetworkError } from '@tfwrap/aws';
import { TfwrapError, type AuthenticateContext, type Env, type KindImplementation, type LoginContext, type LoginResult } from '@tfwrap/plugin-kit';
import { SSO_TOKEN_CREDENTIALS, type SsoTokenCredentials } from './index.js';
import { configuredEndpoint } from './endpoint.js';
import { parseSessionDuration, type IdentityCenterConfig } from './schema.js';
import { TokenCache, normalizeStartUrl, sleep, type CachedSignIn, type ClientRegistration } from './token-cache.js';

/** A cached access token is used while it has more than this left. */
const ACCESS_TOKEN_MARGIN_MS = 5 * 60_000;
/** A client registration is renewed this long before AWS would expire it. */
const REGISTRATION_MARGIN_MS = 24 * 3600_000;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const REFRESH_GRANT = 'refresh_token';
const SCOPES = ['sso:account:access'];
/** RFC 8628: each slow_down adds 5 s to the polling interval. */
const SLOW_DOWN_STEP_MS = 5_000;

type OidcModule = typeof import('@aws-sdk/client-sso-oidc');
type OidcClient = InstanceType<OidcModule['SSOOIDCClient']>;

interface Portal {
  startUrl: string;
  region: string;
  /** Seconds a sign-in may be renewed with its refresh token; undefined: as long as AWS allows. */
  sessionSeconds?: number;
  cache: TokenCache;
}

/** How the sign-in prompt reaches the person. */
interface Prompt {
  openBrowser: boolean;
}

export interface IdentityCenterOptions {
  /** tfwrap's cache directory: sign-ins are kept in `<cacheDir>/aws-sso/`. */
  cacheDir: string;
  /** Can a person answer a sign-in now? Default: stdin is a terminal and CI is not set. */
  interactive?: (env: Readonly<Env>) => boolean;
}

export function createIdentityCenterKind(options: IdentityCenterOptions): KindImplementation<IdentityCenterConfig> {
  const interactive = options.interactive ?? hasTerminal;
  const portalOf = (config: IdentityCenterConfig): Portal => {
    const p = config.principal;
    const startUrl = normalizeStartUrl(p.start_url);
    return {
      startUrl,
      region: p.region,
      sessionSeconds: p.session_duration === undefined ? undefined : (parseSessionDuration(p.session_duration) as number),
      cache: new TokenCache(options.cacheDir, startUrl, p.region),
    };
  };

  return {
    async authenticate(ctx) {
      const portal = portalOf(ctx.config);
      const cached = await portal.cache.read();
      if (cached && usable(cached)) return toCredentials(cached, ctx);
      return portal.cache.withLock(
        async () => {
          const current = await portal.cache.read(); // another process may have just signed in
          if (current && usable(current)) return toCredentials(current, ctx);
          const oidc = await oidcClient(portal, ctx.parentEnv);
          try {
            const refreshed = current && renewable(current, portal) ? await refresh(oidc, portal, current, ctx) : undefined;
            if (refreshed) return toCredentials(refreshed, ctx);
            if (!interactive(ctx.parentEnv)) {
              throw new TfwrapError('E_AUTH_FAILED', `needs a sign-in to ${portal.startUrl} (${current ? 'the last one has ended' : 'not signed in'}), and there is no terminal to show the sign-in code`, {
                hint: `run tfwrap auth login -i ${ctx.identity} in a terminal, then run this again`,
              });
            }
            return toCredentials(await signIn(oidc.client, oidc.sdk, portal, current, ctx, { openBrowser: true }), ctx);
          } finally {
            oidc.client.destroy();
          }
        },
        { waitMs: 11 * 60_000, signal: ctx.signal, onWait: () => ctx.log.info(`waiting for another tfwrap process that is signing in to ${portal.startUrl}`) },
      );
    },

    async login(ctx: LoginContext<IdentityCenterConfig>): Promise<LoginResult> {
      const portal = portalOf(ctx.config);
      const signedIn = await portal.cache.withLock(
        async () => {
          const oidc = await oidcClient(portal, ctx.parentEnv);
          try {
            return await signIn(oidc.client, oidc.sdk, portal, await portal.cache.read(), ctx, { openBrowser: ctx.browser });
          } finally {
            oidc.client.destroy();
          }
        },
        { waitMs: 11 * 60_000, signal: ctx.signal },
      );
      const renewUntil = portal.sessionSeconds ? new Date(Date.parse(signedIn.signedInAt) + portal.sessionSeconds * 1000) : undefined;
      return {
        credentials: toCredentials(signedIn, ctx),
        expiration: new Date(signedIn.expiresAt),
        summary: `signed in to ${portal.startUrl} (${portal.region}); access token valid until ${signedIn.expiresAt}${
          signedIn.refreshToken ? `, renewed without a browser${renewUntil ? ` until ${renewUntil.toISOString()}` : ' while the portal session lasts'}` : ''
        }`,
      };
    },

    prepareEnv(_env, ctx) {
      throw new TfwrapError('E_IDENTITY_INVALID', `identity "${ctx.identity}" is a sign-in to an IAM Identity Center portal, not AWS credentials for a command`, {
        identity: ctx.identity,
        hint: 'run commands with an aws/permission-set identity whose via is this one',
      });
    },

    /** Offline: sessions obtained from this sign-in are keyed by it, so a new sign-in replaces them. */
    sourceFingerprint(ctx) {
      const portal = portalOf(ctx.config);
      const cached = portal.cache.readSync();
      return cached ? stableHash('aws-sso-sign-in', portal.startUrl, portal.region, cached.signInId) : undefined;
    },

    async logout(ctx) {
      await portalOf(ctx.config).cache.remove();
    },
  };
}

function usable(signIn: CachedSignIn): boolean {
  return Date.parse(signIn.expiresAt) - Date.now() > ACCESS_TOKEN_MARGIN_MS;
}

/** A refresh token, a registration still valid, and a sign-in within session_duration. */
function renewable(signIn: CachedSignIn, portal: Portal): boolean {
  if (!signIn.refreshToken) return false;
  if (Date.parse(signIn.registration.expiresAt) <= Date.now()) return false;
  if (portal.sessionSeconds !== undefined && Date.parse(signIn.signedInAt) + portal.sessionSeconds * 1000 <= Date.now()) return false;
  return true;
}

function toCredentials(signIn: CachedSignIn, ctx: Pick<AuthenticateContext, 'secret'>): SsoTokenCredentials {
  ctx.secret(signIn.accessToken);
  ctx.secret(signIn.refreshToken);
  ctx.secret(signIn.registration.clientSecret);
  return { type: SSO_TOKEN_CREDENTIALS, accessToken: signIn.accessToken, expiration: new Date(signIn.expiresAt), region: signIn.region };
}

/** A person can answer: stdin is a terminal and this is not a CI run. */
export function hasTerminal(env: Readonly<Env>): boolean {
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && !/^(false|0)$/i.test(ci)) return false;
  return process.stdin.isTTY === true;
}

async function oidcClient(portal: Portal, env: Readonly<Env>): Promise<{ sdk: OidcModule; client: OidcClient }> {
  const endpoint = configuredEndpoint(env, 'SSO_OIDC');
  const sdk = await import('@aws-sdk/client-sso-oidc');
  const client = awsClient(sdk.SSOOIDCClient, { region: portal.region, endpoint, requestTimeoutMs: SSO_REQUEST_TIMEOUT_MS });
  return { sdk, client };
}

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string; error?: string };
  return e.name ?? e.Code ?? '';
}

/** Renew the access token with the refresh token; undefined when the portal no longer accepts it. */
async function refresh(oidc: { sdk: OidcModule; client: OidcClient }, portal: Portal, signIn: CachedSignIn, ctx: AuthenticateContext): Promise<CachedSignIn | undefined> {
  ctx.secret(signIn.refreshToken);
  ctx.secret(signIn.registration.clientSecret);
  try {
    const out = await oidc.client.send(
      new oidc.sdk.CreateTokenCommand({ clientId: signIn.registration.clientId, clientSecret: signIn.registration.clientSecret, grantType: REFRESH_GRANT, refreshToken: signIn.refreshToken }),
      { abortSignal: ctx.signal },
    );
    if (!out.accessToken) return undefined;
    ctx.secret(out.accessToken);
    ctx.secret(out.refreshToken);
    const renewed: CachedSignIn = {
      ...signIn,
      accessToken: out.accessToken,
      expiresAt: new Date(Date.now() + (out.expiresIn ?? 3600) * 1000).toISOString(),
      refreshToken: out.refreshToken ?? signIn.refreshToken,
    };
    await portal.cache.write(renewed);
    ctx.log.debug(`renewed the sign-in to ${portal.startUrl} with its refresh token`);
    return renewed;
  } catch (err) {
    // The portal refused the refresh (expired, revoked, signed out): a new sign-in is needed.
    if (/InvalidGrant|ExpiredToken|InvalidClient|UnauthorizedClient|AccessDenied|InvalidRequest/.test(errorName(err))) {
      ctx.log.debug(`the refresh token was refused (${describeAwsError(err)}); a new sign-in is needed`);
      return undefined;
    }
    throw oidcError(err, portal, 'renewing the sign-in', ctx.identity, ctx.parentEnv);
  }
}

async function registration(client: OidcClient, sdk: OidcModule, previous: CachedSignIn | undefined, signal: AbortSignal): Promise<ClientRegistration> {
  const reuse = previous?.registration;
  if (reuse && Date.parse(reuse.expiresAt) - Date.now() > REGISTRATION_MARGIN_MS) return reuse;
  const out = await client.send(
    new sdk.RegisterClientCommand({ clientName: 'tfwrap', clientType: 'public', scopes: SCOPES, grantTypes: [DEVICE_GRANT, REFRESH_GRANT] }),
    { abortSignal: signal },
  );
  if (!out.clientId || !out.clientSecret) throw new TfwrapError('E_AUTH_FAILED', 'IAM Identity Center registered no client (no clientId in the answer)');
  const expiresAt = out.clientSecretExpiresAt ? new Date(out.clientSecretExpiresAt * 1000) : new Date(Date.now() + 90 * 24 * 3600_000);
  return { clientId: out.clientId, clientSecret: out.clientSecret, expiresAt: expiresAt.toISOString() };
}

/** The device authorization flow: show the code, open a browser where there is one, poll. */
async function signIn(client: OidcClient, sdk: OidcModule, portal: Portal, previous: CachedSignIn | undefined, ctx: Pick<AuthenticateContext, 'identity' | 'signal' | 'log' | 'secret' | 'parentEnv'>, prompt: Prompt): Promise<CachedSignIn> {
  let stage = 'registering tfwrap with IAM Identity Center';
  try {
    const reg = await registration(client, sdk, previous, ctx.signal);
    ctx.secret(reg.clientSecret);
    stage = 'starting the sign-in';
    const start = await client.send(new sdk.StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: portal.startUrl }), { abortSignal: ctx.signal });
    if (!start.deviceCode || !start.userCode || !start.verificationUri) throw new TfwrapError('E_AUTH_FAILED', 'IAM Identity Center started no sign-in (no device code in the answer)');
    ctx.secret(start.deviceCode);
    const url = start.verificationUriComplete ?? start.verificationUri;
    const expiresInMs = (start.expiresIn ?? 600) * 1000;
    ctx.log.info(`sign in to ${portal.startUrl}: open ${url} and check that it shows the code ${start.userCode} (valid for ${formatDuration(Math.round(expiresInMs / 1000))})`);
    if (prompt.openBrowser && canOpenBrowser(ctx.parentEnv)) openBrowser(url, ctx.parentEnv);
    else ctx.log.debug('no browser opened (no terminal or no desktop, or --no-browser)');

    stage = 'waiting for the sign-in';
    const deadline = Date.now() + expiresInMs;
    let interval = Math.max((start.interval ?? 5) * 1000, 250);
    for (;;) {
      await sleep(interval, ctx.signal);
      try {
        const out = await client.send(
          new sdk.CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: DEVICE_GRANT, deviceCode: start.deviceCode }),
          { abortSignal: ctx.signal },
        );
        if (!out.accessToken) throw new TfwrapError('E_AUTH_FAILED', 'IAM Identity Center answered the sign-in without an access token');
        ctx.secret(out.accessToken);
        ctx.secret(out.refreshToken);
        const now = new Date();
        const signedIn: CachedSignIn = {
          version: 1,
          startUrl: portal.startUrl,
          region: portal.region,
          registration: reg,
          accessToken: out.accessToken,
          expiresAt: new Date(now.getTime() + (out.expiresIn ?? 3600) * 1000).toISOString(),
          ...(out.refreshToken ? { refreshToken: out.refreshToken } : {}),
          signedInAt: now.toISOString(),
          signInId: randomUUID(),
        };
        await portal.cache.write(signedIn);
        ctx.log.info(`signed in to ${portal.startUrl}`);
        return signedIn;
      } catch (err) {
        const name = errorName(err);
        if (name === 'AuthorizationPendingException') {
          if (Date.now() > deadline) throw expired(portal, ctx.identity);
          continue;
        }
        if (name === 'SlowDownException') {
          interval += SLOW_DOWN_STEP_MS;
          ctx.log.debug(`IAM Identity Center asked to poll more slowly: every ${interval / 1000} s`);
          continue;
        }
        if (name === 'AccessDeniedException') {
          throw new TfwrapError('E_AUTH_FAILED', `the sign-in to ${portal.startUrl} was denied`, { hint: `run tfwrap auth login -i ${ctx.identity} to sign in again, and approve the request whose code matches`, cause: err });
        }
        if (name === 'ExpiredTokenException') throw expired(portal, ctx.identity, err);
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof TfwrapError) throw err;
    if (ctx.signal.aborted) throw err;
    throw oidcError(err, portal, stage, ctx.identity, ctx.parentEnv);
  }
}

function expired(portal: Portal, identity: string, cause?: unknown): TfwrapError {
  return new TfwrapError('E_AUTH_FAILED', `the sign-in code for ${portal.startUrl} expired before the sign-in was approved`, { hint: `run tfwrap auth login -i ${identity} and approve it in the browser within the time shown`, cause });
}

function oidcError(err: unknown, portal: Portal, stage: string, identity: string, env: Readonly<Env>): TfwrapError {
  const detail = describeAwsError(err);
  if (isNetworkError(err)) {
    const endpoint = endpointFromEnv(env, 'SSO_OIDC');
    return new TfwrapError('E_AUTH_FAILED', `cannot reach IAM Identity Center (OIDC, ${portal.region})${endpoint ? ` at ${endpoint}` : ''} while ${stage}: ${detail}`, {
      hint: 'check the network, principal.region and AWS_ENDPOINT_URL_SSO_OIDC',
      cause: err,
    });
  }
  if (/InvalidRequestRegion|InvalidRequest/.test(errorName(err))) {
    return new TfwrapError('E_AUTH_FAILED', `IAM Identity Center refused ${stage} for ${portal.startUrl}: ${detail}`, { hint: 'check principal.start_url and principal.region (the region IAM Identity Center is in)', cause: err });
  }
  return new TfwrapError('E_AUTH_FAILED', `IAM Identity Center failed while ${stage} for ${portal.startUrl}: ${detail}`, { hint: `retry; if it persists, run tfwrap auth login -i ${identity}`, cause: err });
}

/** A browser only for a person at a terminal with a desktop: never in CI, tests or over ssh without X. */
function canOpenBrowser(env: Readonly<Env>): boolean {
  if (!hasTerminal(env) || process.stderr.isTTY !== true) return false;
  if (env.TFWRAP_NO_BROWSER || env.BROWSER === 'none') return false;
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY) && onPath('xdg-open', env);
}

function onPath(command: string, env: Readonly<Env>): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

function openBrowser(url: string, env: Readonly<Env>): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true, env: { ...env } });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The URL is on stderr already.
  }
}
