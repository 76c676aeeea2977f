// No secret in any message tfwrap prints (issue 10, problem 4): the SDK's reasons for a failed
// aws/ambient resolution are summarised, not echoed (they hold a credential_process command line
// and its stderr); --debug shows terraform's arguments with -var values masked; aws/user's key
// variables reach no child, whichever identity runs it.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runTfwrap } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

const CANARY = 'CANARYc4n4ry0123456789abcdef';

describe('secrets at the edge', function () {
  this.timeout(120_000);

  it("a failing profile credential_process: one line naming the profile, neither its command line nor its stderr", async () => {
    const repo = tempDir('tfwrap-edge-');
    writeFileSync(join(repo, 'tfwrap.yaml'), 'auth:\n  identities:\n    amb:\n      kind: aws/ambient\n');
    const env = hermeticEnv({ AWS_PROFILE: 'ops', AWS_REGION: 'us-east-1' });
    mkdirSync(join(env.HOME!, '.aws'), { recursive: true });
    writeFileSync(env.AWS_CONFIG_FILE!, `[profile ops]\ncredential_process = sh -c 'echo "token ${CANARY}-stderr refused" >&2; exit 1' --token=${CANARY}-argv\n`);
    const run = await runTfwrap(['auth', 'whoami', '-i', 'amb'], { env, cwd: repo });
    assert.equal(run.exitCode, 3, run.stderr);
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /the credential_process of profile "ops" failed/);
    assert.ok(!run.stderr.includes(CANARY) && !run.stdout.includes(CANARY), run.stderr);
  });

  it('--debug shows terraform arguments with -var values masked', async () => {
    const dir = tempDir('tfwrap-edge-tf-');
    cpSync(join(repoRoot, 'examples/quickstart'), dir, { recursive: true });
    const run = await runTfwrap(['plan', 'dev', 'network', '--debug', '-var', `cidr=${CANARY}`, `-var=stage=${CANARY}`], { env: hermeticEnv(), cwd: dir, timeout: 100_000 });
    const debug = run.stderr.split('\n').filter((line) => line.startsWith('tfwrap debug:'));
    assert.ok(debug.some((line) => line.includes('-var cidr=*** -var=stage=***')), run.stderr);
    for (const line of debug) assert.ok(!line.includes(CANARY), line);
  });

  it("aws/user's key variables reach no child: not another identity's, not a run without identity", async () => {
    const repo = tempDir('tfwrap-edge-user-');
    writeFileSync(join(repo, 'tfwrap.yaml'), `auth:
  identities:
    me:
      kind: aws/user
      credentials: { access_key_id_env: TEAM_AWS_KEY_ID, secret_access_key_env: TEAM_AWS_SECRET }
    plain:
      kind: ambient
      default: true
`);
    const env = hermeticEnv({ TEAM_AWS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', TEAM_AWS_SECRET: CANARY });
    for (const identity of [['-i', 'plain'], ['-i', 'false']]) {
      const run = await runTfwrap(['auth', 'exec', ...identity, '--', 'env'], { env, cwd: repo });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /TEAM_AWS_(KEY_ID|SECRET)=/);
      assert.ok(!run.stdout.includes(CANARY));
    }
  });
});
