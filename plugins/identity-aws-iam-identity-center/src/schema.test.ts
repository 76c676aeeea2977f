import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { identityCenterSchema, parseSessionDuration } from './schema.js';
import { configuredEndpoint } from './endpoint.js';
import { TokenCache, normalizeStartUrl, portalKey, type CachedSignIn } from './token-cache.js';
import { hasTerminal } from './identity-center.js';

const issues = (principal: Record<string, unknown>) => {
  const r = v.safeParse(identityCenterSchema, { kind: 'aws/iam-identity-center', principal });
  return r.success ? [] : r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.')}: ${i.message}`);
};

describe('aws/iam-identity-center schema', () => {
  it('accepts a portal, its region and a session duration', () => {
    assert.deepEqual(issues({ start_url: 'https://my-org.awsapps.com/start', region: 'eu-west-1' }), []);
    assert.deepEqual(issues({ start_url: 'https://my-org.awsapps.com/start/#/', region: 'us-east-1', session_duration: '12h' }), []);
    assert.deepEqual(issues({ start_url: 'http://127.0.0.1:8080/start', region: 'us-east-1' }), []);
  });
  it('refuses what is not a portal URL, plain http off this machine, a missing region and unknown fields', () => {
    assert.match(issues({ start_url: 'my-org', region: 'us-east-1' }).join(), /principal.start_url: must be the portal URL/);
    assert.match(issues({ start_url: 'http://my-org.awsapps.com/start', region: 'us-east-1' }).join(), /must be an https:\/\/ URL/);
    assert.match(issues({ start_url: 'https://my-org.awsapps.com/start' }).join(), /principal.region: "region" is required: the region of IAM Identity Center/);
    assert.match(issues({ start_url: 'https://x.awsapps.com/start', region: 'Ireland' }).join(), /must be an AWS region/);
    assert.match(issues({ start_url: 'https://x.awsapps.com/start', region: 'us-east-1', sso_region: 'us-east-1' }).join(), /unknown field "sso_region": aws\/iam-identity-center takes start_url, region, session_duration/);
  });
  it('checks session_duration', () => {
    assert.equal(parseSessionDuration('12h'), 43200);
    assert.match(String(parseSessionDuration('5m')), /shorter than 15 minutes/);
    assert.match(String(parseSessionDuration('2200h')), /longer than the 90 days/);
    assert.match(issues({ start_url: 'https://x.awsapps.com/start', region: 'us-east-1', session_duration: 'a day' }).join(), /principal.session_duration: "a day" is not a duration/);
  });
});

describe('IAM Identity Center endpoints', () => {
  it('follows AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, like the SDK', () => {
    assert.equal(configuredEndpoint({}, 'SSO_OIDC'), undefined);
    assert.equal(configuredEndpoint({ AWS_ENDPOINT_URL: 'https://proxy.example.com' }, 'SSO'), 'https://proxy.example.com');
    assert.equal(configuredEndpoint({ AWS_ENDPOINT_URL: 'https://a.example.com', AWS_ENDPOINT_URL_SSO_OIDC: 'http://127.0.0.1:4000' }, 'SSO_OIDC'), 'http://127.0.0.1:4000');
    assert.equal(configuredEndpoint({ AWS_ENDPOINT_URL_SSO: 'https://b.example.com', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'SSO'), undefined);
  });
  it('sends tokens over plain http to this machine only', () => {
    assert.equal(configuredEndpoint({ AWS_ENDPOINT_URL_SSO: 'http://localhost:9' }, 'SSO'), 'http://localhost:9');
    assert.throws(() => configuredEndpoint({ AWS_ENDPOINT_URL_SSO: 'http://sso.example.com' }, 'SSO'), /AWS_ENDPOINT_URL_SSO=http:\/\/sso.example.com: IAM Identity Center tokens are sent only over https/);
    assert.throws(() => configuredEndpoint({ AWS_ENDPOINT_URL: 'not a url' }, 'SSO_OIDC'), /AWS_ENDPOINT_URL="not a url" is not a URL/);
  });
});

describe('IAM Identity Center sign-in cache', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tfwrap-sso-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const signIn = (over: Partial<CachedSignIn> = {}): Omit<CachedSignIn, 'version'> => ({
    startUrl: 'https://x.awsapps.com/start',
    region: 'us-east-1',
    registration: { clientId: 'client', clientSecret: 'client-secret', expiresAt: new Date(Date.now() + 86400_000).toISOString() },
    accessToken: 'access-token',
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    refreshToken: 'refresh-token',
    signedInAt: new Date().toISOString(),
    signInId: 'id-1',
    ...over,
  });

  it('is one file per portal: the same start URL written two ways shares it, another region does not', () => {
    assert.equal(normalizeStartUrl('https://x.awsapps.com/start/#/'), 'https://x.awsapps.com/start');
    assert.equal(portalKey('https://x.awsapps.com/start/', 'us-east-1'), portalKey('https://x.awsapps.com/start', 'us-east-1'));
    assert.notEqual(portalKey('https://x.awsapps.com/start', 'us-east-1'), portalKey('https://x.awsapps.com/start', 'eu-west-1'));
    assert.equal(new TokenCache(dir, 'https://x.awsapps.com/start/', 'us-east-1').file, new TokenCache(dir, 'https://x.awsapps.com/start', 'us-east-1').file);
  });

  it('writes 0600 in a 0700 directory and reads back; a damaged file reads as no sign-in', async () => {
    const cache = new TokenCache(dir, 'https://x.awsapps.com/start', 'us-east-1');
    assert.equal(await cache.read(), undefined);
    await cache.write(signIn());
    assert.equal(statSync(cache.file).mode & 0o777, 0o600);
    assert.equal(statSync(cache.dir).mode & 0o777, 0o700);
    assert.equal((await cache.read())?.accessToken, 'access-token');
    assert.equal(cache.readSync()?.signInId, 'id-1');
    writeFileSync(cache.file, '{"version":1,');
    assert.equal(await cache.read(), undefined);
    await cache.write(signIn({ accessToken: 'second' }));
    assert.equal(JSON.parse(readFileSync(cache.file, 'utf8')).accessToken, 'second');
    await cache.remove();
    assert.equal(cache.readSync(), undefined);
  });

  it('lets one process at a time into a portal', async () => {
    const cache = new TokenCache(dir, 'https://x.awsapps.com/start', 'us-east-1');
    const order: string[] = [];
    const waited: string[] = [];
    const work = (name: string) => async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 300));
      order.push(`${name} out`);
    };
    const options = (name: string) => ({ waitMs: 10_000, onWait: () => waited.push(name) });
    await Promise.all([cache.withLock(work('a'), options('a')), cache.withLock(work('b'), options('b'))]);
    // Whichever got the lock first, the other waited for it to finish: no interleaving.
    const [first, second] = order[0] === 'a in' ? ['a', 'b'] : ['b', 'a'];
    assert.deepEqual(order, [`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    assert.deepEqual(waited, [second]);
  });
});

describe('no terminal', () => {
  it('CI set means nobody can answer a sign-in', () => {
    assert.equal(hasTerminal({ CI: 'true' }), false);
    assert.equal(hasTerminal({ CI: '1' }), false);
  });
});
