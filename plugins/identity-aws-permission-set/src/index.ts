/**
 * Kind `aws/permission-set`: AWS credentials for an IAM Identity Center permission set in one
 * account (sso:GetRoleCredentials), from the sign-in of the `aws/iam-identity-center` identity
 * named in `via.identity`. The account is given by id, or by name (found with ListAccounts). Its
 * sessions are cached per chain step; it chains into `aws/assume-role`; its child gets the managed
 * environment (docs/identities/aws-iam-identity-center.md).
 *
 * This module is light: the schema and the registration; the SDK loads on first use.
 */
import { AWS_CREDENTIALS } from '@tfwrap/aws';
import { defineIdentityKind, definePlugin } from '@tfwrap/plugin-kit';
import { SSO_TOKEN_CREDENTIALS } from '@tfwrap/identity-aws-iam-identity-center';
import { permissionSetSchema } from './schema.js';

export { permissionSetSchema, type PermissionSetConfig } from './schema.js';

export const permissionSetKind = defineIdentityKind({
  kind: 'aws/permission-set',
  description: 'AWS credentials for an IAM Identity Center permission set in an account (by id or name)',
  schema: permissionSetSchema,
  via: 'required',
  accepts: [SSO_TOKEN_CREDENTIALS],
  produces: [AWS_CREDENTIALS],
  cache: true,
  // ListAccounts pages and GetRoleCredentials; each request times out sooner.
  timeoutMs: 60_000,
  load: async () => (await import('./permission-set.js')).permissionSet,
});

export default definePlugin({ name: '@tfwrap/identity-aws-permission-set', kinds: [permissionSetKind] });
