import assert from 'node:assert/strict';
import * as v from 'valibot';
import { parseUserDuration, userSchema } from './schema.js';
import { getSessionTokenError, maskKeyId } from './user.js';

const issues = (entry: Record<string, unknown>) => {
  const r = v.safeParse(userSchema, { kind: 'aws/user', ...entry });
  return r.success ? [] : r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.')}: ${i.message}`);
};

describe('aws/user schema', () => {
  it('accepts keys from the environment, from the key store, and every principal field', () => {
    assert.deepEqual(issues({ credentials: { access_key_id_env: 'ALICE_KEY', secret_access_key_env: 'ALICE_SECRET' }, principal: { mfa_serial: 'arn:aws:iam::123456789012:mfa/alice', duration: '12h', region: 'eu-west-1' } }), []);
    assert.deepEqual(issues({}), []);
    assert.deepEqual(issues({ credentials: { keyring: 'file', entry: 'alice@acme' }, default: true, description: 'me' }), []);
  });

  it('refuses keys written in the configuration, pointing at the alternatives', () => {
    assert.match(issues({ credentials: { access_key_id: 'AKIAEXAMPLEEXAMPLE00' } }).join(), /credentials.access_key_id: keys are never written in the configuration; name environment variables/);
    assert.match(issues({ credentials: { secret_access_key: 'x' } }).join(), /keys are never written in the configuration/);
    assert.match(issues({ aws_secret_access_key: 'x' }).join(), /aws_secret_access_key: keys are never written/);
  });

  it('wants both variable names or neither, and not both sources', () => {
    assert.match(issues({ credentials: { access_key_id_env: 'A' } }).join(), /give both access_key_id_env and secret_access_key_env, or neither/);
    assert.match(issues({ credentials: { access_key_id_env: 'A', secret_access_key_env: 'B', keyring: 'file' } }).join(), /not both/);
    assert.match(issues({ credentials: { access_key_id_env: 'not a name', secret_access_key_env: 'B' } }).join(), /must be an environment variable name/);
    assert.match(issues({ credentials: { keyring: 'vault' } }).join(), /keyring must be one of system, file, memory/);
  });

  it('checks principal fields and takes no via', () => {
    assert.match(issues({ via: { identity: 'x' } }).join(), /takes no via/);
    assert.match(issues({ principal: { role: 'x' } }).join(), /unknown field role: aws\/user takes principal.mfa_serial, duration, region/);
    assert.match(issues({ principal: { region: 'Europe' } }).join(), /must be an AWS region/);
    assert.match(issues({ principal: { mfa_serial: 'x' } }).join(), /MFA device/);
  });

  it('holds durations to the limits of sts:GetSessionToken (15 minutes to 36 hours)', () => {
    assert.equal(parseUserDuration('15m'), 900);
    assert.equal(parseUserDuration('36h'), 129_600);
    assert.equal(parseUserDuration(3600), 3600);
    assert.match(String(parseUserDuration('14m')), /shorter than the 15 minutes/);
    assert.match(String(parseUserDuration('36h1s')), /longer than the 36 hours/);
    assert.match(issues({ principal: { duration: 'soon' } }).join(), /principal.duration: "soon" is not a duration/);
    assert.match(issues({ principal: { duration: '40h' } }).join(), /principal.duration: 40h is longer than the 36 hours/);
  });
});

describe('aws/user STS error messages', () => {
  const err = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });
  const base = { keyId: 'AKIAEXAMPLEEXAMPLE42', from: '$ALICE_KEY', identity: 'alice', env: {}, envKeys: true };

  it('says a wrong MFA code is the problem when one was sent', () => {
    const e = getSessionTokenError(err('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.'), { ...base, mfaSerial: 'arn:aws:iam::123456789012:mfa/alice' });
    assert.match(e.format(), /^sts:GetSessionToken refused the MFA code for arn:aws:iam::123456789012:mfa\/alice: AccessDenied: MultiFactorAuthentication failed.*Hint: use the current code from the MFA device/);
    assert.ok(!e.format().includes('\n'));
  });

  it('names the refused key by a masked id and says how to fix it', () => {
    const e = getSessionTokenError(err('InvalidClientTokenId', 'The security token included in the request is invalid.'), { ...base, envKeys: false });
    assert.match(e.message, /STS refused the access key AKIA…LE42 from \$ALICE_KEY/);
    assert.ok(!e.format().includes('AKIAEXAMPLEEXAMPLE42'));
    assert.match(e.hint!, /tfwrap auth user configure -i alice/);
    assert.equal(maskKeyId('AKIAEXAMPLEEXAMPLE42'), 'AKIA…LE42');
  });

  it('tells an unreachable STS from a refusal', () => {
    const e = getSessionTokenError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), { ...base, env: { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1' } });
    assert.match(e.message, /cannot reach STS at http:\/\/127.0.0.1:1/);
  });
});
