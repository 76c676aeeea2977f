// The plugin-kit conformance suite, run against this plugin's kind: `npx mocha test/*.test.js`.
import { fileURLToPath } from 'node:url';
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import plugin from '../index.js';

const helper = fileURLToPath(new URL('./fake-credentials.mjs', import.meta.url));

runConformance({
  plugin,
  kind: 'example/command',
  validConfig: { principal: { command: [process.execPath, helper], region: 'eu-west-1' } },
  invalidConfigs: {
    'a missing principal': {},
    'a command given as a string': { principal: { command: 'get-creds --role deploy' } },
    'an empty command': { principal: { command: [] } },
    'a misspelt field': { principal: { command: ['get-creds'], regoin: 'eu-west-1' } },
    'a bad region': { principal: { command: ['get-creds'], region: 'Europe' } },
  },
  envRules: 'managed',
  failure: { config: { principal: { command: [process.execPath, helper, '--fail'] } } },
  secrets: ['fake-command-secret-access-key-000000000', 'fake-command-session-token-0000000000000000'],
});

runConformance({
  plugin,
  kind: 'example/command',
  validConfig: { principal: { command: [process.execPath, helper] } },
  invalidConfigs: { 'chaining via another identity': { via: { identity: 'other' }, principal: { command: ['x'] } } },
  envRules: 'managed',
  // Output that is not JSON may hold a key: the error must not echo it.
  failure: { config: { principal: { command: [process.execPath, helper, '--garbage'] } } },
  secrets: ['not-json-secret-value-0000000000'],
});
