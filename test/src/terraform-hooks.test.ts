// Stack commands (a manifest's hooks: section), the audit plugin, identity selection per component, and SIGINT during apply.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runTfwrap, tfwrapBin } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { SIMPLE_COMPONENT, fixtureProject } from './support/terraform.js';

describe('terraform: stack commands, audit, identities, interrupts', function () {
  this.timeout(90_000);
  const env = hermeticEnv({ SECRET_TOKEN: 'super-secret-value-1234567890' });
  const tfwrap = (dir: string, ...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  it('runs stack commands before/after terraform in the component environment; a failing one before it stops the run', async () => {
    const dir = fixtureProject({
      'stacks/dev.yaml': [
        'vars: { stage: dev }',
        'env: { FROM_STACK: stack-env }',
        'hooks:',
        '  record:',
        '    events: [before-terraform-plan, after-terraform-plan]',
        '    command: \'echo "$FROM_STACK $TF_WORKSPACE $HOOK_VAR" >> hook.log\'',
        '    env: { HOOK_VAR: from-hook }',
        'components:',
        '  terraform:',
        '    app: {}',
        '    guarded:',
        '      metadata: { component: app }',
        '      hooks:',
        '        gate:',
        '          events: [before-terraform-apply]',
        '          command: [sh, -c, "echo gate says no >&2; exit 3"]',
        '',
      ].join('\n'),
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
    });
    const plan = await tfwrap(dir, 'plan', 'dev', 'app');
    assert.equal(plan.exitCode, 0, plan.stderr);
    assert.equal(readFileSync(join(dir, 'components/terraform/app/hook.log'), 'utf8'), 'stack-env dev from-hook\nstack-env dev from-hook\n');

    const apply = await tfwrap(dir, 'apply', 'dev', 'guarded', '-auto-approve');
    assert.equal(apply.exitCode, 3, apply.stderr);
    assert.match(apply.stderr, /gate says no/);
    assert.match(apply.stderr, /stack command 'gate' exited with 3/);
    assert.doesNotMatch(apply.stdout, /Apply complete|Creating/);
    // guarded is built from app's directory: its workspace is dev-guarded.
    assert.ok(!existsSync(join(dir, 'components/terraform/app/terraform.tfstate.d/dev-guarded/terraform.tfstate')), 'nothing was applied');
  });

  it('the audit plugin writes one JSON line per run, with no secret', async () => {
    const dir = fixtureProject({
      'tfwrap.yaml': 'audit: { file: logs/audit.jsonl }\nauth:\n  identities:\n    local: { kind: ambient, default: true }\n',
      'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    app: {}\n    other: { metadata: { component: app } }\n',
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
    });
    const result = await tfwrap(dir, 'plan', 'dev', '-var', 'stage=super-secret-value-1234567890');
    assert.equal(result.exitCode, 0, result.stderr);
    const text = readFileSync(join(dir, 'logs/audit.jsonl'), 'utf8');
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 2, text);
    const app = lines.find((l) => l.component === 'app')!;
    assert.equal(app.identity, 'local');
    assert.equal(app.stack, 'dev');
    assert.equal(app.command, 'plan');
    assert.equal(app.exitCode, 0);
    assert.equal(app.principal, null);
    assert.equal(typeof app.user, 'string');
    assert.equal(typeof app.durationMs, 'number');
    assert.ok(!Number.isNaN(Date.parse(app.time as string)));
    assert.doesNotMatch(text, /super-secret/);
  });

  it('chooses the identity per component: -i, then auth.identity, then auth.identities default, then the default', async () => {
    const dir = fixtureProject({
      'tfwrap.yaml': 'auth:\n  identities:\n    fallback: { kind: ambient, default: true }\n    deployer: { kind: ambient }\n    reader: { kind: ambient }\n',
      'stacks/dev.yaml': [
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    plain: { metadata: { component: app } }',
        '    named: { metadata: { component: app }, auth: { identity: deployer } }',
        '    marked: { metadata: { component: app }, auth: { identities: { reader: { default: true } } } }',
        '',
      ].join('\n'),
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
    });
    const identities = async (...args: string[]) => {
      const result = await runTfwrap(['-C', dir, 'plan', 'dev', '--json', ...args], { env, cwd: env.HOME! });
      assert.equal(result.exitCode, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as { components: Array<{ component: string; identity: string | null }> };
      return Object.fromEntries(summary.components.map((c) => [c.component, c.identity]));
    };
    assert.deepEqual(await identities(), { marked: 'reader', named: 'deployer', plain: 'fallback' });
    assert.deepEqual(await identities('-i', 'reader'), { marked: 'reader', named: 'reader', plain: 'reader' });
    assert.deepEqual(await identities('--identity=false'), { marked: null, named: null, plain: null });
    const fromEnv = await runTfwrap(['-C', dir, 'describe', 'component', 'named', '-s', 'dev', '--format', 'json'], { env: { ...env, TFWRAP_IDENTITY: 'reader' }, cwd: env.HOME! });
    assert.equal(JSON.parse(fromEnv.stdout).identity, 'reader');
  });

  it('whole-stack runs: --parallelism, a failure stops what has not started, --continue-on-error skips only dependents', async () => {
    const dir = fixtureProject({
      'stacks/dev.yaml': [
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    a-bad: { metadata: { component: bad } }',
        '    b-needs-bad: { metadata: { component: app }, settings: { depends_on: [a-bad] } }',
        '    c-fine: { metadata: { component: other } }',
        '',
      ].join('\n'),
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
      'components/terraform/other/main.tf': SIMPLE_COMPONENT,
      'components/terraform/bad/main.tf': 'variable "stage" {}\nvariable "missing" { type = string }\n',
    });
    const stopped = await tfwrap(dir, 'plan', 'dev', '--parallelism', '1', '--json');
    assert.equal(stopped.exitCode, 1, stopped.stderr);
    const first = JSON.parse(stopped.stdout) as { components: Array<{ component: string; result: string }> };
    assert.deepEqual(first.components.map((c) => [c.component, c.result]), [['a-bad', 'failed'], ['c-fine', 'skipped'], ['b-needs-bad', 'skipped']]);

    const going = await tfwrap(dir, 'plan', 'dev', '--continue-on-error', '--json');
    assert.equal(going.exitCode, 1, going.stderr);
    const second = JSON.parse(going.stdout) as { components: Array<{ component: string; result: string; message?: string }> };
    assert.deepEqual(second.components.map((c) => [c.component, c.result]), [['a-bad', 'failed'], ['c-fine', 'ok'], ['b-needs-bad', 'skipped']]);
    assert.match(second.components[2]!.message!, /depends on a-bad/);
    assert.match(going.stderr, /^\[dev\/a-bad\] .*No value for required variable/m);
  });

  it('SIGINT during a long apply: terraform releases the state lock and tfwrap exits 130', async () => {
    const dir = fixtureProject({
      'stacks/dev.yaml': 'terraform: { backend_type: local, backend: { local: {} } }\ncomponents:\n  terraform:\n    slow: {}\n',
      'components/terraform/slow/main.tf': [
        'resource "terraform_data" "slow" {',
        '  provisioner "local-exec" { command = "sleep 60" }',
        '}',
        '',
      ].join('\n'),
    });
    const child = spawn(process.execPath, [tfwrapBin, '-C', dir, 'apply', 'dev', 'slow', '-auto-approve', '-no-color'], { env, cwd: env.HOME!, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const stateDir = join(dir, 'components/terraform/slow/terraform.tfstate.d/dev');
    const deadline = Date.now() + 30_000;
    while (!output.includes('Executing:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(output.includes('Executing:'), `the provisioner started:\n${output}`);
    assert.ok(readdirSync(stateDir).includes('.terraform.tfstate.lock.info'), 'the state is locked while applying');
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, output);
    assert.ok(Date.now() - interruptedAt < 20_000, 'terraform stopped well before the sleep ended');
    assert.match(output, /Interrupt received/);
    assert.ok(!readdirSync(stateDir).includes('.terraform.tfstate.lock.info'), 'the lock was released');
    // And the next run is not blocked by a lock.
    const plan = await tfwrap(dir, 'plan', 'dev', 'slow', '--skip-init');
    assert.equal(plan.exitCode, 0, plan.stderr);
  });
});
