/**
 * Endpoints for the IAM Identity Center APIs. The SDK itself reads `AWS_ENDPOINT_URL_SSO_OIDC`,
 * `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL` (and `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`) from
 * the process environment; tfwrap resolves them from the environment it was started with, the same
 * way, so that the choice is explicit and can be checked: tokens go over https, or plain http to
 * this machine only (test servers, local proxies).
 */
import { TfwrapError, type Env } from '@tfwrap/core';
import { isSecureOrLoopback } from '@tfwrap/core';

export type SsoService = 'SSO_OIDC' | 'SSO';

export function configuredEndpoint(env: Readonly<Env>, service: SsoService): string | undefined {
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  const name = env[`AWS_ENDPOINT_URL_${service}`] ? `AWS_ENDPOINT_URL_${service}` : env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : undefined;
  if (!name) return undefined;
  const value = env[name]!;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TfwrapError('E_CONFIG_INVALID', `${name}="${value}" is not a URL`, { hint: `unset ${name}, or set it to an https:// URL` });
  }
  if (isSecureOrLoopback(url)) return value;
  throw new TfwrapError('E_CONFIG_INVALID', `${name}=${value}: IAM Identity Center tokens are sent only over https (plain http only to 127.0.0.1 or localhost)`, {
    hint: `use an https:// endpoint in ${name}`,
  });
}
