/**
 * Kind `aws/ambient`: credentials from the AWS SDK default chain (environment, shared files and
 * AWS_PROFILE, IRSA web identity, ECS container endpoint, EC2 instance metadata), returned so that
 * other identities can chain from them. The child's environment is the parent's with only
 * `principal.region` applied: nothing cleared, IMDS not disabled, no file written.
 */
import { AWS_CREDENTIALS, regionSchema } from '@tfwrap/aws';
import { defineIdentityKind, definePlugin, identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

export const awsAmbientSchema = identitySchema({
  kind: 'aws/ambient',
  principalOptional: true,
  principal: v.strictObject({ region: v.optional(regionSchema()) }, 'aws/ambient takes only principal.region'),
});

export type AwsAmbientConfig = v.InferOutput<typeof awsAmbientSchema>;

export const awsAmbientKind = defineIdentityKind({
  kind: 'aws/ambient',
  description: 'AWS SDK default credential chain (env, shared files, IRSA, ECS, EC2 IMDS)',
  schema: awsAmbientSchema,
  via: 'none',
  produces: [AWS_CREDENTIALS],
  load: async () => (await import('./aws-ambient.js')).awsAmbient,
});

export default definePlugin({ name: '@tfwrap/identity-aws-ambient', kinds: [awsAmbientKind] });
