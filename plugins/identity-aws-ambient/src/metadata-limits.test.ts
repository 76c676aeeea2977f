import assert from 'node:assert/strict';
import { metadataServiceLimits } from './aws-ambient.js';

describe('aws/ambient: metadata endpoint limits', () => {
  it('are 1 s and 2 attempts, or what the AWS CLI variables say; other values are ignored', () => {
    assert.deepEqual(metadataServiceLimits({}), { timeout: 1000, maxRetries: 1 });
    assert.deepEqual(metadataServiceLimits({ AWS_METADATA_SERVICE_TIMEOUT: '2.5', AWS_METADATA_SERVICE_NUM_ATTEMPTS: '4' }), { timeout: 2500, maxRetries: 3 });
    assert.deepEqual(metadataServiceLimits({ AWS_METADATA_SERVICE_TIMEOUT: 'soon', AWS_METADATA_SERVICE_NUM_ATTEMPTS: '0' }), { timeout: 1000, maxRetries: 1 });
  });
});
