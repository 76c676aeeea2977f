/** The plugin-kit conformance suite against `ambient`. */
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import ambient from './index.js';

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
