/**
 * Kind `aws/assume-role`: sts:AssumeRole (or AssumeRoleWithWebIdentity when the source yields a
 * web-identity token) from the identity named in `via.identity`. Its sessions are cached per
 * chain step, and its child gets the managed environment (docs/identities/aws-assume-role.md).
 * This module is light: the schema and the registration; the STS code loads on first use.
 */
import { AWS_CREDENTIALS, WEB_IDENTITY_CREDENTIALS } from '@tfwrap/aws';
import { defineIdentityKind, definePlugin } from '@tfwrap/plugin-kit';
import { assumeRoleSchema, chainedDurationProblem } from './schema.js';

export { assumeRoleSchema, defaultSessionName, parseAssumeRoleDuration, STS_LIMITS, type AssumeRoleConfig } from './schema.js';

export const assumeRoleKind = defineIdentityKind({
  kind: 'aws/assume-role',
  description: 'sts:AssumeRole from another identity (chains, cached sessions, refreshed for long runs)',
  schema: assumeRoleSchema,
  via: 'required',
  accepts: [AWS_CREDENTIALS, WEB_IDENTITY_CREDENTIALS],
  produces: [AWS_CREDENTIALS],
  cache: true,
  // Room for an MFA prompt; STS calls themselves time out sooner (AWS_REQUEST_TIMEOUT_MS).
  timeoutMs: 60_000,
  checkChain: chainedDurationProblem,
  load: async () => (await import('./assume-role.js')).assumeRole,
});

export default definePlugin({ name: '@tfwrap/identity-aws-assume-role', kinds: [assumeRoleKind] });
