// `tfwrap describe dependents <component> -s <stack>` (Atmos's command): the components that
// depend on one, through same-stack and cross-stack settings.depends_on and dependencies.components.
import assert from 'node:assert/strict';
import { runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { SIMPLE_COMPONENT, errorLines, fixtureProject } from './support/terraform.js';

describe('tfwrap describe dependents', function () {
  this.timeout(120_000);

  it('lists same-stack and cross-stack dependents (by stack name, and by context defaulting to their own vars)', async () => {
    const dir = fixtureProject({
      'stacks/catalog/network.yaml': 'components:\n  terraform:\n    network: {}\n',
      'stacks/dev.yaml': [
        'import: [catalog/network]',
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    app: { settings: { depends_on: [network] } }',
        '    db: { dependencies: { components: [{ component: network }] } }',
        '    lonely: {}',
        '',
      ].join('\n'),
      'stacks/prod.yaml': [
        'import: [catalog/network]',
        'vars: { stage: prod }',
        'components:',
        '  terraform:',
        // Cross-stack, by context: stage dev.
        '    peering: { settings: { depends_on: { "1": { component: network, stage: dev } } } }',
        // Cross-stack, by stack name.
        '    audit: { settings: { depends_on: { "1": { component: network, stack: dev } } } }',
        // Same stack (prod's own network): not a dependent of dev's.
        '    app: { settings: { depends_on: { "1": { component: network } } } }',
        '',
      ].join('\n'),
      'components/terraform/network/main.tf': SIMPLE_COMPONENT,
    });
    const env = hermeticEnv();
    const run = await runTfwrap(['describe', 'dependents', 'network', '-s', 'dev'], { env, cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    const dependents = JSON.parse(run.stdout) as Array<Record<string, string>>;
    assert.deepEqual(dependents.map((d) => `${d.stack}/${d.component}`), ['dev/app', 'dev/db', 'prod/audit', 'prod/peering']);
    assert.deepEqual(dependents[0], { component: 'app', component_type: 'terraform', stack: 'dev', stack_slug: 'dev-app', stage: 'dev' });

    const prod = await runTfwrap(['describe', 'dependents', 'network', '-s', 'prod', '--format', 'yaml'], { env, cwd: dir });
    assert.equal(prod.exitCode, 0, prod.stderr);
    assert.match(prod.stdout, /^- component: app\n {2}component_type: terraform\n {2}stack: prod\n/);

    const unknown = await runTfwrap(['describe', 'dependents', 'netwrok', '-s', 'dev'], { env, cwd: dir });
    assert.notEqual(unknown.exitCode, 0);
    assert.equal(errorLines(unknown.stderr).length, 1, unknown.stderr);
    assert.match(unknown.stderr, /no component 'netwrok'.*network/);
  });
});
