/**
 * Kind `aws/ambient`: credentials from the AWS SDK default chain (environment, shared files and
 * AWS_PROFILE, IRSA web identity, ECS container endpoint, EC2 instance metadata), returned so that
 * other identities can chain from them. The child's environment is the parent's with only
 * `principal.region` applied: nothing cleared, IMDS not disabled, no file written.
 */
import type { TfwrapPlugin } from '@tfwrap/core';
import { AWS_CREDENTIALS } from '@tfwrap/aws';
import * as v from 'valibot';

export const awsAmbientSchema = v.looseObject({
  kind: v.literal('aws/ambient'),
  default: v.optional(v.boolean()),
  description: v.optional(v.string()),
  principal: v.optional(
    v.strictObject(
      { region: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'))) },
      'aws/ambient takes only principal.region',
    ),
  ),
});

const plugin: TfwrapPlugin = {
  name: '@tfwrap/identity-aws-ambient',
  apiVersion: 1,
  apply(tfwrap) {
    tfwrap.identityKinds.register({
      kind: 'aws/ambient',
      description: 'AWS SDK default credential chain (env, shared files, IRSA, ECS, EC2 IMDS)',
      schema: awsAmbientSchema,
      via: 'none',
      produces: [AWS_CREDENTIALS],
      load: async () => (await import('./aws-ambient.js')).awsAmbient,
    });
  },
};

export default plugin;
