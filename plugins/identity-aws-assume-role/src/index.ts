/**
 * Kind `aws/assume-role`: sts:AssumeRole (or AssumeRoleWithWebIdentity when the source yields a
 * web-identity token) from the identity named in `via.identity`. Its sessions are cached per
 * chain step, and its child gets the managed environment (docs/identities/aws-assume-role.md).
 * This module is light: the schema and the registration; the STS code loads on first use.
 */
import type { TfwrapPlugin } from '@tfwrap/core';
import { AWS_CREDENTIALS } from '@tfwrap/aws';
import { assumeRoleSchema, chainedDurationProblem } from './schema.js';

export { assumeRoleSchema, defaultSessionName, parseAssumeRoleDuration, STS_LIMITS } from './schema.js';

/** Credentials carrying an OIDC token rather than keys (a later `github/oidc` kind yields them). */
export const WEB_IDENTITY_CREDENTIALS = 'web-identity';

const plugin: TfwrapPlugin = {
  name: '@tfwrap/identity-aws-assume-role',
  apiVersion: 1,
  apply(tfwrap) {
    tfwrap.identityKinds.register({
      kind: 'aws/assume-role',
      description: 'sts:AssumeRole from another identity (chains, cached sessions, refreshed for long runs)',
      schema: assumeRoleSchema,
      via: 'required',
      accepts: [AWS_CREDENTIALS, WEB_IDENTITY_CREDENTIALS],
      produces: [AWS_CREDENTIALS],
      cache: true,
      // Room for an MFA prompt; STS calls themselves time out sooner (see assume-role.ts).
      timeoutMs: 60_000,
      checkChain: chainedDurationProblem,
      load: async () => (await import('./assume-role.js')).assumeRole,
    });
  },
};

export default plugin;
