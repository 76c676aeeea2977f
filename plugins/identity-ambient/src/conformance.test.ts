/** The conformance suite against the kinds tfwrap ships. */
import ambient from '@tfwrap/identity-ambient';
import awsAmbient from '@tfwrap/identity-aws-ambient';
import { runConformance } from './conformance.js';

runConformance({
  plugin: ambient,
  kind: 'ambient',
  validConfig: { description: 'whatever the environment holds' },
  invalidConfigs: {
    'default given as a string': { default: 'yes' },
    'a description that is not text': { description: 42 },
    'chaining via another identity': { via: { identity: 'other' } },
  },
  envRules: 'ambient',
});

const envCredentials = {
  AWS_ACCESS_KEY_ID: 'AKIAAMBIENTTEST00001',
  AWS_SECRET_ACCESS_KEY: 'ambient-test-secret-access-key-0000000000',
  AWS_SESSION_TOKEN: 'ambient-test-session-token-000000000000000',
  AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + 3600_000).toISOString(),
};

runConformance({
  plugin: awsAmbient,
  kind: 'aws/ambient',
  validConfig: { principal: { region: 'eu-west-1' } },
  invalidConfigs: {
    'a region that is not one': { principal: { region: 'Europe' } },
    'an unknown principal field': { principal: { role: 'arn:aws:iam::123456789012:role/x' } },
    'chaining via another identity': { via: { identity: 'other' } },
  },
  env: envCredentials,
  envRules: 'ambient',
  failure: { env: {} },
  secrets: [envCredentials.AWS_SECRET_ACCESS_KEY, envCredentials.AWS_SESSION_TOKEN],
});
