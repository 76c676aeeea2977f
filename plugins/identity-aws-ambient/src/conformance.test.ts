/** The plugin-kit conformance suite against `aws/ambient`, with keys from the environment. */
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import awsAmbient from './index.js';

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
