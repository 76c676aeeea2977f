import assert from 'node:assert/strict';
import { TfwrapError } from '@tfwrap/core';
import { parameterName, parseSsmStoreOptions, plainParameterName } from './options.js';

describe('aws-ssm-parameter-store: options and parameter names (Atmos pkg/store/providers/keys.go)', () => {
  it('splits the stack on stack_delimiter and the component on /, under the prefix', () => {
    const options = parseSsmStoreOptions({ prefix: '/app', region: 'us-east-1' });
    assert.equal(parameterName(options, 'plat-ue2-prod', 'vpc', 'vpc_id'), '/app/plat/ue2/prod/vpc/vpc_id');
    assert.equal(parameterName(options, 'plat-ue2-prod', 'infra/vpc', 'vpc_id'), '/app/plat/ue2/prod/infra/vpc/vpc_id');
    assert.equal(parameterName(parseSsmStoreOptions({ prefix: '/app/', stack_delimiter: '_' }), 'a_b-c', 'x', 'k'), '/app/a/b-c/x/k');
    assert.equal(parameterName(parseSsmStoreOptions({}), 'dev', 'vpc', 'id'), '/dev/vpc/id');
    assert.equal(parameterName(parseSsmStoreOptions({ prefix: 'app' }), 'dev', 'vpc', 'id'), '/app/dev/vpc/id');
    assert.equal(plainParameterName(options, 'shared/region'), '/app/shared/region');
    assert.equal(plainParameterName(parseSsmStoreOptions({}), 'region'), '/region');
  });

  it('refuses an option it does not know, and a non-string value', () => {
    assert.throws(() => parseSsmStoreOptions({ regoin: 'x' }), (err: TfwrapError) => err.code === 'E_CONFIG_INVALID' && /unknown option "regoin"/.test(err.message));
    assert.throws(() => parseSsmStoreOptions({ region: 3 }), /options.region must be a non-empty string/);
  });
});
