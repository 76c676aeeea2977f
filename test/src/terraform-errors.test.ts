// Bad input: each problem is one line naming the file or the name, with a hint, and nothing runs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runTfwrap, type RunResult } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { SIMPLE_COMPONENT, errorLines, fixtureProject } from './support/terraform.js';

function oneError(result: RunResult, exitCode: number, ...patterns: RegExp[]): string {
  assert.equal(result.exitCode, exitCode, `exit ${result.exitCode}:\n${result.stderr}\n${result.stdout}`);
  const lines = errorLines(result.stderr);
  assert.equal(lines.length, 1, `one error line:\n${result.stderr}`);
  const line = lines[0]!;
  assert.match(line, /Hint: /, line);
  for (const pattern of patterns) assert.match(line, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  return line;
}

describe('terraform: bad input', function () {
  this.timeout(60_000);
  const env = hermeticEnv();
  const tfwrap = (dir: string, ...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  const good = {
    'stacks/catalog/base.yaml': 'components:\n  terraform:\n    app:\n      vars: { stage: x }\n',
    'stacks/dev.yaml': 'import: [catalog/base]\nvars: { stage: dev }\n',
    'stacks/prod.yaml': 'import: [catalog/base]\nvars: { stage: prod }\n',
    'components/terraform/app/main.tf': SIMPLE_COMPONENT,
  };

  it('unknown stack: suggests near names', async () => {
    const dir = fixtureProject(good);
    oneError(await tfwrap(dir, 'plan', 'dve'), 2, /unknown stack 'dve'/, /Did you mean 'dev'\?/, /E_STACK_UNKNOWN/);
  });

  it('unknown component: names the stack file and suggests', async () => {
    const dir = fixtureProject(good);
    oneError(await tfwrap(dir, 'plan', 'dev', 'ap'), 2, /stacks\/dev\.yaml/, /no component 'ap'/, /Did you mean 'app'\?/);
    oneError(await tfwrap(dir, 'plan', 'nothing', '-s', 'dev'), 2, /no component 'nothing'/, /app/);
  });

  it('an import cycle: names the files', async () => {
    const dir = fixtureProject({
      ...good,
      'stacks/catalog/a.yaml': 'import: [catalog/b]\n',
      'stacks/catalog/b.yaml': 'import: [catalog/a]\n',
      'stacks/dev.yaml': 'import: [catalog/base, catalog/a]\nvars: { stage: dev }\n',
    });
    oneError(await tfwrap(dir, 'plan', 'dev'), 2, /catalog\/a/, /catalog\/b/, /E_IMPORT_CYCLE/);
  });

  it('a missing import: names the importing file and line', async () => {
    const dir = fixtureProject({ ...good, 'stacks/dev.yaml': 'import:\n  - catalog/base\n  - catalog/nope\nvars: { stage: dev }\n' });
    oneError(await tfwrap(dir, 'plan', 'dev'), 2, /stacks\/dev\.yaml:3/, /catalog\/nope/, /E_IMPORT_MISSING/);
  });

  it('a YAML syntax error: file and line', async () => {
    const dir = fixtureProject({ ...good, 'stacks/dev.yaml': 'import: [catalog/base]\nvars:\n  stage: dev\n  bad: [unclosed\n' });
    oneError(await tfwrap(dir, 'plan', 'dev'), 2, /stacks\/dev\.yaml:\d+/, /E_(CONFIG|STACK)_(SYNTAX|INVALID)/);
  });

  it('a missing component directory: names the directory and the stack file', async () => {
    const dir = fixtureProject({ ...good, 'stacks/dev.yaml': 'import: [catalog/base]\ncomponents:\n  terraform:\n    web: { vars: { stage: dev } }\n' });
    oneError(await tfwrap(dir, 'plan', 'dev', 'web'), 2, /stacks\/dev\.yaml/, /component 'web'/, /components\/terraform\/web does not exist/);
  });

  it('terraform not on PATH: says so, with a hint about components.terraform.command', async () => {
    const dir = fixtureProject(good);
    const result = await runTfwrap(['-C', dir, 'plan', 'dev', 'app'], { env: { ...env, PATH: '/nonexistent' }, cwd: env.HOME! });
    oneError(result, 127, /terraform/, /not found/, /components\.terraform\.command/);
    assert.ok(existsSync(join(dir, 'components/terraform/app/dev-app.terraform.tfvars.json')), 'files are written before terraform runs');
  });

  it('a locked component refuses apply and destroy but plans; an abstract one cannot run', async () => {
    const dir = fixtureProject({
      ...good,
      'stacks/prod.yaml': [
        'import: [catalog/base]',
        'vars: { stage: prod }',
        'components:',
        '  terraform:',
        '    app: { metadata: { locked: true } }',
        '    base: { metadata: { type: abstract, component: app } }',
        '',
      ].join('\n'),
    });
    oneError(await tfwrap(dir, 'apply', 'prod', 'app', '-auto-approve'), 2, /component 'app' of stack 'prod' is locked/, /E_COMPONENT_LOCKED/);
    oneError(await tfwrap(dir, 'destroy', 'app', '-s', 'prod'), 2, /locked/);
    oneError(await tfwrap(dir, 'plan', 'prod', 'base'), 2, /'base' is abstract/);
    const plan = await tfwrap(dir, 'plan', 'prod', 'app', '-no-color');
    assert.equal(plan.exitCode, 0, plan.stderr);
    // A whole-stack apply leaves locked components out and says so.
    const whole = await tfwrap(dir, 'apply', 'prod', '-auto-approve');
    assert.match(whole.stderr, /skipping prod\/app: locked/);
  });

  it('usage errors: no stack, bad --parallelism', async () => {
    const dir = fixtureProject(good);
    oneError(await tfwrap(dir, 'plan'), 64, /needs a stack/);
    oneError(await tfwrap(dir, 'plan', 'dev', '--parallelism', '0'), 64, /--parallelism/);
  });
});
