/**
 * Kind `aws/iam-identity-center`: a sign-in to an AWS access portal (IAM Identity Center, formerly
 * AWS SSO) with the OAuth device authorization flow. It yields an SSO access token, not AWS keys:
 * an `aws/permission-set` identity turns it into credentials for one account. The sign-in is cached
 * per portal (start URL and region) and renewed with its refresh token, so every identity on the
 * same portal shares one sign-in (docs/identities/aws-iam-identity-center.md).
 *
 * This module is light: the schema and the registration; the SDK loads on first use.
 */
import { defineIdentityKind, definePlugin, type Credentials } from '@tfwrap/plugin-kit';
import { identityCenterSchema } from './schema.js';

export { configuredEndpoint, type SsoService } from './endpoint.js';
export { identityCenterSchema, parseSessionDuration, SESSION_LIMITS, type IdentityCenterConfig } from './schema.js';

/** The credential type this kind yields: an IAM Identity Center access token. */
export const SSO_TOKEN_CREDENTIALS = 'aws-sso-token';

export interface SsoTokenCredentials extends Credentials {
  type: typeof SSO_TOKEN_CREDENTIALS;
  /** The bearer token for the portal API (GetRoleCredentials, ListAccounts). A secret. */
  accessToken: string;
  expiration: Date;
  /** The region of IAM Identity Center: where the portal API is called. */
  region: string;
}

export function isSsoToken(value: Credentials | undefined): value is SsoTokenCredentials {
  return value?.type === SSO_TOKEN_CREDENTIALS && typeof value.accessToken === 'string' && typeof value.region === 'string';
}

/**
 * The implementation, for tests and for plugins that build on this kind; it imports the SDK only
 * when it signs in.
 */
export async function identityCenterImplementation(options: import('./identity-center.js').IdentityCenterOptions) {
  return (await import('./identity-center.js')).createIdentityCenterKind(options);
}

export default definePlugin({
  name: '@tfwrap/identity-aws-iam-identity-center',
  kinds: (tfwrap) => [
    defineIdentityKind({
      kind: 'aws/iam-identity-center',
      description: 'sign-in to an IAM Identity Center (SSO) portal: device flow, cached and refreshed, shared per portal',
      schema: identityCenterSchema,
      via: 'none',
      produces: [SSO_TOKEN_CREDENTIALS],
      // A person may have to open a browser and approve the sign-in; the device code itself
      // expires sooner (10 min at AWS), and a run without a terminal fails at once.
      timeoutMs: 15 * 60_000,
      load: async () => (await import('./identity-center.js')).createIdentityCenterKind({ cacheDir: tfwrap.paths.cacheDir }),
    }),
  ],
});
