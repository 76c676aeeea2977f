// Suite-wide secret canary (issue 10): one canary value planted in every secret-bearing input
// (aws/user key variables, a credential command's output, a token file, the key store, a -var),
// then every byte tfwrap writes is searched for it: stdout, stderr (--debug on), the audit log, and
// every file under the project and tfwrap's directories except the 0600 credential files in
// tfwrap's own config and cache directories (managed profiles, stored keys, sessions).
import assert from 'node:assert/strict';
import { chmodSync, cpSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, runTfwrap, type RunResult } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

const CANARY = 'CANARYz9q8w7e6r5t4y3u2i1o0';

function* filesUnder(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) yield* filesUnder(path);
    else if (stat?.isFile()) yield path;
  }
}

describe('secret canary', function () {
  this.timeout(240_000);

  it('no byte tfwrap writes holds the canary, whatever input carried it', async () => {
    const repo = tempDir('tfwrap-canary-');
    cpSync(join(repoRoot, 'examples/quickstart'), repo, { recursive: true });
    // A sensitive variable: terraform itself shows "(sensitive value)", so what is searched is tfwrap's.
    writeFileSync(join(repo, 'components/terraform/network/secret.tf'), 'variable "db_password" {\n  type      = string\n  sensitive = true\n}\nresource "terraform_data" "password" { input = var.db_password }\n');
    const tokenFile = join(tempDir('tfwrap-canary-token-'), 'token');
    writeFileSync(tokenFile, `eyJhbGciOi.${CANARY}.sig`);
    const printer = join(repo, 'print-keys.sh');
    writeFileSync(printer, `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"${CANARY}-process","SessionToken":"${CANARY}-token"}'\n`);
    chmodSync(printer, 0o755);
    writeFileSync(join(repo, 'tfwrap.yaml'), `${readFileSync(join(repo, 'tfwrap.yaml'), 'utf8')}
    env-user:
      kind: aws/user
      credentials: { access_key_id_env: TEAM_AWS_KEY_ID, secret_access_key_env: TEAM_AWS_SECRET }
    stored-user:
      kind: aws/user
    from-command:
      kind: aws/credential-process
      principal: { command: ./print-keys.sh, region: us-east-1 }
    irsa:
      kind: aws/ambient
audit: { file: .tfwrap/audit.log }
`);
    const env = hermeticEnv({
      TEAM_AWS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      TEAM_AWS_SECRET: `${CANARY}-env`,
      TFWRAP_KEYRING: 'file',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
      AWS_REGION: 'us-east-1',
      // Nothing answers here: the runs that need STS fail, and their errors are searched too.
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
      TFWRAP_AUTH_TIMEOUT: '20',
    });
    const runs: Array<{ what: string; result: RunResult }> = [];
    const tfwrap = async (what: string, args: string[], input?: string) => {
      runs.push({ what, result: await runTfwrap([...args, '--debug'], { env, cwd: repo, timeout: 120_000, ...(input === undefined ? {} : { input }) }) });
    };

    await tfwrap('store keys', ['auth', 'user', 'configure', '-i', 'stored-user'], `AKIAIOSFODNN7EXAMPLE\n${CANARY}-store\n`);
    await tfwrap('stored keys', ['auth', 'exec', '-i', 'stored-user', '--', 'true']);
    await tfwrap('env keys', ['auth', 'exec', '-i', 'env-user', '--', 'true']);
    await tfwrap('credential command', ['auth', 'exec', '-i', 'from-command', '--', 'true']);
    await tfwrap('credential command env', ['auth', 'env', '-i', 'from-command']);
    await tfwrap('token file', ['auth', 'whoami', '-i', 'irsa']);
    await tfwrap('-var', ['plan', 'dev', 'network', '-var', `db_password=${CANARY}-var`]);
    assert.ok(runs.some((r) => r.result.exitCode === 0), 'some runs succeed');

    for (const { what, result } of runs) {
      assert.ok(!result.stdout.includes(CANARY), `${what}: stdout holds the canary:\n${result.stdout}`);
      assert.ok(!result.stderr.includes(CANARY), `${what}: stderr holds the canary:\n${result.stderr}`);
    }
    const credentialDirs = [join(env.XDG_CONFIG_HOME!, 'tfwrap'), join(env.XDG_CACHE_HOME!, 'tfwrap')];
    const searched: string[] = [];
    for (const root of [repo, env.HOME!, env.XDG_CONFIG_HOME!, env.XDG_CACHE_HOME!]) {
      for (const file of filesUnder(root)) {
        if (file === tokenFile || file === printer) continue;
        const isCredentialFile = credentialDirs.some((dir) => !relative(dir, file).startsWith('..')) && (statSync(file).mode & 0o777) === 0o600;
        if (isCredentialFile) continue;
        searched.push(file);
        assert.ok(!readFileSync(file).includes(CANARY), `${file} holds the canary`);
      }
    }
    assert.ok(searched.some((file) => file.endsWith('audit.log')), `the audit log was written and searched: ${searched.join(', ')}`);
  });
});
