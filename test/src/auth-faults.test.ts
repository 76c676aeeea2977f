// Faults between tfwrap and STS (issue 10, fault suite): a loopback proxy in front of moto answers
// GetSessionToken with throttling, a server error, a body that is not XML, an answer slower than
// the time limit, or a reset connection. Each run ends in one line, exit 3, no secret; the proxy
// counts the requests, so the SDK's retries show (three attempts where it retries, one where not).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGION, sharedMoto, type Moto } from './support/moto.js';
import { startStsProxy, type StsFault, type StsProxy } from './support/sts-proxy.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runTfwrap } from './support/cli.js';

const CONFIG = `
auth:
  identities:
    me:
      kind: aws/user
      credentials: { access_key_id_env: TEAM_AWS_KEY_ID, secret_access_key_env: TEAM_AWS_SECRET }
      principal: { region: us-east-1 }
`;

describe('auth fault suite (e2e, STS fault proxy)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let proxy: StsProxy;

  before(async () => {
    moto = await sharedMoto();
    proxy = await startStsProxy(moto.endpoint);
  });
  after(() => proxy?.close());
  beforeEach(() => proxy.reset());

  async function signIn(fault: StsFault, timeLimit?: string) {
    proxy.injectFault(fault, { action: 'GetSessionToken', times: 10 });
    const env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_STS: proxy.endpoint,
      TEAM_AWS_KEY_ID: moto.admin.accessKeyId,
      TEAM_AWS_SECRET: moto.admin.secretAccessKey,
      ...(timeLimit ? { TFWRAP_AUTH_TIMEOUT: timeLimit } : {}),
    });
    const repo = tempDir('tfwrap-faults-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    const run = await runTfwrap(['auth', 'exec', '-i', 'me', '--', 'true'], { env, cwd: repo });
    assert.equal(run.exitCode, 3, run.stderr);
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^tfwrap: error: identity "me".*\[E_AUTH_(FAILED|TIMEOUT)\]$/);
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(moto.admin.secretAccessKey), 'no secret');
    return { line: lines[0]!, requests: proxy.count('GetSessionToken') };
  }

  it('400 Throttling: retried by the SDK, then one line naming the error', async () => {
    const { line, requests } = await signIn('throttling');
    assert.match(line, /Throttling/);
    assert.equal(requests, 3);
  });

  it('500 InternalFailure: retried by the SDK, then one line', async () => {
    const { line, requests } = await signIn('serverError');
    assert.match(line, /InternalFailure|HTTP 500/);
    assert.equal(requests, 3);
  });

  it('a reset connection: retried by the SDK, then one line saying STS cannot be reached', async () => {
    const { line, requests } = await signIn('reset');
    assert.match(line, /cannot reach STS|ECONNRESET|socket hang up/i);
    assert.equal(requests, 3);
  });

  it('a body that is not XML: one line, no retry', async () => {
    const { requests } = await signIn('malformed');
    assert.equal(requests, 1);
  });

  it('an answer slower than the time limit: one line saying so', async () => {
    const { line } = await signIn({ delayMs: 20_000 }, '3');
    assert.match(line, /gave up after 3 s.*\[E_AUTH_TIMEOUT\]$/);
  });
});
