// Two processes that need the same portal sign-in at once start one device flow, not two: the
// second waits on the portal's lock and then uses what the first wrote. Here two authentications
// of the aws/iam-identity-center implementation run concurrently against the fake IAM Identity
// Center, as a person at a terminal would have them (the lock is a file lock, so this is the same
// path two processes take).
import assert from 'node:assert/strict';
import { createLogger, Redactor, type AuthenticateContext, type IdentityKindImplementation } from '@tfwrap/core';
import { identityCenterImplementation } from '@tfwrap/identity-aws-iam-identity-center';
import { startFakeSso, type FakeSso } from './support/fake-sso.js';
import { tempDir } from './support/env.js';

describe('aws/iam-identity-center: one sign-in at a time per portal', function () {
  this.timeout(60_000);
  let sso: FakeSso;
  before(async () => {
    // No role credentials are asked for here, so moto is not needed.
    sso = await startFakeSso({ moto: { endpoint: 'http://127.0.0.1:1', admin: { accessKeyId: 'unused', secretAccessKey: 'unused' } } });
  });
  after(() => sso?.close());

  const lines: string[] = [];
  const ctx = (identity: string, start_url: string): AuthenticateContext => ({
    identity,
    config: { kind: 'aws/iam-identity-center', principal: { start_url, region: 'us-east-1' } },
    parentEnv: { AWS_ENDPOINT_URL_SSO_OIDC: sso.endpoint },
    signal: new AbortController().signal,
    fresh: false,
    log: createLogger({ redactor: new Redactor(), write: (line) => lines.push(line) }),
    secret: () => undefined,
  });

  it('two identities on one portal, authenticating together, share one device authorization', async () => {
    const kind: IdentityKindImplementation = await identityCenterImplementation({ cacheDir: tempDir('tfwrap-sso-'), interactive: () => true });
    const before = sso.count('StartDeviceAuthorization');
    const first = kind.authenticate(ctx('portal', 'https://single.awsapps.com/start'));
    const second = kind.authenticate(ctx('same-portal', 'https://single.awsapps.com/start/'));
    const device = await sso.nextDeviceAuthorization();
    sso.approve(device.userCode);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(sso.count('StartDeviceAuthorization') - before, 1, 'one sign-in');
    assert.equal(a?.type, 'aws-sso-token');
    assert.equal(a?.accessToken, b?.accessToken, 'the second used the first one\'s sign-in');
    assert.ok(lines.some((line) => line.includes(device.userCode)), 'the code was shown');
    assert.ok(lines.some((line) => /waiting for another tfwrap process that is signing in/.test(line)), lines.join('\n'));

    // And a third, later, reads the cache: no call at all.
    const calls = sso.count('CreateToken:device_code') + sso.count('CreateToken:refresh_token') + sso.count('StartDeviceAuthorization');
    const c = await kind.authenticate(ctx('later', 'https://single.awsapps.com/start'));
    assert.equal(c?.accessToken, a?.accessToken);
    assert.equal(sso.count('CreateToken:device_code') + sso.count('CreateToken:refresh_token') + sso.count('StartDeviceAuthorization'), calls);
  });
});
