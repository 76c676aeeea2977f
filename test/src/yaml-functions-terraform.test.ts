// !terraform.output, !terraform.state, !store end to end: the built CLI, real terraform (local
// backend), a terraform shim on PATH that records every call, a built-in store and a third-party
// store plugin from the project.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { errorLines, fixtureProject, recordingTerraform, type RecordingTerraform } from './support/terraform.js';

const VPC = `
variable "stage" { type = string }
resource "terraform_data" "vpc" { input = "vpc-\${var.stage}" }
output "vpc_id" { value = terraform_data.vpc.output }
output "subnets" { value = ["a-\${var.stage}", "b-\${var.stage}"] }
output "tags" { value = { team = "net", cost = 3 } }
output "token" {
  value     = "tok-\${var.stage}-secret"
  sensitive = true
}
`;

const APP = `
variable "vpc_id" { type = string }
variable "subnet" { default = "" }
variable "cost" { default = 0 }
variable "tags" { default = {} }
variable "team" { default = "" }
variable "prod_vpc" { default = "" }
variable "image" { default = "" }
variable "region" { default = "" }
variable "owner" { default = "" }
resource "terraform_data" "app" { input = var.vpc_id }
`;

// A store type from a plugin in the project, as a third party would write one.
const STORE_PLUGIN = `
export default {
  name: 'fixture-store',
  apiVersion: 1,
  apply(tfwrap) {
    tfwrap.storeTypes.register({
      type: 'fixture/memory',
      open(options) {
        return { get: async (stack, component, key) => options.values?.[stack + '/' + component + '/' + key] };
      },
    });
  },
};
`;

