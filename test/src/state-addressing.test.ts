// One Terraform state per (stack, component) (issue 10, problems 1 and 2), with real terraform
// and the local backend: two instances of one directory in one stack, every spelling of a stack
// name, and the checks `tfwrap validate` makes before anything runs.
import assert from 'node:assert/strict';
import { ok, runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { errorLines, fixtureProject } from './support/terraform.js';

const VPC = `
variable "input" { type = string }
resource "terraform_data" "this" { input = var.input }
output "input" { value = terraform_data.this.output }
`;

describe('state addressing (e2e, real terraform)', function () {
  this.timeout(120_000);
  const env = hermeticEnv();
  const tfwrap = (dir: string, ...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  it('two components built from one directory in one stack keep separate states', async () => {
    const dir = fixtureProject({
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    vpc-a: { metadata: { component: vpc }, vars: { input: a } }',
        '    vpc-b: { metadata: { component: vpc }, vars: { input: b } }',
        '',
      ].join('\n'),
      'components/terraform/vpc/main.tf': VPC,
    });
    ok(await tfwrap(dir, 'validate'), 'validate');
    ok(await tfwrap(dir, 'apply', 'dev', 'vpc-a', '-auto-approve', '-no-color'), 'apply vpc-a');

    // vpc-b sees none of vpc-a's resources: it would create its own, not rewrite vpc-a's.
    const plan = await tfwrap(dir, 'plan', 'dev', 'vpc-b', '-no-color', '-detailed-exitcode');
    assert.equal(plan.exitCode, 2, `plan vpc-b:\n${plan.stderr}\n${plan.stdout}`);
    assert.match(plan.stdout, /Plan: 1 to add, 0 to change, 0 to destroy/);
    assert.doesNotMatch(plan.stdout, /"a" -> "b"/);

    const outputB = ok(await tfwrap(dir, 'output', 'dev', 'vpc-b', '-no-color'), 'output vpc-b');
    assert.doesNotMatch(outputB.stdout, /input = "a"/);
    const outputA = ok(await tfwrap(dir, 'output', 'dev', 'vpc-a', '-no-color'), 'output vpc-a');
    assert.match(outputA.stdout, /input = "a"/);

    const workspaces = ok(await tfwrap(dir, 'terraform', 'workspace', 'vpc-a', '-s', 'dev', '--', 'list'), 'workspace list');
    assert.match(workspaces.stdout, /\* dev-vpc-a/);
  });

  it('./dev, dev.yaml and dev/../dev are the stack dev: its workspace, its state', async () => {
    const dir = fixtureProject({
      'stacks/dev.yaml': 'components:\n  terraform:\n    vpc: { vars: { input: dev } }\n',
      'components/terraform/vpc/main.tf': VPC,
    });
    ok(await tfwrap(dir, 'apply', 'dev', '-auto-approve', '-no-color'), 'apply dev');
    for (const spelling of ['./dev', 'dev.yaml', 'dev/../dev']) {
      const plan = ok(await tfwrap(dir, 'plan', spelling, '-no-color', '-detailed-exitcode'), `plan ${spelling}`);
      assert.match(plan.stdout, /No changes\./, spelling);
    }
    const workspaces = ok(await tfwrap(dir, 'terraform', 'workspace', 'vpc', '-s', './dev', '--', 'list'), 'workspace list');
    assert.deepEqual(workspaces.stdout.split('\n').map((line) => line.replace('*', '').trim()).filter(Boolean).sort(), ['default', 'dev']);

    // Outside the stacks directory, or no manifest at all: refused, nothing created.
    for (const spelling of ['../dev', './dev2']) {
      const refused = await tfwrap(dir, 'plan', spelling);
      assert.equal(refused.exitCode, 2, `plan ${spelling}:\n${refused.stderr}`);
      const lines = errorLines(refused.stderr);
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0]!, /E_STACK_UNKNOWN/);
    }
    const after = ok(await tfwrap(dir, 'terraform', 'workspace', 'vpc', '-s', 'dev', '--', 'list'), 'workspace list');
    assert.equal(after.stdout, workspaces.stdout);
  });

  it('validate refuses two stacks that map to one name (prod/east and prod-east), naming both', async () => {
    const dir = fixtureProject({
      'stacks/prod/east.yaml': 'components:\n  terraform:\n    vpc: { vars: { input: slash } }\n',
      'stacks/prod-east.yaml': 'components:\n  terraform:\n    vpc: { vars: { input: dash } }\n',
      'components/terraform/vpc/main.tf': VPC,
    });
    const result = await tfwrap(dir, 'validate');
    assert.equal(result.exitCode, 1, result.stderr);
    const lines = result.stderr.split('\n').filter((line) => /E_STATE_CONFLICT/.test(line));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /stacks\/prod\/east\.yaml:1:1: stacks 'prod-east' \(stacks\/prod-east\.yaml\) and 'prod\/east' \(stacks\/prod\/east\.yaml\) both map to the name 'prod-east'/);
  });

  it('validate refuses two components that would share one state, naming both', async () => {
    const dir = fixtureProject({
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    vpc-a: { metadata: { component: vpc }, vars: { input: a } }',
        '    vpc-b: { metadata: { component: vpc, terraform_workspace: dev-vpc-a }, vars: { input: b } }',
        '',
      ].join('\n'),
      'components/terraform/vpc/main.tf': VPC,
    });
    const result = await tfwrap(dir, 'validate', '--json');
    assert.equal(result.exitCode, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { problems: Array<{ code: string; message: string; line: number }> };
    assert.deepEqual(report.problems.map((p) => [p.code, p.message, p.line]), [[
      'E_STATE_CONFLICT',
      "component 'vpc-b' of stack 'dev' and component 'vpc-a' of stack 'dev' would share one Terraform state (workspace 'dev-vpc-a' of components/terraform/vpc)",
      4,
    ]]);
  });

  it('an import outside the repository: a validate warning, an error with imports_outside_repo: deny', async () => {
    const outside = fixtureProject({ 'shared.yaml': 'vars: { input: elsewhere }\n' });
    const files = {
      'stacks/dev.yaml': `import: ["${outside}/shared"]\ncomponents:\n  terraform:\n    vpc: {}\n`,
      'components/terraform/vpc/main.tf': VPC,
    };
    const warned = await tfwrap(fixtureProject(files), 'validate');
    assert.equal(warned.exitCode, 0, warned.stderr);
    assert.match(warned.stderr, /^tfwrap: warning: .*stacks\/dev\.yaml:1:\d+: import '.*\/shared' is an absolute path\..*\[E_IMPORT_OUTSIDE\]$/m);

    const relative = await tfwrap(fixtureProject({ ...files, 'stacks/dev.yaml': 'import: [../../elsewhere/x]\n' }), 'validate');
    assert.match(relative.stderr, /E_IMPORT_MISSING|E_IMPORT_OUTSIDE/);

    const denyConfig = 'stacks:\n  imports_outside_repo: deny\nauth:\n  identities:\n    local: { kind: ambient, default: true }\n';
    const denied = await tfwrap(fixtureProject({ ...files, 'tfwrap.yaml': denyConfig }), 'validate');
    assert.equal(denied.exitCode, 1, denied.stderr);
    assert.match(denied.stderr, /stacks\/dev\.yaml:1:\d+: import '.*\/shared' is an absolute path\. Hint: stacks\.imports_outside_repo is deny.*\[E_IMPORT_OUTSIDE\]/);
    const run = await tfwrap(fixtureProject({ ...files, 'tfwrap.yaml': denyConfig }), 'plan', 'dev');
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(errorLines(run.stderr)[0] ?? '', /E_IMPORT_OUTSIDE/);
  });
});
