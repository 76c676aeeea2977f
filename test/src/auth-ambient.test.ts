// Issue 2 end to end: the ambient kinds against moto (request authentication on), the real aws CLI,
// and loopback ECS/IMDS endpoints.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, runTfwrap, tfwrapBin } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { startBlackHole, startEcsCredentialsServer, startImdsServer } from './support/fake-endpoints.js';
import { ACCOUNTS, REGION, roleArn, sharedMoto, type Moto } from './support/moto.js';

const config = `
auth:
  identities:
    passthrough:
      kind: ambient
    pod-base:
      kind: aws/ambient
      default: true
      principal:
        region: ${REGION}
`;

function project(yaml = config): string {
  const dir = tempDir('tfwrap-ambient-');
  writeFileSync(join(dir, 'tfwrap.yaml'), yaml);
  return dir;
}

/** An IRSA pod: a projected token file and the role to exchange it for. */
function irsaEnv(moto: Moto): Record<string, string> {
  const tokenFile = join(tempDir('tfwrap-irsa-'), 'token');
  writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.irsa-test-token.signature');
  return hermeticEnv({
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_ARN: roleArn(ACCOUNTS.irsa, 'irsa'),
    AWS_ROLE_SESSION_NAME: 'pod-session',
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_REGION: REGION,
  });
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('identities: ambient and aws/ambient (e2e)', function () {
  this.timeout(60_000);
  let moto: Moto;
  before(async () => {
    moto = await sharedMoto();
  });

  it('IRSA: whoami reports the web-identity role, and the aws CLI in auth exec sees the same principal', async () => {
    const cwd = project();
    const env = irsaEnv(moto);
    const whoami = await runTfwrap(['auth', 'whoami', '-i', 'pod-base', '--json'], { env, cwd });
    assert.equal(whoami.exitCode, 0, whoami.stderr);
    const out = JSON.parse(whoami.stdout);
    assert.equal(out.identity, 'pod-base');
    assert.equal(out.kind, 'aws/ambient');
    assert.equal(out.account, ACCOUNTS.irsa);
    assert.match(out.arn, new RegExp(`^arn:aws:sts::${ACCOUNTS.irsa}:assumed-role/irsa/pod-session$`));
    assert.ok(out.expiration && Date.parse(out.expiration) > Date.now(), 'web identity credentials expire');

    const exec = await runTfwrap(['auth', 'exec', '-i', 'pod-base', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], { env, cwd });
    assert.equal(exec.exitCode, 0, exec.stderr);
    assert.equal(JSON.parse(exec.stdout).Arn, out.arn);
  });

  it('EC2 instance metadata (loopback endpoint) resolves credentials that moto accepts', async () => {
    const imds = await startImdsServer({ moto });
    try {
      // The AWS CLI's limits, which aws/ambient honours: 1 s and 2 attempts is too little for a
      // test server on a machine that stalls processes for a second at times.
      const env = hermeticEnv({ AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_METADATA_SERVICE_TIMEOUT: '10', AWS_METADATA_SERVICE_NUM_ATTEMPTS: '3' });
      const result = await runTfwrap(['auth', 'whoami', '-i', 'pod-base', '--json'], { env, cwd: project() });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(JSON.parse(result.stdout).arn, /^arn:aws:sts::\d{12}:assumed-role\/instance\//);
    } finally {
      await imds.close();
    }
  });

  it('ECS container credentials (full URI + token) resolve credentials that moto accepts', async () => {
    const ecs = await startEcsCredentialsServer({ moto });
    try {
      const env = hermeticEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: ecs.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: ecs.token, AWS_ENDPOINT_URL_STS: moto.endpoint });
      const result = await runTfwrap(['auth', 'whoami', '-i', 'pod-base', '--json'], { env, cwd: project() });
      assert.equal(result.exitCode, 0, result.stderr);
      const out = JSON.parse(result.stdout);
      assert.equal(out.account, ACCOUNTS.ecs);
      assert.match(out.arn, /:assumed-role\/ecs-task\//);
    } finally {
      await ecs.close();
    }
  });

  it("aws/ambient hands the child the parent's environment with only the region applied", async () => {
    const env = hermeticEnv({ AWS_ACCESS_KEY_ID: moto.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey, AWS_REGION: 'eu-west-1', AWS_PROFILE_UNRELATED: 'kept' });
    const result = await runTfwrap(['auth', 'exec', '-i', 'pod-base', '--', process.execPath, '-e', 'console.log(JSON.stringify(process.env))'], { env, cwd: project() });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { ...env, AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION });
    const printed = await runTfwrap(['auth', 'env', '-i', 'pod-base', '--format', 'json'], { env, cwd: project() });
    assert.deepEqual(JSON.parse(printed.stdout), { AWS_DEFAULT_REGION: REGION, AWS_REGION: REGION });
  });

  it("ambient: the child's environment equals the parent's exactly", async () => {
    const env = hermeticEnv({ AWS_ACCESS_KEY_ID: 'AKIAPASSTHROUGH0001', AWS_SECRET_ACCESS_KEY: 'passthrough-secret-value', AWS_EC2_METADATA_DISABLED: undefined, SOMETHING: 'x y z' });
    const result = await runTfwrap(['auth', 'exec', '-i', 'passthrough', '--', process.execPath, '-e', 'console.log(JSON.stringify(process.env))'], { env, cwd: project() });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), env);
    const printed = await runTfwrap(['auth', 'env', '-i', 'passthrough'], { env, cwd: project() });
    assert.equal(printed.stdout, '', 'a pass-through identity sets nothing');
  });

  it('no source available: one clear line naming every source tried, exit 3', async () => {
    const result = await runTfwrap(['auth', 'whoami', '-i', 'pod-base'], { env: hermeticEnv({ AWS_EC2_METADATA_DISABLED: undefined }), cwd: project(), timeout: 20_000 });
    assert.equal(result.exitCode, 3);
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /^tfwrap: error: identity "pod-base": no AWS credentials found in the environment\./);
    for (const source of ['environment variables', 'shared config files', 'web identity token', 'EC2 instance metadata \\(IMDS\\): skipped, not on EC2']) {
      assert.match(result.stderr, new RegExp(source));
    }
    assert.match(result.stderr, /\[E_AUTH_FAILED\]$/m);
  });

  it('an ECS endpoint that never answers ends in a time-limit error instead of a hang', async () => {
    const hole = await startBlackHole();
    try {
      const env = hermeticEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${hole.url}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'x', TFWRAP_AUTH_TIMEOUT: '1' });
      const result = await runTfwrap(['auth', 'whoami', '-i', 'pod-base'], { env, cwd: project(), timeout: 20_000 });
      assert.equal(result.timedOut, false);
      assert.equal(result.exitCode, 3);
      assert.match(result.stderr, /identity "pod-base": gave up after 1 s without an answer.*\[E_AUTH_TIMEOUT\]/);
    } finally {
      await hole.close();
    }
  });

  it('never prints a secret, --debug included', async () => {
    const env = hermeticEnv({ AWS_ACCESS_KEY_ID: moto.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey, AWS_ENDPOINT_URL_STS: moto.endpoint });
    const ok = await runTfwrap(['auth', 'whoami', '-i', 'pod-base', '--json', '--debug'], { env, cwd: project() });
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.match(ok.stderr, /tfwrap debug: authenticate pod-base \(aws\/ambient\): [\d.]+ ms/);
    const wrong = { ...env, AWS_SECRET_ACCESS_KEY: 'wrong-secret-0123456789abcdefghijkl' };
    const refused = await runTfwrap(['auth', 'whoami', '-i', 'pod-base', '--debug'], { env: wrong, cwd: project() });
    assert.equal(refused.exitCode, 3);
    for (const output of [ok.stdout, ok.stderr, refused.stdout, refused.stderr]) {
      assert.ok(!output.includes(moto.admin.secretAccessKey), 'secret key printed');
      assert.ok(!output.includes('wrong-secret-0123456789abcdefghijkl'), 'secret key printed');
    }
  });

  it('passes the exit code through and forwards SIGTERM to the child once', async () => {
    const cwd = project();
    const env = hermeticEnv();
    const code = await runTfwrap(['auth', 'exec', '-i', 'passthrough', '--', 'sh', '-c', 'exit 42'], { env, cwd });
    assert.equal(code.exitCode, 42);
    const marker = join(cwd, 'got-signal');
    const script = `let n=0;process.on('SIGTERM',()=>{n++;require('fs').writeFileSync(${JSON.stringify(marker)},String(n));setTimeout(()=>process.exit(0),200)});console.log('ready');setInterval(()=>{},1000)`;
    const child = spawn(process.execPath, [tfwrapBin, 'auth', 'exec', '-i', 'passthrough', '--', process.execPath, '-e', script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM');
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(exitCode, 143, 'SIGTERM ends the run with 128 + 15 (docs/errors.md)');
    assert.equal(readFileSync(marker, 'utf8'), '1', 'the child got SIGTERM exactly once');
  });

  it('does not import the AWS SDK for an ambient run or for auth validate', async () => {
    const cwd = project();
    const trace = join(cwd, 'imports.log');
    const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url.replace('/dist/', '/src/')));
    const env = hermeticEnv({ TFWRAP_TRACE_IMPORTS: trace, AWS_ACCESS_KEY_ID: moto.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey, AWS_ENDPOINT_URL_STS: moto.endpoint });
    const run = (...args: string[]) => runCommand(process.execPath, ['--import', tracer, tfwrapBin, ...args], { env, cwd });
    const sdkImports = () => (existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter((s) => s.includes('@aws-sdk')) : []);

    assert.equal((await run('auth', 'exec', '-i', 'passthrough', '--', 'true')).exitCode, 0);
    assert.equal((await run('auth', 'validate')).exitCode, 0);
    assert.deepEqual(sdkImports(), []);
    // The tracer does see the SDK when an AWS identity runs, so the check above can fail.
    assert.equal((await run('auth', 'whoami', '-i', 'pod-base')).exitCode, 0);
    assert.ok(sdkImports().length > 0);
  });

  it('auth validate: exit 0 when valid, 1 listing every problem with file and line', async () => {
    const good = await runTfwrap(['auth', 'validate'], { env: hermeticEnv(), cwd: project() });
    assert.equal(good.exitCode, 0, good.stderr);
    assert.match(good.stdout, /auth configuration is valid: 2 identities/);
    const bad = project(`auth:
  identities:
    a:
      kind: aws/ambeint
    b:
      kind: aws/ambient
      via: { identity: a }
    c:
      kind: aws/ambient
      principal: { region: us-east-1, role: nope }
`);
    const result = await runTfwrap(['auth', 'validate'], { env: hermeticEnv(), cwd: bad });
    assert.equal(result.exitCode, 1);
    const problems = lines(result.stderr);
    assert.equal(problems.length, 4, result.stderr);
    assert.match(problems[0]!, /tfwrap\.yaml:4:\d+: identity "a" has unknown kind "aws\/ambeint" \(known kinds: .*ambient.*\).*did you mean "aws\/ambient"/);
    assert.match(problems[1]!, /tfwrap\.yaml:7:\d+: unknown field "via" in identity "b" \(plugin @tfwrap\/identity-aws-ambient\)\. Hint: aws\/ambient takes default, description, principal/);
    assert.match(problems[2]!, /tfwrap\.yaml:10:\d+: unknown field "role" in identity "c" principal \(plugin @tfwrap\/identity-aws-ambient\)\. Hint: aws\/ambient principal takes region/);
    assert.equal(problems[3], 'tfwrap: 3 problems found');
  });

  it('a misspelt field is named with the nearest one, its file and line, once', async () => {
    const typo = project(`auth:
  identities:
    base:
      kind: aws/ambient
    deploy:
      kind: aws/assume-role
      via: { identity: base }
      principle: { assume_role: arn:aws:iam::123456789012:role/deploy }
`);
    const validate = await runTfwrap(['auth', 'validate'], { env: hermeticEnv(), cwd: typo });
    assert.equal(validate.exitCode, 1, validate.stderr);
    const problems = lines(validate.stderr);
    assert.equal(problems.length, 2, validate.stderr);
    assert.equal(
      problems[0]!.replace(typo, '.'),
      'tfwrap: ./tfwrap.yaml:8:7: unknown field "principle" in identity "deploy" (did you mean "principal"?) (plugin @tfwrap/identity-aws-assume-role). Hint: aws/assume-role takes default, description, via, principal [E_IDENTITY_INVALID]',
    );
    assert.equal(problems[1], 'tfwrap: 1 problem found');
    const run = await runTfwrap(['auth', 'exec', '-i', 'deploy', '--', 'true'], { env: hermeticEnv(), cwd: typo });
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(run.stderr, /^tfwrap: error: \S*tfwrap\.yaml:8:7: unknown field "principle" in identity "deploy" \(did you mean "principal"\?\)/);
  });

  it('auth list shows identities, kinds and chains; unknown identities and none selected exit 2', async () => {
    const cwd = project();
    const env = hermeticEnv();
    const list = await runTfwrap(['auth', 'list', '--json'], { env, cwd });
    assert.deepEqual(JSON.parse(list.stdout).map((r: { identity: string; kind: string; chain: string[] }) => [r.identity, r.kind, r.chain]), [
      ['passthrough', 'ambient', ['passthrough']],
      ['pod-base', 'aws/ambient', ['pod-base']],
    ]);
    const unknown = await runTfwrap(['auth', 'exec', '-i', 'pod-bse', '--', 'true'], { env, cwd });
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /identity "pod-bse" is not defined\. Hint: did you mean "pod-base"\?/);
    const none = await runTfwrap(['auth', 'exec', '--', 'true'], { env, cwd: project('auth:\n  identities:\n    a: { kind: ambient }\n') });
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /no identity selected\. Hint: pass -i <identity>, set TFWRAP_IDENTITY, or mark one identity default: true/);
    const disabled = await runTfwrap(['auth', 'exec', '-i', 'false', '--', 'sh', '-c', 'exit 5'], { env, cwd });
    assert.equal(disabled.exitCode, 5);
  });
});