describe('YAML functions !terraform.output, !terraform.state, !store (real terraform)', function () {
  this.timeout(300_000);
  let dir: string;
  let env: Record<string, string>;
  let shim: RecordingTerraform;
  const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });
  const terraformCalls = () => shim.calls();

  before(async () => {
    dir = fixtureProject({
      'tfwrap.yaml': [
        'plugins: [./plugins/store.mjs]',
        'stores:',
        '  local: { type: yaml-file, options: { path: stores/local.yaml } }',
        '  memory: { type: fixture/memory, options: { values: { dev/app/owner: platform-team } } }',
        'auth:',
        '  identities:',
        '    local: { kind: ambient, default: true }',
        '',
      ].join('\n'),
      'plugins/store.mjs': STORE_PLUGIN,
      'stores/local.yaml': 'dev:\n  app:\n    image: example/app:2.0\nregion: eu-west-1\n',
      'components/terraform/vpc/main.tf': VPC,
      'components/terraform/app/main.tf': APP,
      'stacks/prod.yaml': 'vars: { stage: prod }\ncomponents:\n  terraform:\n    vpc: {}\n',
      'stacks/qa.yaml': [
        'vars: { stage: qa }',
        'components:',
        '  terraform:',
        '    vpc: {}',
        '    app:',
        '      vars:',
        '        vpc_id: !terraform.output vpc vpc_id',
        '',
      ].join('\n'),
      // A whole-stack run: app reads vpc, which the same run applies first (settings.depends_on).
      'stacks/stage.yaml': [
        'vars: { stage: stage }',
        'components:',
        '  terraform:',
        '    vpc: {}',
        '    app:',
        '      settings: { depends_on: [vpc] }',
        '      vars:',
        '        vpc_id: !terraform.output vpc vpc_id',
        '',
      ].join('\n'),
      'stacks/dev.yaml': [
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    vpc: {}',
        '    app:',
        '      vars:',
        '        vpc_id: !terraform.output vpc vpc_id',
        '        subnet: !terraform.output vpc .subnets[1]',
        '        cost: !terraform.output vpc .tags.cost',
        '        tags: !terraform.output vpc tags',
        '        team: !terraform.state vpc .tags.team',
        '        prod_vpc: !terraform.output vpc prod vpc_id',
        '        image: !store local app image',
        '        region: !store.get local region',
        '        owner: !store memory app owner',
        '',
      ].join('\n'),
    });
    // terraform on PATH is a shim that records each call (directory and arguments), then runs terraform.
    shim = recordingTerraform();
    env = hermeticEnv({ PATH: `${shim.bin}:${process.env.PATH}` });
  });

  it('list stacks, validate and describe stacks run no terraform; describe stacks shows the functions as written', async () => {
    assert.equal(ok(await tfwrap('list', 'stacks'), 'list stacks').stdout, 'dev\nprod\nqa\nstage');
    ok(await tfwrap('validate'), 'validate');
    const stacks = JSON.parse(ok(await tfwrap('describe', 'stacks', '-s', 'dev', '--components', 'app', '--sections', 'vars', '--format', 'json'), 'describe stacks').stdout);
    assert.equal(stacks.dev.components.terraform.app.vars.vpc_id, '!terraform.output vpc vpc_id');
    assert.deepEqual(terraformCalls(), []);
  });

  it('plan dev app writes the outputs into the varfile, typed, with one terraform output per (stack, component)', async () => {
    ok(await tfwrap('apply', 'dev', 'vpc', '-auto-approve', '-no-color'), 'apply dev vpc');
    ok(await tfwrap('apply', 'prod', 'vpc', '-auto-approve', '-no-color'), 'apply prod vpc');
    shim.clear();
    const plan = ok(await tfwrap('plan', 'dev', 'app', '-no-color'), 'plan dev app');
    assert.match(plan.stdout, /Plan: 1 to add, 0 to change, 0 to destroy\./);
    const varfile = JSON.parse(readFileSync(join(dir, 'components/terraform/app/dev-app.terraform.tfvars.json'), 'utf8'));
    assert.deepEqual(varfile, {
      stage: 'dev',
      vpc_id: 'vpc-dev',
      subnet: 'b-dev',
      cost: 3,
      tags: { team: 'net', cost: 3 },
      team: 'net',
      prod_vpc: 'vpc-prod',
      image: 'example/app:2.0',
      region: 'eu-west-1',
      owner: 'platform-team',
    });
    // dev/vpc read once for four functions, prod/vpc once; !terraform.state read the state file itself.
    const outputs = terraformCalls().filter((line) => line.endsWith(' output -json'));
    assert.deepEqual(outputs, [`${join(dir, 'components/terraform/vpc')} output -json`, `${join(dir, 'components/terraform/vpc')} output -json`]);
  });

  it('a whole-stack apply evaluates a component\'s functions when it starts, after what it depends on was applied', async () => {
    const result = ok(await tfwrap('apply', 'stage', '-auto-approve', '-no-color'), 'apply stage');
    const lines = result.stderr.split('\n');
    assert.ok(lines.findIndex((l) => l.includes('[stage/app] started')) > lines.findIndex((l) => l.includes('[stage/vpc] ok')), result.stderr);
    const varfile = JSON.parse(readFileSync(join(dir, 'components/terraform/app/stage-app.terraform.tfvars.json'), 'utf8'));
    assert.deepEqual(varfile, { stage: 'stage', vpc_id: 'vpc-stage' });
  });

  it('describe component app -s dev shows the values; a sensitive output is not printed', async () => {
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'dev', '--format', 'json'), 'describe').stdout);
    assert.equal(described.vars.vpc_id, 'vpc-dev');
    assert.deepEqual(described.vars.tags, { team: 'net', cost: 3 });
    assert.equal(described.vars.prod_vpc, 'vpc-prod');
    const stack = join(dir, 'stacks/dev.yaml');
    const original = readFileSync(stack, 'utf8');
    writeFileSync(stack, original.replace('!terraform.output vpc tags', '!terraform.output vpc token'));
    try {
      const result = ok(await tfwrap('describe', 'component', 'app', '-s', 'dev', '--format', 'json'), 'describe');
      assert.equal(JSON.parse(result.stdout).vars.tags, '(sensitive)');
      assert.doesNotMatch(result.stdout + result.stderr, /tok-dev-secret/);
    } finally {
      writeFileSync(stack, original);
    }
  });

  it('a !terraform.state over a base\'s mapping is deep-merged with it once read; describe stacks shows Atmos\'s unevaluated value (pkg/merge/merge_yaml_functions.go ApplyDeferredMerges)', async () => {
    const stack = join(dir, 'stacks/dev.yaml');
    const original = readFileSync(stack, 'utf8');
    writeFileSync(stack, `${original}    app-base:\n      metadata: { type: abstract, component: app }\n      vars: { tags: { team: base, extra: 1 } }\n    app-merged:\n      metadata: { inherits: [app-base], component: app }\n      vars: { tags: !terraform.state vpc tags }\n`);
    try {
      const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app-merged', '-s', 'dev', '--format', 'json'), 'describe').stdout);
      assert.deepEqual(described.vars.tags, { team: 'net', extra: 1, cost: 3 });
      const stacks = JSON.parse(ok(await tfwrap('describe', 'stacks', '-s', 'dev', '--components', 'app-merged', '--sections', 'vars', '--format', 'json'), 'describe stacks').stdout);
      assert.equal(stacks.dev.components.terraform['app-merged'].vars.tags, '!terraform.state vpc tags');
    } finally {
      writeFileSync(stack, original);
    }
  });

  it('an unapplied component, a missing output, a missing store key: one line naming the function, file:line and what is missing', async () => {
    const qa = await tfwrap('plan', 'qa', 'app', '-no-color');
    assert.equal(qa.exitCode, 2, qa.stderr);
    assert.deepEqual(errorLines(qa.stderr), [
      `tfwrap: error: ${join(dir, 'stacks/qa.yaml')}:7: !terraform.output vpc vpc_id: component 'vpc' of stack 'qa' has no state: it has not been applied. Hint: apply it first (tfwrap apply qa vpc), or give a default: 'vpc_id // "value"' [E_FUNCTION_FAILED]`,
    ]);
    const stack = join(dir, 'stacks/dev.yaml');
    const original = readFileSync(stack, 'utf8');
    try {
      writeFileSync(stack, original.replace('!terraform.output vpc .subnets[1]', '!terraform.output vpc subnet_ids'));
      const missing = await tfwrap('plan', 'dev', 'app', '-no-color');
      assert.equal(missing.exitCode, 2);
      const [line, ...rest] = errorLines(missing.stderr);
      assert.deepEqual(rest, []);
      assert.match(line!, new RegExp(`^tfwrap: error: ${stack}:8: !terraform\\.output vpc subnet_ids: component 'vpc' of stack 'dev' has no output 'subnet_ids'\\. Hint: its outputs: subnets, tags, token, vpc_id`));
      writeFileSync(stack, original.replace('!terraform.output vpc .subnets[1]', `!terraform.output vpc '.subnet_ids // "none"'`));
      ok(await tfwrap('plan', 'dev', 'app', '-no-color'), 'plan with a default');
      assert.equal(JSON.parse(readFileSync(join(dir, 'components/terraform/app/dev-app.terraform.tfvars.json'), 'utf8')).subnet, 'none');
      writeFileSync(stack, original.replace('!store local app image', '!store local app tag'));
      const store = await tfwrap('plan', 'dev', 'app', '-no-color');
      assert.equal(store.exitCode, 2);
      assert.match(errorLines(store.stderr).join('\n'), new RegExp(`^tfwrap: error: ${stack}:13: !store local app tag: store 'local' has no key 'tag' for component 'app' of stack 'dev'`));
    } finally {
      writeFileSync(stack, original);
    }
  });
});
