import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { TfwrapError } from '@tfwrap/core';
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import plugin, { credentialProcessSchema } from './index.js';
import { commandSpec, parseProcessOutput, runCommand, safeStderrLine } from './credential-process.js';

const SECRET = 'cp-test-secret-access-key-0123456789abcdef';
const TOKEN = 'cp-test-session-token-0123456789abcdefghijkl';
const output = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: 1, AccessKeyId: 'ASIACPTEST0000000001', SecretAccessKey: SECRET, SessionToken: TOKEN, Expiration: new Date(Date.now() + 3600_000).toISOString(), ...extra });

/** A helper that behaves as told by its first argument. */
const HELPER = `
const mode = process.argv[2] ?? 'ok';
if (mode === 'ok') process.stdout.write(${JSON.stringify(output())});
if (mode === 'garbage') process.stdout.write('AccessKeyId=AKIA... SecretAccessKey=${SECRET}');
if (mode === 'fail') { process.stderr.write('loading profile\\nerror: no session for profile dev, token ${TOKEN}\\n'); process.exit(4); }
if (mode === 'hang') setTimeout(() => {}, 60000);
if (mode === 'env') process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'AKIAENV0000000000001', SecretAccessKey: process.env.CP_TEST_SECRET }));
`;

const dir = mkdtempSync(join(tmpdir(), 'tfwrap-cp-test-'));
writeFileSync(join(dir, 'helper.cjs'), HELPER);
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (command: string | string[], timeoutSeconds = 20, env: Record<string, string> = { PATH: process.env.PATH ?? '' }) =>
  runCommand(commandSpec(command, dir), { cwd: dir, env, signal: new AbortController().signal, timeoutSeconds });

describe('aws/credential-process schema', () => {
  const issues = (principal: Record<string, unknown>) => {
    const r = v.safeParse(credentialProcessSchema, { kind: 'aws/credential-process', principal });
    return r.success ? [] : r.issues.map((i) => i.message);
  };
  it('takes a command line or a list, a region and a timeout', () => {
    assert.deepEqual(issues({ command: 'aws-vault export --format=json dev' }), []);
    assert.deepEqual(issues({ command: ['granted', 'credential-process', '--profile', 'dev'], region: 'eu-west-1', timeout: '2m' }), []);
  });
  it('rejects empty commands, bad timeouts and unknown fields', () => {
    assert.match(issues({ command: [] }).join(), /command must not be an empty list/);
    assert.match(issues({ command: '  ' }).join(), /command must not be empty/);
    assert.match(issues({ command: 42 }).join(), /command must be a command line .* or a list \[program, arg, \.\.\.\]/);
    assert.match(issues({ command: 'x', timeout: '1h' }).join(), /between 1s and 10m/);
    assert.match(issues({ command: 'x', regoin: 'eu-west-1' }).join(), /unknown field "regoin": aws\/credential-process takes command, region, timeout/);
    assert.match(issues({}).join(), /"command" is required/);
  });
});

