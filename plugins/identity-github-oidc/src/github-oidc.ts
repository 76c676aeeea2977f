/**
 * The `github/oidc` implementation: one GET to the job's token endpoint, as `@actions/core`'s
 * getIDToken does it, with the request token as a bearer token and the audience as a query
 * parameter. Plain Node (fetch): no SDK.
 */
import { createHash } from 'node:crypto';
import { isSecureOrLoopback } from '@tfwrap/core';
import { WEB_IDENTITY_CREDENTIALS, type WebIdentityCredentials } from '@tfwrap/aws';
import { TfwrapError, type Env, type KindImplementation } from '@tfwrap/plugin-kit';
import { DEFAULT_AUDIENCE, type GithubOidcConfig } from './index.js';

export const REQUEST_URL_VARIABLE = 'ACTIONS_ID_TOKEN_REQUEST_URL';
export const REQUEST_TOKEN_VARIABLE = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN';

/** One request's time limit; the whole step has the kind's (20 s). */
const REQUEST_TIMEOUT_MS = 6_000;
/** Attempts for a network error, 429 or 5xx; the endpoint has short hiccups. */
const ATTEMPTS = 3;


export function audienceOf(config: GithubOidcConfig): string {
  return config.principal?.audience ?? DEFAULT_AUDIENCE;
}

/**
 * The job's token endpoint and request token, or the one error that says what to add. The
 * variables exist only in a GitHub Actions job whose `permissions` include `id-token: write`.
 */
export function requestTarget(env: Readonly<Env>, audience: string): { url: URL; bearer: string } {
  const rawUrl = env[REQUEST_URL_VARIABLE];
  const bearer = env[REQUEST_TOKEN_VARIABLE];
  if (!rawUrl || !bearer) {
    if (env.GITHUB_ACTIONS !== 'true') {
      throw new TfwrapError('E_AUTH_FAILED', `not running in GitHub Actions (GITHUB_ACTIONS is not set), so there is no OIDC token to request`, {
        hint: 'github/oidc works only inside a workflow job with "permissions: id-token: write"; elsewhere pick another identity with -i or TFWRAP_IDENTITY',
      });
    }
    const missing = [REQUEST_URL_VARIABLE, REQUEST_TOKEN_VARIABLE].filter((name) => !env[name]).join(' and ');
    throw new TfwrapError('E_AUTH_FAILED', `this GitHub Actions job may not request an OIDC token (${missing} not set)`, {
      hint: 'add "permissions: { id-token: write, contents: read }" to the workflow or the job (pull requests from forks never get id-token: write)',
    });
  }
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new TfwrapError('E_AUTH_FAILED', `${REQUEST_URL_VARIABLE} is not a URL`, { hint: 'it is set by the GitHub Actions runner; do not set it yourself' });
  }
  if (!isSecureOrLoopback(url)) {
    throw new TfwrapError('E_AUTH_FAILED', `${REQUEST_URL_VARIABLE} must be an https URL (got ${url.protocol}//${url.host})`, {
      hint: 'the token request carries a bearer token: plain http is allowed only for 127.0.0.1, ::1 and localhost',
    });
  }
  url.searchParams.set('audience', audience);
  return { url, bearer };
}

/** The claims of a JWT, unverified (for the expiry and whoami; STS does the verifying). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function jwtExpiration(token: string): Date | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
}

class Retryable extends Error {}

async function requestOnce(url: URL, bearer: string, signal: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json', 'User-Agent': 'tfwrap' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      redirect: 'error',
    });
  } catch (err) {
    if (signal.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer in ${REQUEST_TIMEOUT_MS / 1000} s` : cause?.code ?? cause?.message ?? (err as Error).message;
    throw new Retryable(`cannot reach the token endpoint ${url.host}: ${why}`);
  }
  const text = await response.text().catch(() => '');
  if (response.status === 429 || response.status >= 500) throw new Retryable(`the token endpoint ${url.host} answered HTTP ${response.status}`);
  if (response.status === 401 || response.status === 403) {
    throw new TfwrapError('E_AUTH_FAILED', `the token endpoint ${url.host} refused the request (HTTP ${response.status})`, {
      hint: `${REQUEST_TOKEN_VARIABLE} is valid only in the job it was issued to; check the job's "permissions: id-token: write"`,
    });
  }
  if (!response.ok) {
    throw new TfwrapError('E_AUTH_FAILED', `the token endpoint ${url.host} answered HTTP ${response.status}`, { hint: 'check the audience (principal.audience) and retry' });
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value.length < 4) {
    throw new TfwrapError('E_AUTH_FAILED', `the token endpoint ${url.host} answered without a token`, { hint: 'expected JSON {"value": "<token>"}; retry the job' });
  }
  return value;
}

/** Fetch the ID token, retrying network errors, 429 and 5xx a few times. */
export async function fetchIdToken(url: URL, bearer: string, signal: AbortSignal): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestOnce(url, bearer, signal);
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      if (attempt >= ATTEMPTS) throw new TfwrapError('E_AUTH_FAILED', `${err.message} (${ATTEMPTS} attempts)`, { hint: 'retry the job; GitHub may be having trouble (githubstatus.com)' });
      await sleep(250 * 3 ** (attempt - 1), signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

export const githubOidc: KindImplementation<GithubOidcConfig> = {
  async authenticate(ctx) {
    const audience = audienceOf(ctx.config);
    const { url, bearer } = requestTarget(ctx.parentEnv, audience);
    ctx.secret(bearer);
    const token = await fetchIdToken(url, bearer, ctx.signal);
    ctx.secret(token);
    const expiration = jwtExpiration(token);
    ctx.log.debug(`OIDC token for audience ${audience}${expiration ? `, expires ${expiration.toISOString()}` : ''}`);
    const credentials: WebIdentityCredentials = { type: WEB_IDENTITY_CREDENTIALS, token, ...(expiration ? { expiration } : {}) };
    return credentials;
  },

  /**
   * Offline: the job's endpoint and request token identify the job, and so the token's claims.
   * Sessions chained from this identity (aws/assume-role) are then reused within the job without
   * a new token per run. Only a digest is kept.
   */
  sourceFingerprint(ctx) {
    const url = ctx.parentEnv[REQUEST_URL_VARIABLE];
    const bearer = ctx.parentEnv[REQUEST_TOKEN_VARIABLE];
    if (!url || !bearer) return undefined;
    return createHash('sha256').update(`github/oidc-source-v1\0${url}\0${bearer}\0${audienceOf(ctx.config)}`).digest('hex');
  },

  /** The token is for the next step, not for a child: the child gets the parent's environment. */
  prepareEnv(env) {
    return env;
  },

  async whoami(credentials) {
    const token = credentials?.token;
    if (typeof token !== 'string') throw new TfwrapError('E_AUTH_FAILED', 'no OIDC token to inspect');
    const sub = jwtClaims(token)?.sub;
    return typeof sub === 'string' ? { userId: sub } : {};
  },
};
