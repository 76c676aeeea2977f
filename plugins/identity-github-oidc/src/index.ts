/**
 * Kind `github/oidc`: inside a GitHub Actions job, an OIDC ID token from the job's token endpoint
 * (`ACTIONS_ID_TOKEN_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`), yielded as `web-identity`
 * credentials for the next step: an `aws/assume-role` via it calls AssumeRoleWithWebIdentity.
 * The token lives in memory only: the kind is not cached, and its child gets the parent's
 * environment unchanged (docs/identities/github-oidc.md). This module is light: schema and
 * registration; the code that fetches the token loads on first use.
 */
import { WEB_IDENTITY_CREDENTIALS } from '@tfwrap/aws';
import { defineIdentityKind, definePlugin, identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

/** The audience AWS STS expects unless the IAM OIDC provider was set up with another. */
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

export const githubOidcSchema = identitySchema({
  kind: 'github/oidc',
  principalOptional: true,
  principal: v.strictObject(
    {
      audience: v.optional(
        v.pipe(
          v.string('audience must be text, such as sts.amazonaws.com'),
          v.minLength(1, 'audience must not be empty'),
          v.maxLength(256, 'audience is at most 256 characters'),
          v.regex(/^\S+$/, 'audience must not contain spaces'),
        ),
      ),
    },
    (issue) => `unknown field ${String(issue.received)}: github/oidc takes only principal.audience`,
  ),
});

export type GithubOidcConfig = v.InferOutput<typeof githubOidcSchema>;

export const githubOidcKind = defineIdentityKind({
  kind: 'github/oidc',
  description: 'GitHub Actions OIDC token (needs permissions: id-token: write) for aws/assume-role',
  schema: githubOidcSchema,
  via: 'none',
  produces: [WEB_IDENTITY_CREDENTIALS],
  // Never cached: the token is not written anywhere. The endpoint answers in well under a second.
  timeoutMs: 20_000,
  load: async () => (await import('./github-oidc.js')).githubOidc,
});

export default definePlugin({ name: '@tfwrap/identity-github-oidc', kinds: [githubOidcKind] });