describe('aws/credential-process output and command', () => {
  it('parses the credential_process JSON', () => {
    const creds = parseProcessOutput(output(), 'tool', 'eu-west-1');
    assert.equal(creds.type, 'aws');
    assert.equal(creds.accessKeyId, 'ASIACPTEST0000000001');
    assert.equal(creds.sessionToken, TOKEN);
    assert.equal(creds.region, 'eu-west-1');
    assert.ok(creds.expiration! > new Date());
    const longTerm = parseProcessOutput(JSON.stringify({ Version: 1, AccessKeyId: 'AKIALONGTERM00000001', SecretAccessKey: SECRET }), 'tool');
    assert.equal(longTerm.expiration, undefined);
    assert.equal(longTerm.sessionToken, undefined);
  });

  it('says what is wrong with bad output, never what it was', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /did not print a credential_process JSON object \(its output was empty\)/],
      [`SecretAccessKey=${SECRET}`, /did not print a credential_process JSON object \(\d+ bytes of output, not shown\)/],
      [`[${JSON.stringify(SECRET)}]`, /did not print a credential_process JSON object/],
      [output({ Version: 2 }), /printed Version 2; credential_process output must be Version 1/],
      [output({ AccessKeyId: undefined }), /printed JSON without AccessKeyId/],
      [output({ Expiration: 'tomorrow' }), /Expiration that is not an ISO 8601 date/],
      [output({ Expiration: '2001-01-01T00:00:00Z' }), /printed credentials that expired at 2001-01-01T00:00:00.000Z/],
    ];
    for (const [stdout, pattern] of cases) {
      assert.throws(() => parseProcessOutput(stdout, 'tool'), (err: TfwrapError) => {
        const text = err.format();
        assert.match(text, pattern);
        assert.ok(!text.includes(SECRET) && !text.includes(TOKEN) && !text.includes('\n'), text);
        return true;
      });
    }
  });

  it('names the program only; a list runs without a shell, relative to the configuration', () => {
    assert.equal(commandSpec('TOKEN="a b" granted credential-process', '/cfg').label, 'granted');
    assert.deepEqual(commandSpec('AWS_VAULT_PASS=hunter2 aws-vault export --format=json dev', '/cfg'), { file: 'AWS_VAULT_PASS=hunter2 aws-vault export --format=json dev', args: [], shell: true, label: 'aws-vault' });
    assert.deepEqual(commandSpec(['./bin/creds', '--token', 'x'], '/cfg'), { file: '/cfg/bin/creds', args: ['--token', 'x'], shell: false, label: './bin/creds' });
    assert.deepEqual(commandSpec(['granted'], '/cfg').file, 'granted');
    assert.equal(commandSpec('"/opt/my tools/creds" --profile dev', '/cfg').label, '/opt/my tools/creds');
    assert.equal(commandSpec("'/usr/bin/node' creds.js", '/cfg').label, '/usr/bin/node');
  });

  it('masks key-like words in the stderr line it shows', () => {
    assert.equal(safeStderrLine(`a\nerror: token ${TOKEN} refused\n`), 'error: token *** refused');
    assert.equal(safeStderrLine('\x1b[31merror:\x1b[0m profile dev not found\n'), 'error: profile dev not found');
    assert.equal(safeStderrLine(''), undefined);
  });

  it('runs a list directly and a string through the shell, with the parent environment', async () => {
    assert.equal(JSON.parse(await run([process.execPath, 'helper.cjs'])).SecretAccessKey, SECRET);
    const viaShell = await run(`"${process.execPath}" helper.cjs env`, 20, { PATH: process.env.PATH ?? '', CP_TEST_SECRET: 'from-the-parent' });
    assert.equal(JSON.parse(viaShell).SecretAccessKey, 'from-the-parent');
  });

  it('a failing command: its status and the last stderr line, masked', async () => {
    await assert.rejects(run([process.execPath, 'helper.cjs', 'fail']), (err: TfwrapError) => {
      assert.match(err.format(), /^credential_process command .*node exited with status 4: error: no session for profile dev, token \*\*\*\. Hint: run the command by hand/);
      assert.ok(!err.format().includes(TOKEN));
      return true;
    });
  });

  it('a missing program, and a command that never ends', async () => {
    await assert.rejects(run(['./no-such-tool']), /credential_process command \.\/no-such-tool was not found/);
    await assert.rejects(run([process.execPath, 'helper.cjs', 'hang'], 1), (err: TfwrapError) => {
      assert.equal(err.code, 'E_AUTH_TIMEOUT');
      assert.match(err.format(), /did not finish within 1 s\. Hint: .*principal.timeout/);
      return true;
    });
  });
});

runConformance({
  plugin,
  kind: 'aws/credential-process',
  validConfig: { principal: { command: [process.execPath, join(dir, 'helper.cjs')], region: 'eu-west-1' } },
  invalidConfigs: {
    'a command that is a number': { principal: { command: 42 } },
    'no command': { principal: { region: 'eu-west-1' } },
    'a misspelt field': { principal: { command: 'x', regoin: 'eu-west-1' } },
    'chaining via another identity': { via: { identity: 'other' }, principal: { command: 'x' } },
  },
  envRules: 'managed',
  failure: { config: { principal: { command: [process.execPath, join(dir, 'helper.cjs'), 'garbage'] } } },
  secrets: [SECRET, TOKEN],
});
