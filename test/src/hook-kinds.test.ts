// Atmos's hook kinds (pkg/hooks): tfwrap runs `store` (store-hooks.test.ts) and `command`, Atmos's
// generic kind (command_engine.go): a program and its args, no shell, in the component directory,
// with ATMOS_STACK / ATMOS_COMPONENT / ATMOS_COMPONENT_PATH set and $VAR expanded in args and env;
// on_failure warn (Atmos's default), fail or ignore. Atmos's other kinds (step, git, checkov, ...)
// are one line naming the kind. Real terraform, local state.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { errorLines, fixtureProject, SIMPLE_COMPONENT, writeTree } from './support/terraform.js';

describe('hooks: Atmos\'s kind: command; other Atmos kinds are named and refused', function () {
  this.timeout(180_000);
  const env = hermeticEnv();
  const tfwrap = (dir: string, ...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });
  const project = (hooks: string[]) => fixtureProject({
    'stacks/dev.yaml': ['vars: { stage: dev }', 'components:', '  terraform:', '    app:', '      hooks:', ...hooks.map((line) => `        ${line}`), ''].join('\n'),
    'components/terraform/app/main.tf': SIMPLE_COMPONENT,
    'components/terraform/app/record.sh': 'echo "$1 $ATMOS_STACK $ATMOS_COMPONENT $ATMOS_COMPONENT_PATH $GREETING" >> record.log\n',
  });

  it('kind: command runs the program with its args in the component directory, ATMOS_* set and $VAR expanded', async () => {
    const dir = project([
      'record:',
      '  events: [before-terraform-plan]',
      '  kind: command',
      '  command: sh',
      '  args: [record.sh, "first-${ATMOS_COMPONENT}"]',
      '  env: { GREETING: "hello-$ATMOS_STACK" }',
    ]);
    const plan = await tfwrap(dir, 'plan', 'dev', 'app');
    assert.equal(plan.exitCode, 0, plan.stderr);
    const componentDir = join(dir, 'components/terraform/app');
    assert.equal(readFileSync(join(componentDir, 'record.log'), 'utf8'), `first-app dev app ${componentDir} hello-dev\n`);
  });

  it('on_failure: warn (the default) says so and the run goes on; ignore is quiet; fail stops the run', async () => {
    const dir = project([
      'warns: { events: [before-terraform-plan], kind: command, command: "false" }',
      'ignored: { events: [before-terraform-plan], kind: command, command: "false", on_failure: ignore }',
    ]);
    const plan = await tfwrap(dir, 'plan', 'dev', 'app', '-no-color');
    assert.equal(plan.exitCode, 0, plan.stderr);
    assert.match(plan.stdout, /Plan: 1 to add/);
    assert.match(plan.stderr, /^tfwrap: warning: stack command 'warns' exited with 1 \(on_failure: warn\)$/m);
    assert.doesNotMatch(plan.stderr, /ignored/);

    const failing = project(['gate: { events: [before-terraform-plan], kind: command, command: sh, args: [-c, "exit 4"], on_failure: fail }']);
    const stopped = await tfwrap(failing, 'plan', 'dev', 'app', '-no-color');
    assert.equal(stopped.exitCode, 4, stopped.stderr);
    assert.match(stopped.stderr, /stack command 'gate' exited with 4/);
    assert.doesNotMatch(stopped.stdout, /Plan:/);
  });

  it('a kind: command hook whose program is not on PATH fails the run whatever on_failure says, as Atmos does (command_engine.go prepareSubprocess: ErrCommandNotFound)', async () => {
    const dir = project(['lint: { events: [before-terraform-plan], kind: command, command: tfwrap-no-such-linter, on_failure: warn }']);
    const plan = await tfwrap(dir, 'plan', 'dev', 'app', '-no-color');
    assert.notEqual(plan.exitCode, 0, plan.stderr);
    assert.match(plan.stderr, /^tfwrap: stack command 'lint': command "tfwrap-no-such-linter" not found/m);
    assert.doesNotMatch(plan.stderr, /on_failure: warn\)/);
    assert.doesNotMatch(plan.stdout, /Plan:/);
  });

  it('a hook without events is described, and runs at every event Atmos fires (pkg/hooks MatchesEvent); one with an event that never happens is a validate warning and never runs', async () => {
    const dir = project([
      'record:',
      '  kind: command',
      '  command: sh',
      '  args: [record.sh, no-events]',
      'typo:',
      '  events: [before-terraform-paln]',
      '  kind: command',
      '  command: sh',
      '  args: [record.sh, typo]',
    ]);
    writeTree(dir, { 'stacks/prod.yaml': 'vars: { stage: prod }\nterraform:\n  overrides:\n    hooks:\n      after-apply: { kind: command, command: echo after-apply }\ncomponents:\n  terraform:\n    app: {}\n' });
    const stacks = await tfwrap(dir, 'describe', 'stacks', '--sections', 'hooks', '--format', 'json');
    assert.equal(stacks.exitCode, 0, stacks.stderr);
    const described = JSON.parse(stacks.stdout);
    assert.deepEqual(described.dev.components.terraform.app.hooks.record.events, []);
    assert.deepEqual(described.dev.components.terraform.app.hooks.typo.events, ['before-terraform-paln']);
    assert.deepEqual(described.prod.components.terraform.app.hooks['after-apply'].command, ['echo after-apply']);
    const component = await tfwrap(dir, 'describe', 'component', 'app', '-s', 'prod', '--format', 'json');
    assert.equal(component.exitCode, 0, component.stderr);
    assert.deepEqual(JSON.parse(component.stdout).hooks['after-apply'].events, []);

    const validate = await tfwrap(dir, 'validate');
    assert.equal(validate.exitCode, 0, validate.stderr);
    assert.match(validate.stderr, new RegExp(`^tfwrap: warning: ${join(dir, 'stacks/dev.yaml')}:11:\\d+: stack command 'typo': event "before-terraform-paln" never happens in tfwrap, so the command never runs\\. Hint: Did you mean 'before-terraform-plan'\\? \\[E_STACK_INVALID\\]$`, 'm'));

    const plan = await tfwrap(dir, 'plan', 'dev', 'app', '-no-color');
    assert.equal(plan.exitCode, 0, plan.stderr);
    const componentDir = join(dir, 'components/terraform/app');
    // Before and after plan; the typo'd one never.
    assert.equal(readFileSync(join(componentDir, 'record.log'), 'utf8'), `no-events dev app ${componentDir} \nno-events dev app ${componentDir} \n`);
  });

  it('an Atmos hook kind tfwrap does not run (checkov, step, ...) is one line naming it, file and line, in validate and in a run', async () => {
    const dir = project(['scan: { events: [after-terraform-plan], kind: checkov }']);
    const problem = /stacks\/dev\.yaml:\d+:\d+: stack command 'scan': kind "checkov" is not a hook kind tfwrap runs: store or command \(Atmos's step, steps, git and tool kinds such as checkov are not supported\)/;
    const validate = await tfwrap(dir, 'validate');
    assert.equal(validate.exitCode, 1, validate.stderr); // validate: problems found
    assert.match(validate.stderr, problem);
    assert.match(validate.stderr, /^tfwrap: 1 problem found$/m);
    const plan = await tfwrap(dir, 'plan', 'dev', 'app');
    assert.equal(plan.exitCode, 2, plan.stderr);
    const lines = errorLines(plan.stderr);
    assert.equal(lines.length, 1, plan.stderr);
    assert.match(lines[0]!, problem);
  });
});
