// The quickstart example with real terraform: plan, apply, output, destroy, exit codes, --json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { copyExample } from './support/terraform.js';

describe('terraform: the quickstart example', function () {
  this.timeout(120_000);
  let dir: string;
  let env: Record<string, string>;
  const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  before(() => {
    dir = copyExample('quickstart');
    env = hermeticEnv();
  });

  it('plans every component of dev in dependency order, with a summary', async () => {
    const result = ok(await tfwrap('plan', 'dev', '-no-color'), 'plan dev');
    for (const component of ['network', 'database', 'app']) {
      assert.match(result.stdout, new RegExp(`^\\[dev/${component}\\] Plan: 1 to add, 0 to change, 0 to destroy\\.`, 'm'));
    }
    // app depends on network and database: it starts after both finished.
    const lines = result.stderr.split('\n');
    const appStarted = lines.findIndex((l) => l.includes('[dev/app] started'));
    assert.ok(appStarted > lines.findIndex((l) => l.includes('[dev/network] ok')));
    assert.ok(appStarted > lines.findIndex((l) => l.includes('[dev/database] ok')));
    assert.match(result.stderr, /COMPONENT\s+IDENTITY\s+RESULT\s+ADD\s+CHANGE\s+DESTROY\s+DURATION/);
    assert.match(result.stderr, /dev\/app\s+ambient\s+ok\s+1\s+0\s+0/);
    // The generated files, in the component directory.
    const varfile = JSON.parse(readFileSync(join(dir, 'components/terraform/app/dev-app.terraform.tfvars.json'), 'utf8'));
    assert.deepEqual(varfile, { stage: 'dev', project: 'quickstart', replicas: 1, image: 'example/app:1.0' });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'components/terraform/app/backend.tf.json'), 'utf8')), { terraform: { backend: { local: {} } } });
  });

  it('applies dev, and a second apply changes nothing', async () => {
    const first = ok(await tfwrap('apply', 'dev', '-auto-approve', '-no-color'), 'apply dev');
    assert.match(first.stdout, /\[dev\/app\] Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./);
    // One workspace per stack, local state under it.
    assert.ok(existsSync(join(dir, 'components/terraform/app/terraform.tfstate.d/dev/terraform.tfstate')));
    const second = ok(await tfwrap('apply', 'dev', '-auto-approve', '-no-color'), 'second apply dev');
    assert.match(second.stdout, /\[dev\/app\] No changes\./);
    assert.match(second.stderr, /dev\/app\s+ambient\s+ok\s+0\s+0\s+0/);
  });

  it('passes exit codes through: plan -detailed-exitcode is 0 without changes, 2 with', async () => {
    const same = await tfwrap('plan', 'dev', 'app', '-detailed-exitcode');
    assert.equal(same.exitCode, 0, same.stderr);
    const prod = await tfwrap('plan', 'app', '-s', 'prod', '-detailed-exitcode', '-no-color');
    assert.equal(prod.exitCode, 2, prod.stderr);
    assert.match(prod.stdout, /Plan: 1 to add/);
    const whole = await tfwrap('plan', 'prod', '-detailed-exitcode');
    assert.equal(whole.exitCode, 2, whole.stderr);
  });

  it('prints outputs of one component (the Atmos form) and --json summaries', async () => {
    const output = ok(await tfwrap('output', 'app', '-s', 'dev', '-json'), 'output');
    const values = JSON.parse(output.stdout) as Record<string, { value: unknown }>;
    assert.equal(values.url?.value, 'https://quickstart-dev-app.example.com');
    assert.equal(values.replicas?.value, 1);

    const json = ok(await tfwrap('plan', 'dev', '--json', '-no-color'), 'plan --json');
    const summary = JSON.parse(json.stdout) as { exitCode: number; components: Array<Record<string, unknown>> };
    assert.equal(summary.exitCode, 0);
    assert.deepEqual(summary.components.map((c) => [c.component, c.identity, c.result, c.add, c.change, c.destroy]), [
      ['database', 'ambient', 'ok', 0, 0, 0],
      ['network', 'ambient', 'ok', 0, 0, 0],
      ['app', 'ambient', 'ok', 0, 0, 0],
    ]);
    assert.match(json.stderr, /\[dev\/app\] No changes\./, 'terraform output goes to stderr with --json');
  });

  it('refuses a whole-stack apply without -auto-approve when stdin is not a terminal', async () => {
    const result = await tfwrap('apply', 'prod');
    assert.equal(result.exitCode, 64);
    assert.match(result.stderr, /^tfwrap: error: .*stack 'prod'.*Hint: add -auto-approve/m);
  });

  it('destroys dev', async () => {
    const result = ok(await tfwrap('destroy', 'dev', '-auto-approve', '-no-color'), 'destroy dev');
    assert.match(result.stdout, /\[dev\/network\] Destroy complete! Resources: 1 destroyed\./);
    assert.match(result.stderr, /dev\/app\s+ambient\s+ok\s+0\s+0\s+1/);
    const after = await tfwrap('plan', 'dev', 'app', '-detailed-exitcode');
    assert.equal(after.exitCode, 2, 'after destroy, a plan has changes again');
  });

  it('describes a component and lists stacks and components', async () => {
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'prod', '--format', 'json'), 'describe').stdout);
    assert.equal(described.identity, 'ambient');
    assert.equal(described.vars.replicas, 3);
    assert.deepEqual(described.depends_on, ['network', 'database']);
    const yaml = ok(await tfwrap('describe', 'component', 'app', '-s', 'prod'), 'describe yaml').stdout;
    assert.match(yaml, /^identity: ambient$/m);
    assert.equal(ok(await tfwrap('list', 'stacks'), 'list stacks').stdout, 'dev\nprod');
    assert.deepEqual(JSON.parse(ok(await tfwrap('list', 'stacks', '--json'), 'list stacks --json').stdout).map((s: { name: string }) => s.name), ['dev', 'prod']);
    assert.equal(ok(await tfwrap('list', 'components', '-s', 'dev'), 'list components').stdout, 'app\ndatabase\nnetwork');
    const all = JSON.parse(ok(await tfwrap('list', 'components', '--json'), 'list components --json').stdout) as Array<{ stack: string }>;
    assert.equal(all.length, 6);
  });
});
