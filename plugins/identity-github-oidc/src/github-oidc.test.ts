import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { TfwrapError } from '@tfwrap/core';
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import plugin, { githubOidcSchema } from './index.js';
import { fetchIdToken, githubOidc, jwtClaims, jwtExpiration, requestTarget } from './github-oidc.js';

const REQUEST_TOKEN = 'request-token-for-the-job-0123456789';

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.signature-${Math.random().toString(36).slice(2)}`;
}

/** GitHub's token endpoint, imitated: checks the bearer token, answers the audience in the claims. */
async function startTokenEndpoint() {
  const seen: Array<{ audience: string | null; authorization: string | undefined }> = [];
  const plan: number[] = []; // statuses to answer before succeeding
  const issued: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push({ audience: url.searchParams.get('audience'), authorization: req.headers.authorization });
    const status = plan.shift();
    if (status) {
      res.writeHead(status).end('{"message":"planned failure"}');
      return;
    }
    if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}` || url.searchParams.get('api-version') !== '2.0') {
      res.writeHead(401).end();
      return;
    }
    const token = jwt({ sub: 'repo:acme/infra:ref:refs/heads/main', aud: url.searchParams.get('audience'), exp: Math.floor(Date.now() / 1000) + 300 });
    issued.push(token);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/_apis/idtoken?api-version=2.0`,
    seen,
    plan,
    issued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const endpoint = await startTokenEndpoint();
after(() => endpoint.close());

const actionsEnv = () => ({ GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });

describe('github/oidc schema', () => {
  const issues = (entry: Record<string, unknown>) => {
    const r = v.safeParse(githubOidcSchema, { kind: 'github/oidc', ...entry });
    return r.success ? [] : r.issues.map((i) => i.message);
  };
  it('accepts no principal, or an audience', () => {
    assert.deepEqual(issues({}), []);
    assert.deepEqual(issues({ principal: { audience: 'sts.amazonaws.com' } }), []);
  });
  it('rejects unknown fields and empty audiences', () => {
    assert.match(issues({ principal: { audiance: 'x' } }).join(), /unknown field "audiance": github\/oidc takes only principal.audience/);
    assert.match(issues({ principal: { audience: '' } }).join(), /must not be empty/);
  });
});

describe('github/oidc token request', () => {
  beforeEach(() => {
    endpoint.seen.length = 0;
    endpoint.plan.length = 0;
  });

  it('outside GitHub Actions: one error saying where it works', () => {
    assert.throws(() => requestTarget({}, 'sts.amazonaws.com'), (err: TfwrapError) => {
      assert.match(err.format(), /^not running in GitHub Actions \(GITHUB_ACTIONS is not set\).*Hint: .*permissions: id-token: write/);
      return true;
    });
  });

  it('in Actions without id-token: write: one error saying what to add', () => {
    assert.throws(() => requestTarget({ GITHUB_ACTIONS: 'true' }, 'sts.amazonaws.com'), (err: TfwrapError) => {
      assert.match(err.format(), /may not request an OIDC token \(ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN not set\)\. Hint: add "permissions: \{ id-token: write, contents: read \}"/);
      assert.ok(!err.format().includes('\n'));
      return true;
    });
  });

  it('requires https except on loopback', () => {
    const env = (url: string) => ({ GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });
    assert.throws(() => requestTarget(env('http://tokens.example.com/x?api-version=2.0'), 'a'), /must be an https URL \(got http:\/\/tokens.example.com\)/);
    for (const ok of ['https://pipelines.actions.githubusercontent.com/x/idtoken?api-version=2.0', 'http://127.0.0.1:8080/x', 'http://localhost:1/x', 'http://[::1]:1/x']) {
      const { url } = requestTarget(env(ok), 'my aud');
      assert.equal(url.searchParams.get('audience'), 'my aud');
    }
    const kept = requestTarget(env('https://h/x?api-version=2.0'), 'sts.amazonaws.com').url;
    assert.equal(kept.search, '?api-version=2.0&audience=sts.amazonaws.com');
  });

  it('sends the bearer token and the audience; reads the expiry from the token', async () => {
    const { url, bearer } = requestTarget(actionsEnv(), 'sts.amazonaws.com');
    const token = await fetchIdToken(url, bearer, new AbortController().signal);
    assert.deepEqual(endpoint.seen, [{ audience: 'sts.amazonaws.com', authorization: `Bearer ${REQUEST_TOKEN}` }]);
    assert.equal(jwtClaims(token)?.aud, 'sts.amazonaws.com');
    const expiration = jwtExpiration(token)!;
    assert.ok(expiration.getTime() > Date.now());
    assert.equal(jwtExpiration('not-a-jwt'), undefined);
  });

  it('retries a 503, and stops at a refusal with one line', async () => {
    const { url, bearer } = requestTarget(actionsEnv(), 'sts.amazonaws.com');
    endpoint.plan.push(503);
    assert.ok(await fetchIdToken(url, bearer, new AbortController().signal));
    assert.equal(endpoint.seen.length, 2);
    endpoint.plan.push(403);
    await assert.rejects(fetchIdToken(url, bearer, new AbortController().signal), (err: TfwrapError) => {
      assert.match(err.format(), /refused the request \(HTTP 403\)\. Hint: .*id-token: write/);
      assert.ok(!err.format().includes(REQUEST_TOKEN));
      return true;
    });
    endpoint.plan.push(500, 500, 500);
    await assert.rejects(fetchIdToken(url, bearer, new AbortController().signal), /answered HTTP 500 \(3 attempts\)/);
  });

  it('a wrong request token is refused', async () => {
    const { url } = requestTarget(actionsEnv(), 'sts.amazonaws.com');
    await assert.rejects(fetchIdToken(url, 'wrong-request-token', new AbortController().signal), /HTTP 401/);
  });

  it('fingerprints the job offline, by digest, and whoami reads the subject', async () => {
    const config = { kind: 'github/oidc' };
    const fp = githubOidc.sourceFingerprint!({ identity: 'gha', config, parentEnv: actionsEnv() });
    assert.match(fp!, /^[0-9a-f]{64}$/);
    assert.equal(githubOidc.sourceFingerprint!({ identity: 'gha', config, parentEnv: {} }), undefined);
    const other = githubOidc.sourceFingerprint!({ identity: 'gha', config: { kind: 'github/oidc', principal: { audience: 'x' } }, parentEnv: actionsEnv() });
    assert.notEqual(fp, other);
    const who = await githubOidc.whoami!({ type: 'web-identity', token: jwt({ sub: 'repo:acme/infra:environment:prod' }) }, { identity: 'gha', config, parentEnv: {}, signal: new AbortController().signal });
    assert.deepEqual(who, { userId: 'repo:acme/infra:environment:prod' });
  });
});

runConformance({
  plugin,
  kind: 'github/oidc',
  validConfig: { principal: { audience: 'sts.amazonaws.com' } },
  invalidConfigs: {
    'a misspelt field': { principal: { audiance: 'sts.amazonaws.com' } },
    'an audience that is not text': { principal: { audience: 42 } },
    'chaining via another identity': { via: { identity: 'other' } },
  },
  env: actionsEnv(),
  envRules: 'ambient',
  failure: { env: { GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-request-token-0000' } },
});
