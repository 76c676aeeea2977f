// github/oidc end to end: a loopback server imitating GitHub's token endpoint, moto's STS (auth on)
// behind the counting proxy, and the aws CLI in the child. Issue 5.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REGION, sharedMoto } from './support/moto.js';
import { startStsProxy, type StsProxy } from './support/sts-proxy.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { runCommand, runTfwrap, type RunResult } from './support/cli.js';

const REQUEST_TOKEN = 'gha-request-token-0123456789abcdef';

const CONFIG = `
auth:
  identities:
    gha:
      kind: github/oidc
    deployer:
      kind: aws/assume-role
      via: { identity: gha }
      principal:
        assume_role: "arn:aws:iam::999999999999:role/TerraformDeployRole"
        region: us-east-1
    gha-custom:
      kind: github/oidc
      principal:
        audience: tfwrap-test-audience
    deployer-custom:
      kind: aws/assume-role
      via: { identity: gha-custom }
      principal:
        assume_role: "arn:aws:iam::999999999999:role/Hop1"
        region: us-east-1
`;

interface TokenEndpoint {
  url: string;
  /** Audience of each request that carried the right bearer token. */
  audiences: string[];
  refused: number;
  issued: string[];
  close(): Promise<void>;
}

/** GitHub's ID token endpoint, imitated: checks the bearer token and api-version, echoes the audience into a JWT. */
async function startTokenEndpoint(): Promise<TokenEndpoint> {
  const state = { audiences: [] as string[], refused: 0, issued: [] as string[] };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}` || url.searchParams.get('api-version') !== '2.0' || !url.searchParams.get('audience')) {
      state.refused++;
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"message":"Unauthorized"}');
      return;
    }
    const audience = url.searchParams.get('audience')!;
    state.audiences.push(audience);
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:acme/infra:ref:refs/heads/main', aud: audience, iat: now, exp: now + 600, jti: Math.random().toString(36).slice(2) })}.c2lnbmF0dXJl`;
    state.issued.push(token);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ count: 1, value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/_apis/distributedtask/hubs/Actions/plans/p/jobs/j/idtoken?api-version=2.0`,
    get audiences() {
      return state.audiences;
    },
    get refused() {
      return state.refused;
    },
    get issued() {
      return state.issued;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every file under `dir`, with its text. */
function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push([path, readFileSync(path, 'latin1')]);
    }
  };
  walk(dir);
  return out;
}

describe('github/oidc (e2e: fake GitHub token endpoint, moto with auth on)', function () {
  this.timeout(120_000);
  let proxy: StsProxy;
  let endpoint: TokenEndpoint;
  const outputs: string[] = [];

  before(async () => {
    const moto = await sharedMoto();
    proxy = await startStsProxy(moto.endpoint);
    endpoint = await startTokenEndpoint();
  });
  after(async () => {
    await proxy?.close();
    await endpoint?.close();
  });
  beforeEach(() => proxy.reset());

  /** A repository and a job's environment: GITHUB_ACTIONS and, unless `permission` is false, the token request variables. */
  function job(options: { actions?: boolean; permission?: boolean; extra?: Record<string, string> } = {}) {
    const { actions = true, permission = true } = options;
    const env = hermeticEnv({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_STS: proxy.endpoint,
      ...(actions ? { GITHUB_ACTIONS: 'true', CI: 'true' } : {}),
      ...(actions && permission ? { ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN } : {}),
      ...options.extra,
    });
    const repo = tempDir('tfwrap-repo-');
    writeFileSync(join(repo, 'tfwrap.yaml'), CONFIG);
    return { env, repo };
  }

  const tfwrap = async (args: string[], ctx: { env: Record<string, string>; repo: string }): Promise<RunResult> => {
    const r = await runTfwrap(args, { env: ctx.env, cwd: ctx.repo });
    outputs.push(r.stdout + '\n' + r.stderr);
    return r;
  };

  it('github/oidc -> aws/assume-role: the aws CLI in auth exec runs as the assumed role, through AssumeRoleWithWebIdentity', async () => {
    const ctx = job();
    const before = endpoint.issued.length;
    const r = await tfwrap(['auth', 'exec', '-i', 'deployer', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], ctx);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, /^arn:aws:sts::999999999999:assumed-role\/TerraformDeployRole\/deployer$/);
    assert.equal(endpoint.issued.length, before + 1, 'one token request');
    assert.equal(endpoint.audiences.at(-1), 'sts.amazonaws.com', 'the default audience');
    const exchanges = proxy.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity');
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.signed, false);
    assert.equal(exchanges[0]!.params.WebIdentityToken, endpoint.issued.at(-1), 'STS got the token the endpoint issued');
    assert.equal(exchanges[0]!.params.RoleArn, 'arn:aws:iam::999999999999:role/TerraformDeployRole');

    // Warm, in the same job: the role session is reused without asking for another token.
    proxy.reset();
    const warm = await tfwrap(['auth', 'whoami', '-i', 'deployer', '--json'], ctx);
    assert.equal(warm.exitCode, 0, warm.stderr);
    assert.deepEqual(proxy.counts(), { GetCallerIdentity: 1 });
    assert.equal(endpoint.issued.length, before + 1, 'no second token request');
    const chain = (JSON.parse(warm.stdout) as { chain: Array<{ identity: string; kind: string }> }).chain;
    assert.deepEqual(chain.map((s) => `${s.identity}:${s.kind}`), ['gha:github/oidc', 'deployer:aws/assume-role']);

    // principal.audience reaches the endpoint.
    const custom = await tfwrap(['auth', 'exec', '-i', 'deployer-custom', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], ctx);
    assert.equal(custom.exitCode, 0, custom.stderr);
    assert.match(custom.stdout, /assumed-role\/Hop1\/deployer-custom/);
    assert.equal(endpoint.audiences.at(-1), 'tfwrap-test-audience');
    assert.equal(endpoint.refused, 0);

    // The token is never written: not in the session cache, the managed files, or anywhere else of this job.
    const root = dirname(ctx.env.HOME!);
    for (const token of endpoint.issued) {
      for (const [file, text] of [...filesUnder(root), ...filesUnder(ctx.repo)]) {
        assert.ok(!text.includes(token), `the OIDC token was written to ${file}`);
        assert.ok(!text.includes(REQUEST_TOKEN), `the request token was written to ${file}`);
      }
    }
  });

  it('auth env --format github: variables to $GITHUB_ENV, the session keys masked, nothing secret in the file', async () => {
    const ctx = job({ extra: { AWS_ACCESS_KEY_ID: 'AKIAPARENTKEY0000001', AWS_SECRET_ACCESS_KEY: 'parent-secret-access-key-000000000000' } });
    const githubEnv = join(ctx.env.HOME!, 'github_env');
    writeFileSync(githubEnv, '');
    ctx.env.GITHUB_ENV = githubEnv;
    const r = await tfwrap(['auth', 'env', '-i', 'deployer', '--format', 'github'], ctx);
    assert.equal(r.exitCode, 0, r.stderr);
    const written = readFileSync(githubEnv, 'utf8');
    const vars = Object.fromEntries(written.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    assert.equal(vars.AWS_PROFILE, 'deployer');
    const credentialsText = readFileSync(vars.AWS_SHARED_CREDENTIALS_FILE!, 'utf8');
    const secret = /aws_secret_access_key = (\S+)/.exec(credentialsText)![1]!;
    const session = /aws_session_token = (\S+)/.exec(credentialsText)![1]!;
    // stdout is the job log: only mask commands, one per secret value of the session.
    assert.deepEqual(r.stdout.trim().split('\n').sort(), [`::add-mask::${secret}`, `::add-mask::${session}`].sort());
    assert.ok(!written.includes(secret) && !written.includes(session));
    assert.match(r.stderr, /wrote \d+ variables to \$GITHUB_ENV/);
    assert.match(r.stderr, /\$GITHUB_ENV cannot remove variables; later steps still see AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
    for (const token of endpoint.issued) assert.ok(!written.includes(token) && !r.stdout.includes(token) && !r.stderr.includes(token));

    // A later step with those variables (as the runner would set them) is the role.
    const later = { ...ctx.env, ...vars };
    delete later.AWS_ACCESS_KEY_ID;
    delete later.AWS_SECRET_ACCESS_KEY;
    const gci = await runCommand('aws', ['sts', 'get-caller-identity', '--output', 'json'], { env: later, cwd: ctx.repo });
    assert.equal(gci.exitCode, 0, gci.stderr);
    assert.match(gci.stdout, /assumed-role\/TerraformDeployRole\/deployer/);

    // Without $GITHUB_ENV the variables go to stdout, and no mask command is mixed into them.
    delete ctx.env.GITHUB_ENV;
    const plain = await tfwrap(['auth', 'env', '-i', 'deployer', '--format', 'github'], ctx);
    assert.equal(plain.exitCode, 0, plain.stderr);
    assert.match(plain.stdout, /^AWS_PROFILE=deployer$/m);
    assert.ok(!plain.stdout.includes('::add-mask::'));
  });

  it('outside GitHub Actions: one line saying where it works, exit 3, no STS call', async () => {
    const r = await tfwrap(['auth', 'exec', '-i', 'deployer', '--', 'aws', 'sts', 'get-caller-identity'], job({ actions: false }));
    assert.equal(r.exitCode, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tfwrap: error: identity "gha" \(step 1 of gha -> deployer\): not running in GitHub Actions \(GITHUB_ACTIONS is not set\).*Hint: .*permissions: id-token: write/);
    assert.equal(proxy.count(), 0);
  });

  it('in a job without id-token: write: one line saying what to add', async () => {
    const r = await tfwrap(['auth', 'whoami', '-i', 'deployer'], job({ permission: false }));
    assert.equal(r.exitCode, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /identity "gha".*this GitHub Actions job may not request an OIDC token \(ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN not set\).*Hint: add "permissions: \{ id-token: write, contents: read \}"/);
    assert.equal(proxy.count(), 0);
  });

  it('a request token the endpoint refuses: one line, the token not shown', async () => {
    const ctx = job({ extra: { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'a-stale-request-token-from-another-job' } });
    const refusedBefore = endpoint.refused;
    const r = await tfwrap(['auth', 'whoami', '-i', 'deployer'], ctx);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /identity "gha".*refused the request \(HTTP 401\)/);
    assert.ok(!r.stderr.includes('a-stale-request-token-from-another-job'));
    assert.equal(endpoint.refused, refusedBefore + 1);
  });

  it('no output of any run holds a token', () => {
    const tokens = [REQUEST_TOKEN, ...endpoint.issued];
    assert.ok(endpoint.issued.length >= 2);
    for (const text of outputs) for (const token of tokens) assert.ok(!text.includes(token), 'a token reached the output');
  });
});
