// The plugin-kit conformance suite against aws/assume-role. It needs STS, so it lives with the e2e
// tests: moto (request auth on) is started before the suite is declared.
import awsAmbient from '@tfwrap/identity-aws-ambient';
import awsAssumeRole from '@tfwrap/identity-aws-assume-role';
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import { ACCOUNTS, REGION, roleArn, sharedMoto } from './support/moto.js';

const moto = await sharedMoto();

runConformance({
  plugin: awsAssumeRole,
  kind: 'aws/assume-role',
  validConfig: { via: { identity: 'base' }, principal: { assume_role: roleArn(ACCOUNTS.state, 'TerraformDeployRole'), region: REGION } },
  invalidConfigs: {
    'a role ARN that is not one': { via: { identity: 'base' }, principal: { assume_role: 'TerraformDeployRole' } },
    'a duration over 12 hours': { via: { identity: 'base' }, principal: { assume_role: roleArn(ACCOUNTS.state, 'Hop1'), duration: '13h' } },
    'an unknown principal field': { via: { identity: 'base' }, principal: { assume_role: roleArn(ACCOUNTS.state, 'Hop1'), role: 'x' } },
    'no via identity': { principal: { assume_role: roleArn(ACCOUNTS.state, 'Hop1') } },
  },
  sources: { base: { kind: 'aws/ambient', principal: { region: REGION } } },
  plugins: [awsAmbient],
  env: { AWS_ACCESS_KEY_ID: moto.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey, AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true' },
  envRules: 'managed',
  failure: { env: { AWS_ACCESS_KEY_ID: moto.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123456789abcdef', AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true' } },
  secrets: [moto.admin.secretAccessKey, 'not-the-secret-0123456789abcdef'],
});
