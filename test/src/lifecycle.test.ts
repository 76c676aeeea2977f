// One run lifecycle (issue 9): output that reaches a slow pipe whole, interrupts that stop a run
// while the identity is still being resolved, a second interrupt that leaves no orphan, and
// plugins that see every command and every child. Real processes throughout: the built CLI, real
// terraform (or a stand-in named terraform on PATH), sh, sleep, pgrep.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, runCommand, runTfwrap, tfwrapBin } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { SIMPLE_COMPONENT, fixtureProject, recordingTerraform } from './support/terraform.js';

const node = process.execPath;
const sh = (script: string, env: Record<string, string>, cwd: string) => runCommand('bash', ['-c', script], { env, cwd, timeout: 240_000 });
const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
const tfwrapCmd = `${quote(node)} ${quote(tfwrapBin)}`;

/** Credentials in credential_process form; nothing here calls AWS. */
const FAKE_CREDS = JSON.stringify({ Version: 1, AccessKeyId: 'AKIAFAKEFAKEFAKE0001', SecretAccessKey: 'fake-secret-0123456789abcdefghijklmnop', SessionToken: 'fake-session-token-0123456789abcdef', Expiration: new Date(Date.now() + 6 * 3600_000).toISOString() });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pids of processes whose command line contains `text` (pgrep -f). */
function pgrep(text: string): number[] {
  const result = spawnSync('pgrep', ['-f', text], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

async function until(what: string, check: () => boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Terraform prints these only when taking or releasing the state lock takes longer than 400 ms
 * (its slowmessage threshold): on a loaded machine one of two identical runs may print one.
 */
const SLOW_LOCK_MESSAGE = /^(Acquiring|Releasing) state lock\. This may take a few moments\.\.\.\n/gm;

/** The piped output equals the file's (but for terraform's slow-lock messages); on failure, the first line where they part. */
function assertSameBytes(pipedBytes: Buffer, fileBytes: Buffer): void {
  const piped = Buffer.from(pipedBytes.toString('utf8').replace(SLOW_LOCK_MESSAGE, ''));
  const file = Buffer.from(fileBytes.toString('utf8').replace(SLOW_LOCK_MESSAGE, ''));
  if (piped.equals(file)) return;
  const a = piped.toString('utf8').split('\n');
  const b = file.toString('utf8').split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  assert.fail(`piped ${piped.length} bytes, file ${file.length}; first difference at line ${line + 1}:\n  piped: ${JSON.stringify(a[line])}\n  file:  ${JSON.stringify(b[line])}`);
}

/** tfwrap in a process group of its own (so that a test can signal the whole group). */
function startTfwrap(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(node, [tfwrapBin, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** The stacks package's generator of large repositories (packages/stacks/src/bench-fixture.ts). */
function benchFixture(): Promise<{ generateRepo(dir: string, options: { stacks: number; componentsPerStack: number; importLevels: number }): unknown }> {
  return import(pathToFileURL(join(repoRoot, 'packages/stacks/dist/bench-fixture.js')).href);
}

describe('run lifecycle (issue 9)', function () {
  this.timeout(300_000);

  describe('output integrity', () => {
    it('list components --json of a 40x50 repository (several pipe buffers) reaches a slow pipe byte-identical to a file', async () => {
      const dir = tempDir('tfwrap-big-');
      const { generateRepo } = await benchFixture();
      generateRepo(dir, { stacks: 40, componentsPerStack: 50, importLevels: 3 });
      writeFileSync(join(dir, 'tfwrap.yaml'), 'stacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n  excluded_paths: ["catalog/**"]\n');
      const env = hermeticEnv();
      const run = await sh(`${tfwrapCmd} list components --json > file.json; echo "file $?" > status; ${tfwrapCmd} list components --json | (sleep 1; cat > pipe.json); echo "pipe \${PIPESTATUS[0]}" >> status`, env, dir);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(readFileSync(join(dir, 'status'), 'utf8'), 'file 0\npipe 0\n');
      const file = readFileSync(join(dir, 'file.json'));
      const piped = readFileSync(join(dir, 'pipe.json'));
      assert.equal(JSON.parse(file.toString('utf8')).length, 40 * 50 * 2, 'every component, and the abstract one each inherits');
      assert.ok(piped.length > 65_536, `more than one pipe buffer (${piped.length} bytes)`);
      assertSameBytes(piped, file);
    });

    it('a 600-resource plan reaches a slow pipe byte-identical to a file, Plan: line included', async () => {
      const dir = fixtureProject({
        'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    big: {}\n',
        'components/terraform/big/main.tf': 'variable "stage" { type = string }\nresource "terraform_data" "r" {\n  count = 600\n  input = "${var.stage}-${count.index}"\n}\n',
      });
      const env = hermeticEnv();
      const init = await runTfwrap(['-C', dir, 'init', 'dev', 'big'], { env, cwd: dir });
      assert.equal(init.exitCode, 0, init.stderr);
      // The reader sleeps longer than the whole plan takes, so tfwrap has written everything (and,
      // before the fix, exited with most of it still queued) by the time anything is read.
      const plan = `${tfwrapCmd} plan dev big -no-color --skip-init`;
      const run = await sh(`start=$SECONDS; ${plan} > file.txt; echo "file $?" > status; wait=$((SECONDS - start + 3)); ${plan} | (sleep $wait; cat > pipe.txt); echo "pipe \${PIPESTATUS[0]}" >> status`, env, dir);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(readFileSync(join(dir, 'status'), 'utf8'), 'file 0\npipe 0\n');
      const file = readFileSync(join(dir, 'file.txt'));
      const piped = readFileSync(join(dir, 'pipe.txt'));
      assert.match(file.toString('utf8'), /Plan: 600 to add, 0 to change, 0 to destroy\./);
      assert.ok(piped.length > 65_536, `more than one pipe buffer (${piped.length} bytes)`);
      assertSameBytes(piped, file);
    });

    it('| head -1 ends tfwrap quietly: its usual status, no error trace', async () => {
      const dir = tempDir('tfwrap-head-');
      const { generateRepo } = await benchFixture();
      generateRepo(dir, { stacks: 20, componentsPerStack: 50, importLevels: 2 });
      writeFileSync(join(dir, 'tfwrap.yaml'), 'stacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n  excluded_paths: ["catalog/**"]\n');
      const run = await sh(`${tfwrapCmd} list components --json 2> err.txt | head -1; echo "\${PIPESTATUS[0]}" > status`, hermeticEnv(), dir);
      assert.equal(run.stdout, '['); // the first line
      assert.equal(readFileSync(join(dir, 'status'), 'utf8'), '0\n');
      assert.equal(readFileSync(join(dir, 'err.txt'), 'utf8'), '', 'nothing on stderr');
    });

    it('output to a full disk (/dev/full) is one line, E_OUTPUT, exit 74 (it was a stack trace, exit 1)', async function () {
      if (!existsSync('/dev/full')) this.skip();
      const dir = fixtureProject({
        'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    app: {}\n',
        'components/terraform/app/main.tf': SIMPLE_COMPONENT,
      });
      for (const command of ['list stacks', 'describe stacks --format json', 'validate --json']) {
        const run = await sh(`${tfwrapCmd} ${command} > /dev/full`, hermeticEnv(), dir);
        assert.equal(run.exitCode, 74, `${command}: ${run.stderr}`);
        assert.match(run.stderr, /^tfwrap: error: cannot write to standard output: ENOSPC: no space left on device, write\. Hint: [^\n]* \[E_OUTPUT\]\n?$/, `${command}: ${run.stderr}`);
      }
    });

    it('| head -1 on describe output larger than a pipe buffer ends tfwrap quietly too (it was "internal error: write EPIPE")', async () => {
      const dir = tempDir('tfwrap-head-describe-');
      const { generateRepo } = await benchFixture();
      generateRepo(dir, { stacks: 20, componentsPerStack: 50, importLevels: 2 });
      writeFileSync(join(dir, 'tfwrap.yaml'), 'stacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n  excluded_paths: ["catalog/**"]\n');
      for (const format of ['json', 'yaml']) {
        const run = await sh(`${tfwrapCmd} describe stacks --format ${format} 2> err.txt | head -1; echo "\${PIPESTATUS[0]}" > status`, hermeticEnv(), dir);
        assert.equal(run.stdout, format === 'json' ? '{' : 'deploy/group-0/stack-0:', format);
        assert.equal(readFileSync(join(dir, 'err.txt'), 'utf8'), '', `nothing on stderr (${format})`);
        assert.equal(readFileSync(join(dir, 'status'), 'utf8'), '0\n', format);
      }
    });
  });

  describe('interrupts while the identity is resolved', () => {
    for (const [signal, target, code] of [
      ['SIGINT', 'group', 130],
      ['SIGTERM', 'tfwrap', 143],
    ] as const) {
      it(`${signal} to ${target === 'group' ? 'the process group' : 'tfwrap alone'} during a 4-second credential command stops apply: exit ${code}, no state, nothing left running`, async () => {
        const marker = `4.${process.pid}${code}`; // a sleep nobody else runs
        const dir = fixtureProject({
          'tfwrap.yaml': `auth:\n  identities:\n    slow:\n      kind: aws/credential-process\n      default: true\n      principal:\n        command: "sleep ${marker}; touch resolved; cat creds.json"\n        region: us-east-1\n`,
          'creds.json': FAKE_CREDS,
          'stacks/dev.yaml': 'vars: { stage: dev }\nterraform: { backend_type: local, backend: { local: {} } }\ncomponents:\n  terraform:\n    app: {}\n',
          'components/terraform/app/main.tf': SIMPLE_COMPONENT,
        });
        const env = hermeticEnv();
        const run = startTfwrap(['-C', dir, 'apply', 'dev', 'app', '-auto-approve', '-no-color'], env, dir);
        await until('the credential command runs', () => pgrep(`sleep ${marker}`).length > 0);
        process.kill(target === 'group' ? -run.child.pid! : run.child.pid!, signal);
        const { code: exitCode } = await run.exited;
        const { stdout, stderr } = run.output();
        assert.equal(exitCode, code, stderr);
        assert.doesNotMatch(stdout + stderr, /Apply complete/);
        assert.doesNotMatch(stderr, /E_AUTH_FAILED|at .*\.js:\d+/);
        assert.ok(!existsSync(join(dir, 'resolved')), 'the credential command was stopped before it finished');
        const componentDir = join(dir, 'components/terraform/app');
        assert.ok(!existsSync(join(componentDir, 'terraform.tfstate.d')) && !existsSync(join(componentDir, 'terraform.tfstate')), 'no state was written');
        assert.ok(!existsSync(join(componentDir, '.terraform')), 'terraform init did not run');
        assert.deepEqual(pgrep(`sleep ${marker}`), [], 'no process of the credential command is left');
      });
    }
  });

  describe('interrupts while a !terraform.output is read', () => {
    for (const [signal, target, code] of [
      ['SIGINT', 'group', 130],
      ['SIGTERM', 'tfwrap', 143],
    ] as const) {
      it(`${signal} to ${target === 'group' ? 'the process group' : 'tfwrap alone'} while app's varfile waits on vpc's outputs: exit ${code}, app never runs, nothing left running`, async () => {
        const marker = `7.${process.pid}${code}`; // a sleep nobody else runs
        // terraform, except that once <bin>/hang exists every call in vpc's directory sleeps instead.
        const shim = recordingTerraform({ hangIn: 'vpc', sleepArg: marker });
        const dir = fixtureProject({
          'tfwrap.yaml': 'auth:\n  identities:\n    local: { kind: ambient, default: true }\n',
          'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    vpc: {}\n    app:\n      vars:\n        vpc_id: !terraform.output vpc vpc_id\n',
          'components/terraform/vpc/main.tf': 'variable "stage" { type = string }\noutput "vpc_id" { value = "vpc-${var.stage}" }\n',
          'components/terraform/app/main.tf': 'variable "vpc_id" { type = string }\nresource "terraform_data" "app" { input = var.vpc_id }\n',
        });
        const env = hermeticEnv({ PATH: `${shim.bin}:${process.env.PATH}` });
        const applied = await runTfwrap(['-C', dir, 'apply', 'dev', 'vpc', '-auto-approve', '-no-color'], { env, cwd: dir });
        assert.equal(applied.exitCode, 0, applied.stderr);
        writeFileSync(join(shim.bin, 'hang'), '');
        shim.clear();
        const run = startTfwrap(['-C', dir, 'apply', 'dev', 'app', '-auto-approve', '-no-color'], env, dir);
        await until("vpc's outputs are being read", () => pgrep(`sleep ${marker}`).length > 0);
        process.kill(target === 'group' ? -run.child.pid! : run.child.pid!, signal);
        const { code: exitCode } = await run.exited;
        const { stdout, stderr } = run.output();
        assert.equal(exitCode, code, stderr);
        assert.doesNotMatch(stdout + stderr, /Apply complete/);
        assert.doesNotMatch(stderr, /E_FUNCTION_FAILED|at .*\.js:\d+/);
        const appDir = join(dir, 'components/terraform/app');
        assert.deepEqual(shim.calls().filter((line) => line.startsWith(appDir)), [], 'no terraform ran in app');
        assert.ok(!existsSync(join(appDir, 'terraform.tfstate.d')) && !existsSync(join(appDir, 'terraform.tfstate')), 'no state was written for app');
        assert.deepEqual(pgrep(`sleep ${marker}`), [], 'the terraform reading the outputs is not left running');
      });
    }
  });

  describe('interrupts while an !exec command runs (the stack is loading)', () => {
    for (const [command, signal, code] of [
      ['describe component', 'SIGINT', 130],
      ['plan', 'SIGTERM', 143],
    ] as const) {
      it(`${signal} to the process group during ${command}: exit ${code}, one "interrupted" line, not an !exec failure`, async () => {
        const marker = `8.${process.pid}${code}`; // a sleep nobody else runs
        const shim = recordingTerraform();
        const dir = fixtureProject({
          'tfwrap.yaml': 'auth:\n  identities:\n    local: { kind: ambient, default: true }\n',
          'stacks/dev.yaml': `components:\n  terraform:\n    app:\n      vars:\n        slow: !exec sleep ${marker}\n`,
          'components/terraform/app/main.tf': 'variable "slow" { type = string }\n',
        });
        const env = hermeticEnv({ PATH: `${shim.bin}:${process.env.PATH}` });
        const args = command === 'plan' ? ['plan', 'dev', 'app', '-no-color'] : ['describe', 'component', 'app', '-s', 'dev'];
        const run = startTfwrap(['-C', dir, ...args], env, dir);
        await until('the !exec command is running', () => pgrep(`sleep ${marker}`).length > 0);
        process.kill(-run.child.pid!, signal);
        const { code: exitCode } = await run.exited;
        const { stderr } = run.output();
        assert.equal(exitCode, code, stderr);
        assert.equal(stderr, `tfwrap: interrupted by ${signal}\n`);
        assert.deepEqual(shim.calls(), [], 'no terraform ran');
      });
    }
  });

  describe('two interrupts during a stack run', () => {
    it('kill the terraform that ignored the first, wait for it, then remove the run directory', async () => {
      const bin = tempDir('tfwrap-standin-');
      // Stands in for terraform: init and workspace succeed; the command itself ignores interrupts
      // and records, while it lives, whether its refresh profile (in tfwrap's run directory) exists.
      writeFileSync(
        join(bin, 'terraform'),
        [
          '#!/bin/sh',
          'case "$1" in init|workspace|version) exit 0;; esac',
          'echo $$ > standin.pid',
          'echo "$AWS_CONFIG_FILE" > standin.config',
          "trap 'echo ignored >> standin.log' INT TERM",
          'i=0',
          'while [ $i -lt 300 ]; do',
          '  if [ -f "$AWS_CONFIG_FILE" ]; then echo present >> standin.log; else echo missing >> standin.log; fi',
          '  sleep 0.1; i=$((i+1))',
          'done',
          '',
        ].join('\n'),
      );
      chmodSync(join(bin, 'terraform'), 0o755);
      const dir = fixtureProject({
        'tfwrap.yaml': `auth:\n  identities:\n    deployer:\n      kind: aws/credential-process\n      default: true\n      principal:\n        command: "cat creds.json"\n        region: us-east-1\n`,
        'creds.json': FAKE_CREDS,
        'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    one: { metadata: { component: one } }\n    two: { metadata: { component: two } }\n',
        'components/terraform/one/main.tf': SIMPLE_COMPONENT,
        'components/terraform/two/main.tf': SIMPLE_COMPONENT,
      });
      const dirs = ['one', 'two'].map((name) => join(dir, 'components/terraform', name));
      const env = hermeticEnv({ PATH: `${bin}:${process.env.PATH}` });
      const run = startTfwrap(['-C', dir, 'plan', 'dev'], env, dir);
      const pids: number[] = [];
      try {
        await until('both stand-ins run', () => dirs.every((d) => existsSync(join(d, 'standin.log'))));
        pids.push(...dirs.map((d) => Number(readFileSync(join(d, 'standin.pid'), 'utf8'))));
        const runDir = join(readFileSync(join(dirs[0]!, 'standin.config'), 'utf8').trim(), '..');
        assert.ok(existsSync(runDir), 'the run directory exists while terraform runs');
        process.kill(run.child.pid!, 'SIGINT');
        await until('both stand-ins got the first interrupt', () => dirs.every((d) => readFileSync(join(d, 'standin.log'), 'utf8').includes('ignored')));
        assert.ok(pids.every(alive), 'the stand-ins ignored it');
        process.kill(run.child.pid!, 'SIGINT');
        const { code } = await run.exited;
        assert.equal(code, 130, run.output().stderr);
        for (const pid of pids) assert.ok(!alive(pid), `terraform stand-in ${pid} did not outlive tfwrap`);
        for (const d of dirs) assert.doesNotMatch(readFileSync(join(d, 'standin.log'), 'utf8'), /missing/, 'the run directory stayed while the child ran');
        assert.ok(!existsSync(runDir), 'the run directory was removed');
      } finally {
        for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    });
  });

  describe('plugins see every command and every child', () => {
    const policy = `import { appendFileSync } from 'node:fs';
export default {
  name: 'tfwrap-plugin-policy',
  apiVersion: 1,
  apply(tfwrap) {
    tfwrap.hooks.beforeResolve.tap('policy', (request) => {
      appendFileSync(process.env.POLICY_LOG, request.command + ' ' + (request.stack ?? '-') + '\\n');
      if (request.stack === 'prod' || request.identity === 'prod') throw new Error('prod is frozen');
      return request;
    });
    tfwrap.hooks.beforeExec.tap('phases', (request) => {
      appendFileSync(process.env.POLICY_LOG, 'exec ' + request.phase + '\\n');
    });
    tfwrap.hooks.afterExec.tap('broken-tap', () => {
      throw new Error('audit sink unreachable');
    });
  },
};
`;

    function project() {
      const dir = fixtureProject({
        'tfwrap.yaml': 'plugins:\n  - ./policy.mjs\nauth:\n  identities:\n    local: { kind: ambient, default: true }\n    prod: { kind: ambient }\n',
        'policy.mjs': policy,
        'stacks/dev.yaml': "vars: { stage: dev }\nhooks:\n  note:\n    events: [before-terraform-plan]\n    command: 'true'\ncomponents:\n  terraform:\n    app: {}\n",
        'stacks/prod.yaml': 'vars: { stage: prod }\ncomponents:\n  terraform:\n    app: {}\n',
        'components/terraform/app/main.tf': SIMPLE_COMPONENT,
      });
      const log = join(dir, 'policy.log');
      return { dir, log, env: hermeticEnv({ POLICY_LOG: log }) };
    }

    it('a beforeResolve policy that refuses a stack is consulted by plan, apply, describe component and auth exec', async () => {
      const { dir, log, env } = project();
      const attempts: Array<[string, string[]]> = [
        ['plan', ['plan', 'prod', 'app']],
        ['apply', ['apply', 'prod', 'app', '-auto-approve']],
        ['describe component', ['describe', 'component', 'app', '-s', 'prod']],
        ['auth exec', ['auth', 'exec', '-i', 'prod', '--', 'sh', '-c', 'touch ran']],
      ];
      for (const [command, args] of attempts) {
        const result = await runTfwrap(['-C', dir, ...args], { env, cwd: dir });
        assert.equal(result.exitCode, 2, `${command}: ${result.stderr}`);
        const lines = result.stderr.trim().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0]!, /^tfwrap: error: plugin "tfwrap-plugin-policy" failed in hook beforeResolve: prod is frozen/);
      }
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['plan prod', 'apply prod', 'describe component prod', 'auth exec -']);
      assert.ok(!existsSync(join(dir, 'ran')), 'auth exec ran nothing');
      assert.ok(!existsSync(join(dir, 'components/terraform/app/.terraform')), 'terraform did not run');
    });

    it('every child of a plan passes beforeExec with its phase; a throwing afterExec is reported and the exit code stands', async () => {
      const { dir, log, env } = project();
      const plan = await runTfwrap(['-C', dir, 'plan', 'dev', 'app'], { env, cwd: dir });
      assert.equal(plan.exitCode, 0, plan.stderr);
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['plan dev', 'exec init', 'exec workspace', 'exec hook', 'exec main']);
      const exec = await runTfwrap(['-C', dir, 'auth', 'exec', '--', 'sh', '-c', 'exit 0'], { env, cwd: dir });
      assert.equal(exec.exitCode, 0, exec.stderr);
      const warnings = exec.stderr.trim().split('\n');
      assert.equal(warnings.length, 1, exec.stderr);
      assert.match(warnings[0]!, /^tfwrap warning: plugin "tfwrap-plugin-policy" failed in hook afterExec: audit sink unreachable/);
      const failing = await runTfwrap(['-C', dir, 'auth', 'exec', '--', 'sh', '-c', 'exit 5'], { env, cwd: dir });
      assert.equal(failing.exitCode, 5, failing.stderr);
    });
  });
});
