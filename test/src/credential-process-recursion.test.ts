// A profile whose credential_process runs `tfwrap auth credential-process` for an aws/ambient
// identity while AWS_PROFILE names that same profile: tfwrap would start itself until the time
// limit. It stops at once, naming the profile (issue 10, problem 6).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTfwrap, tfwrapBin } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

describe('credential-process recursion guard', function () {
  this.timeout(60_000);

  function setup() {
    const repo = tempDir('tfwrap-recursion-');
    const config = join(repo, 'tfwrap.yaml');
    writeFileSync(config, 'auth:\n  identities:\n    deploy:\n      kind: aws/ambient\n      default: true\n');
    const env = hermeticEnv({ AWS_PROFILE: 'deploy', AWS_REGION: 'us-east-1', TFWRAP_AUTH_TIMEOUT: '30' });
    mkdirSync(join(env.HOME!, '.aws'), { recursive: true });
    writeFileSync(env.AWS_CONFIG_FILE!, `[profile deploy]\ncredential_process = ${process.execPath} ${tfwrapBin} auth credential-process -i deploy --config ${config}\n`);
    return { repo, env };
  }

  const oneLine = (stderr: string) => {
    const lines = stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, stderr);
    return lines[0]!;
  };

  it('auth credential-process, as the aws CLI would run it: one line naming the profile, exit 3', async () => {
    const { repo, env } = setup();
    const run = await runTfwrap(['auth', 'credential-process', '-i', 'deploy'], { env, cwd: repo });
    assert.equal(run.exitCode, 3, run.stderr);
    const line = oneLine(run.stderr);
    assert.match(line, /^tfwrap: error: .*profile "deploy" runs tfwrap for that same profile \(recursion\)/);
    assert.doesNotMatch(line, /gave up after|E_AUTH_TIMEOUT/);
    assert.equal(run.stdout, '');
  });

  it('a run with that identity stops the same way', async () => {
    const { repo, env } = setup();
    const run = await runTfwrap(['auth', 'exec', '--', 'true'], { env, cwd: repo });
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(oneLine(run.stderr), /profile "deploy" runs tfwrap for that same profile \(recursion\).*\[E_AUTH_FAILED\]$/);
  });

  it('the nested tfwrap itself says which profile it refused', async () => {
    const { repo, env } = setup();
    const run = await runTfwrap(['auth', 'credential-process', '-i', 'deploy'], { env: { ...env, TFWRAP_AWS_RESOLVING_PROFILES: 'deploy' }, cwd: repo });
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(oneLine(run.stderr), /AWS profile "deploy" resolves through tfwrap itself/);
  });
});
