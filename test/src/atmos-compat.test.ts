// Atmos compatibility, end to end: examples/atmos-quickstart (atmos.yaml, stacks/catalog,
// stacks/deploy, name_pattern) with the built CLI and real terraform; validate's warnings;
// !include of a component's .tfvars as in Atmos's examples/native-terraform.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, runTfwrap } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { SIMPLE_COMPONENT, copyExample, errorLines, fixtureProject, recordingTerraform, writeTree } from './support/terraform.js';

describe('Atmos compatibility: examples/atmos-quickstart', function () {
  this.timeout(180_000);
  let dir: string;
  let env: Record<string, string>;
  const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  before(() => {
    dir = copyExample('atmos-quickstart');
    env = hermeticEnv();
  });

  it('lists the stacks by their name_pattern names, not catalog or _defaults files (pkg/config GetContextPrefix; stacks.excluded_paths)', async () => {
    assert.equal(ok(await tfwrap('list', 'stacks'), 'list stacks').stdout, 'dev\nprod');
  });

  it('tfwrap plan dev runs vpc then app (map-form depends_on), with the logical name in workspace and varfile', async () => {
    const result = ok(await tfwrap('plan', 'dev', '-no-color'), 'plan dev');
    assert.match(result.stdout, /^\[dev\/vpc\] Plan: 1 to add, 0 to change, 0 to destroy\./m);
    assert.match(result.stdout, /^\[dev\/app\] Plan: 1 to add, 0 to change, 0 to destroy\./m);
    const lines = result.stderr.split('\n');
    assert.ok(lines.findIndex((l) => l.includes('[dev/app] started')) > lines.findIndex((l) => l.includes('[dev/vpc] ok')));
    // The varfile is named after the logical stack; vpc/defaults's vars under dev's own.
    const varfile = JSON.parse(readFileSync(join(dir, 'components/terraform/vpc/dev-vpc.terraform.tfvars.json'), 'utf8'));
    assert.deepEqual(varfile, { namespace: 'demo', stage: 'dev', cidr: '10.0.0.0/16', availability_zones: ['a'] });
  });

  it('describe component shows the overrides env and the workspace of the logical stack (internal/exec/stack_processor_utils.go overrides)', async () => {
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'prod', '--format', 'json'), 'describe').stdout);
    assert.equal(described.workspace, 'prod');
    assert.equal(described.varfile, 'prod-app.terraform.tfvars.json');
    assert.deepEqual(described.env, { TEAM: 'apps' });
    assert.deepEqual(described.vars, { namespace: 'demo', stage: 'prod', replicas: 3, image: 'example/app:1.0' });
    assert.deepEqual(described.depends_on, ['vpc']);
  });

  it("describe stacks prints every stack's components in Atmos's shape, filtered by --stack, --components, --sections", async () => {
    const all = JSON.parse(ok(await tfwrap('describe', 'stacks', '--components', 'app', '--sections', 'vars,workspace', '--format', 'json'), 'describe stacks').stdout);
    assert.deepEqual(Object.keys(all), ['dev', 'prod']);
    assert.deepEqual(all.prod, { components: { terraform: { app: { workspace: 'prod', vars: { namespace: 'demo', stage: 'prod', replicas: 3, image: 'example/app:1.0' } } } } });
    const one = JSON.parse(ok(await tfwrap('describe', 'stacks', '-s', 'dev', '--format', 'json'), 'describe stacks -s dev').stdout);
    assert.deepEqual(Object.keys(one.dev.components.terraform), ['app', 'vpc', 'vpc/defaults']);
    assert.deepEqual(one.dev.components.terraform.app.env, { TEAM: 'apps' });
  });

  it('a disabled component (metadata.enabled: false) is skipped by a whole-stack run and reported', async () => {
    const prod = join(dir, 'stacks/deploy/prod.yaml');
    const original = readFileSync(prod, 'utf8');
    writeFileSync(prod, original.replace('    app:\n      vars:', '    app:\n      metadata:\n        enabled: false\n      vars:'));
    try {
      const result = ok(await tfwrap('plan', 'prod', '-no-color'), 'plan prod');
      assert.match(result.stderr, /^tfwrap: skipping prod\/app: disabled \(metadata\.enabled: false\)$/m);
      // Only vpc is left: it runs as a single component.
      assert.match(result.stdout, /^Plan: 1 to add, 0 to change, 0 to destroy\./m);
      assert.match(result.stdout, /terraform_data\.vpc will be created/);
      assert.doesNotMatch(result.stdout, /terraform_data\.app/);
    } finally {
      writeFileSync(prod, original);
    }
  });

  it('stack-wide metadata: from an imported file applies to every component under its own; a key that names one component is a one-line error (Atmos 2026-07-28, stack_processor_process_stacks.go validateGlobalMetadataSection)', async () => {
    const prod = join(dir, 'stacks/deploy/prod.yaml');
    const frozen = join(dir, 'stacks/mixins/frozen.yaml');
    const original = readFileSync(prod, 'utf8');
    writeFileSync(frozen, 'metadata:\n  enabled: false\n  labels: { team: core }\n');
    writeFileSync(prod, original.replace('  - path: mixins/team', '  - path: mixins/team\n  - mixins/frozen').replace('    vpc:\n      vars:', '    vpc:\n      metadata: { enabled: true, labels: { tier: net } }\n      vars:'));
    try {
      const result = ok(await tfwrap('plan', 'prod', '-no-color'), 'plan prod');
      assert.match(result.stderr, /^tfwrap: skipping prod\/app: disabled \(metadata\.enabled: false\)$/m);
      assert.match(result.stdout, /terraform_data\.vpc will be created/);
      assert.doesNotMatch(result.stdout, /terraform_data\.app/);
      const described = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc', '-s', 'prod', '--format', 'json'), 'describe').stdout);
      assert.deepEqual([described.enabled, described.metadata.labels], [true, { team: 'core', tier: 'net' }]);

      writeFileSync(frozen, 'metadata:\n  enabled: false\n  inherits: [vpc]\n');
      const failed = await tfwrap('plan', 'prod', '-no-color');
      assert.equal(failed.exitCode, 2, failed.stderr);
      const errors = failed.stderr.split('\n').filter((line) => line.startsWith('tfwrap: '));
      assert.equal(errors.length, 1, failed.stderr);
      assert.match(errors[0]!, new RegExp(`^tfwrap: error: ${frozen}:3:3: metadata\\.inherits is not allowed in a stack-wide metadata: section\\. Hint: a stack-wide metadata: takes labels, tags, custom, enabled, locked, terraform_workspace_pattern`));
      assert.doesNotMatch(failed.stderr, /\n\s+at /);
    } finally {
      writeFileSync(prod, original);
      rmSync(frozen, { force: true });
    }
  });

  it('locals: file-scoped, in dependency order, over the file\'s own vars; describe component shows the values Atmos gives, and no locals (stack_processor_locals.go, pkg/locals/resolver.go)', async () => {
    const staging = join(dir, 'stacks/deploy/staging.yaml');
    writeFileSync(staging, [
      'import: [deploy/_defaults, catalog/vpc]',
      'vars:',
      '  stage: staging',
      'locals:',
      '  name_prefix: "{{ .locals.namespace }}-{{ .vars.stage }}"',
      '  namespace: acme',
      '  tags: { Team: "{{ .locals.namespace | upper }}", Prefix: "{{ .locals.name_prefix }}" }',
      'components:',
      '  terraform:',
      '    vpc:',
      '      vars:',
      '        name: "{{ .locals.name_prefix }}-vpc"',
      '        tags: "{{ .locals.tags }}"',
      '',
    ].join('\n'));
    try {
      const described = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc', '-s', 'staging', '--format', 'json'), 'describe').stdout);
      assert.equal(described.vars.name, 'acme-staging-vpc');
      assert.deepEqual(described.vars.tags, { Team: 'ACME', Prefix: 'acme-staging' });
      assert.equal(described.locals, undefined);
      // describe locals, by the stack's name or its file (internal/exec/describe_locals.go; Atmos's shape).
      const locals = { name_prefix: 'acme-staging', namespace: 'acme', tags: { Team: 'ACME', Prefix: 'acme-staging' } };
      assert.deepEqual(JSON.parse(ok(await tfwrap('describe', 'locals', '-s', 'staging', '--format', 'json'), 'describe locals').stdout), { locals });
      assert.match(ok(await tfwrap('describe', 'locals', '--stack', 'deploy/staging'), 'describe locals (yaml)').stdout, /^locals:\n {2}namespace: acme\n/m);
      assert.deepEqual(JSON.parse(ok(await tfwrap('describe', 'locals', 'vpc', '-s', 'staging', '--format', 'json'), 'describe locals vpc').stdout),
        { components: { terraform: { vpc: { locals } } } });
      const none = await tfwrap('describe', 'locals', '-s', 'dev');
      assert.equal(none.exitCode, 2);
      assert.match(none.stderr, /^tfwrap: error: stack 'dev' has no locals\. Hint: .*\[E_LOCALS_NONE\]$/m);
      // validate no longer says locals are not acted on, nor that the templates are left as text.
      const validated = await tfwrap('validate');
      assert.doesNotMatch(validated.stderr, /staging\.yaml.*(locals|Go template)/);
      // A cycle is one line naming the file and line of the local, and the chain.
      writeFileSync(staging, 'vars: { stage: staging }\nlocals:\n  a: "{{ .locals.b }}"\n  b: "{{ .locals.a }}"\ncomponents: { terraform: { vpc: {} } }\n');
      // The manifest cannot be read, so it has no name from name_pattern: it is named by its path.
      const cycle = await tfwrap('describe', 'component', 'vpc', '-s', 'deploy/staging');
      assert.equal(cycle.exitCode, 2);
      assert.match(cycle.stderr, new RegExp(`^tfwrap: error: ${staging}:3:3: locals: the locals refer to each other in a cycle: a -> b -> a`, 'm'));
      assert.doesNotMatch(cycle.stderr, /\n\s+at /);
    } finally {
      rmSync(staging, { force: true });
    }
  });

  it('an import glob with its own extension (catalog/vp?.*) is matched as written, and a non-manifest match is a one-line error (stack_processor_utils.go: no .yaml appended when filepath.Ext is not empty)', async () => {
    const qa = join(dir, 'stacks/deploy/qa.yaml');
    const notes = join(dir, 'stacks/catalog/vpc.md');
    writeFileSync(qa, 'import:\n  - deploy/_defaults\n  - catalog/vp?.*\nvars:\n  stage: qa\n');
    try {
      const described = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc', '-s', 'qa', '--format', 'json'), 'describe').stdout);
      assert.deepEqual(described.vars, { namespace: 'demo', stage: 'qa', cidr: '10.0.0.0/16', availability_zones: ['a', 'b'] });
      writeFileSync(notes, '# The VPC catalog\n\nOne VPC per stack.\n');
      const refused = await tfwrap('describe', 'component', 'vpc', '-s', 'deploy/qa');
      assert.equal(refused.exitCode, 2);
      assert.match(refused.stderr, new RegExp(`^tfwrap: error: ${qa}:3:5: import 'catalog/vp\\?\\.\\*' matched catalog/vpc\\.md, which is not a stack manifest .*\\[E_STACK_INVALID\\]$`, 'm'));
      assert.doesNotMatch(refused.stderr, /\n\s+at /);
    } finally {
      rmSync(qa, { force: true });
      rmSync(notes, { force: true });
    }
  });

  it('validate is clean on the example, and warns with file:line about what tfwrap does not act on', async () => {
    ok(await tfwrap('validate'), 'validate');
    writeFileSync(join(dir, 'stacks/deploy/qa.yaml'), [
      'import: [deploy/_defaults, catalog/vpc]',
      'vars:',
      '  stage: qa',
      'workflows:',
      '  x: 1',
      'components:',
      '  terraform:',
      '    vpc:',
      '      metadata: { name: vpc-qa, terraform_workspace_pattern: "{stage}", owner: me }',
      '      vars:',
      '        name: "{{ .vars.stage }}-vpc"',
      '        id: !terraform.output other id',
      '',
    ].join('\n'));
    const result = await tfwrap('validate');
    const qa = join(dir, 'stacks/deploy/qa.yaml');
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('tfwrap: warning: '));
    assert.deepEqual(warnings, [...new Set(warnings)], 'each warning is printed once');
    assert.match(result.stderr, new RegExp(`^tfwrap: warning: ${qa}:4:1: workflows: is not used by tfwrap\\. \\[E_STACK_INVALID\\]$`, 'm'));
    // The metadata keys that decide the state (name, the workspace rules) are used; others are not.
    assert.match(result.stderr, new RegExp(`^tfwrap: warning: ${qa}:9:\\d+: component 'vpc': metadata\\.owner is not used by tfwrap\\.`, 'm'));
    assert.doesNotMatch(result.stderr, /metadata\.(name|terraform_workspace_pattern) is not used/);
    assert.match(result.stderr, new RegExp(`^tfwrap: warning: ${qa}:11: Go template syntax \\({{ }}\\) is left as text`, 'm'));
    // The function's arguments are checked: a component the stack does not define is an error at its line.
    assert.match(result.stderr, new RegExp(`^tfwrap: ${qa}:12: !terraform\\.output other id: stack 'qa' has no component 'other'`, 'm'));
    assert.equal(result.exitCode, 1);
  });

  it('validate reads edition and stacks.inherit.metadata without a warning, and warns about the inherit keys it does not act on', async () => {
    const atmosYaml = join(dir, 'atmos.yaml');
    const original = readFileSync(atmosYaml, 'utf8');
    try {
      writeFileSync(atmosYaml, original.replace('stacks:\n', 'edition: "2026-01"\nstacks:\n  inherit: { metadata: true, source: true }\n'));
      const result = await tfwrap('validate');
      // Warnings located in atmos.yaml only (an earlier test leaves a stack with warnings of its own).
      const warnings = result.stderr.split('\n').filter((line) => line.startsWith(`tfwrap: warning: ${atmosYaml}:`));
      assert.deepEqual(warnings.map((line) => line.replace(/^.*atmos\.yaml:\d+(:\d+)?: /, '')), ['stacks.inherit.source: is not used by tfwrap. [E_CONFIG_INVALID]']);
      // ATMOS_EDITION wins over edition: in atmos.yaml (Atmos's precedence); a malformed one is one line.
      const bad = await runTfwrap(['-C', dir, 'list', 'stacks'], { env: { ...env, ATMOS_EDITION: 'next' }, cwd: env.HOME! });
      assert.equal(bad.exitCode, 2, bad.stderr);
      assert.equal(bad.stderr.trim(), 'tfwrap: error: ATMOS_EDITION must be a date anchor: "YYYY", "YYYY-MM" or "YYYY-MM-DD", not "next". Hint: for example ATMOS_EDITION=2026-01, or unset it to use edition: in atmos.yaml [E_CONFIG_INVALID]');
    } finally {
      writeFileSync(atmosYaml, original);
    }
  });
});

describe('Atmos compatibility: rules found with Atmos\'s own fixtures', function () {
  this.timeout(60_000);
  const atmosYaml = 'components: { terraform: { base_path: components/terraform } }\nstacks: { base_path: stacks, included_paths: ["*.yaml"] }\nauth: { identities: { local: { kind: ambient, default: true } } }\n';
  /** A repository written to a temporary directory, and tfwrap run in it (with `extraEnv` over a hermetic environment). */
  const repoIn = (files: Record<string, string>, extraEnv: Record<string, string> = {}) => {
    const dir = writeTree(tempDir('tfwrap-atmos-'), files);
    const env: Record<string, string> = { ...hermeticEnv(), ...extraEnv };
    const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });
    return {
      dir,
      tfwrap,
      /** `describe component`, as JSON. */
      describe: async (component: string, stack: string) =>
        JSON.parse(ok(await tfwrap('describe', 'component', component, '-s', stack, '--format', 'json'), 'describe').stdout) as Record<string, any>,
      /** The error lines of a command that must exit 2, the repository's directory written <dir>. */
      errors: async (...args: string[]) => {
        const failed = await tfwrap(...args);
        assert.equal(failed.exitCode, 2, failed.stderr);
        return errorLines(failed.stderr).map((line) => line.replaceAll(dir, '<dir>'));
      },
    };
  };
  const describeIn = (files: Record<string, string>, component: string, stack: string) => repoIn(files).describe(component, stack);

  it('legacy component: naming no component of the stack keeps the component\'s own directory, varfile and workspace (stack_processor_utils.go ProcessBaseComponentConfig)', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml,
      'components/terraform/vpc/main.tf': '',
      'components/terraform/mock/main.tf': '',
      'stacks/prod.yaml': 'components:\n  terraform:\n    vpc:\n      component: mock\n      vars: { cidr: 10.0.0.0/16 }\n    app:\n      component: nowhere\n',
    });
    const described = await repo.describe('vpc', 'prod');
    assert.deepEqual([described.terraform_component, described.workspace, described.varfile], ['vpc', 'prod', 'prod-vpc.terraform.tfvars.json']);
    assert.deepEqual(await repo.errors('describe', 'component', 'app', '-s', 'prod', '--format', 'json'), [
      "tfwrap: error: <dir>/stacks/prod.yaml:7:7: component 'app' inherits from 'nowhere' (component: nowhere), which stack 'prod' does not define and which is no directory under <dir>/components/terraform. Hint: define it in the stack or in a catalog it imports, or use metadata.component to name a Terraform directory [E_COMPONENT_INVALID]",
    ]);
  });

  it('overrides: a catalog two team files import gets both teams\' overrides, the later team\'s winning (stack_processor_utils.go processYAMLConfigFileWithContextInternal)', async () => {
    const described = await describeIn({
      'atmos.yaml': atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["deploy/*.yaml"]'),
      'components/terraform/c1/main.tf': '',
      'stacks/catalog/c1.yaml': 'components: { terraform: { c1: { vars: { test: { a: a, b: b, c: c } } } } }\n',
      'stacks/teams/team1.yaml': 'import: [catalog/c1]\nterraform: { overrides: { vars: { test: { a: a-team1, b: b-team1, c: c-team1 } } } }\n',
      'stacks/teams/team2.yaml': 'import: [catalog/c1]\nterraform: { overrides: { vars: { test: { a: a-team2, b: b-team2 } } } }\n',
      'stacks/deploy/sandbox.yaml': 'import: [teams/team1, teams/team2]\n',
    }, 'c1', 'deploy/sandbox');
    assert.deepEqual(described.vars.test, { a: 'a-team2', b: 'b-team2', c: 'c-team1' });
  });

  it('remote_state_backend defaults to the backend; a remote_state_backend_type its section does not configure stops describe stacks with one line (stack_processor_backend.go)', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml,
      'components/terraform/vpc/main.tf': '',
      'stacks/dev.yaml': 'terraform:\n  backend_type: s3\n  backend: { s3: { bucket: tfstate } }\n  remote_state_backend: { s3: { role_arn: readonly } }\ncomponents:\n  terraform:\n    vpc: {}\n',
    });
    const described = await repo.describe('vpc', 'dev');
    assert.deepEqual([described.remote_state_backend_type, described.remote_state_backend], ['s3', { bucket: 'tfstate', workspace_key_prefix: 'vpc', role_arn: 'readonly' }]);
    writeTree(repo.dir, { 'stacks/dev.yaml': 'terraform:\n  backend_type: s3\n  backend: { s3: { bucket: tfstate } }\n  remote_state_backend: { s3: { role_arn: readonly } }\ncomponents:\n  terraform:\n    vpc:\n      remote_state_backend_type: local\n' });
    assert.deepEqual(await repo.errors('describe', 'stacks', '--format', 'json'), [
      'tfwrap: error: <dir>/stacks/dev.yaml:8:7: component \'vpc\' of stack \'dev\': remote_state_backend_type is "local" but remote_state_backend: only configures s3. Hint: add a "local" key under remote_state_backend:, or change remote_state_backend_type to match [E_COMPONENT_INVALID]',
    ]);
  });

  it('atmos.yaml integrations.github reaches every component\'s settings; validate warns about the other integrations only (stack_processor_utils.go processSettingsIntegrationsGithub)', async () => {
    const repo = repoIn({
      'atmos.yaml': `${atmosYaml}integrations:\n  github: { gitops: { terraform-version: 1.9.8 } }\n  atlantis: { path: atlantis.yaml, project_templates: {} }\n  spacelift: {}\n`,
      'components/terraform/vpc/main.tf': '',
      'stacks/dev.yaml': 'components:\n  terraform:\n    vpc: { settings: { integrations: { github: { gitops: { infracost-enabled: true } } } } }\n',
    });
    const described = await repo.describe('vpc', 'dev');
    assert.deepEqual(described.settings, { integrations: { github: { gitops: { 'terraform-version': '1.9.8', 'infracost-enabled': true } } } });
    const validated = ok(await repo.tfwrap('validate'), 'validate');
    assert.deepEqual(validated.stderr.split('\n').filter((line) => line.startsWith('tfwrap: warning: ')).map((line) => line.replace(repo.dir, '<dir>')),
      ['tfwrap: warning: <dir>/atmos.yaml:6:15: integrations.atlantis.path: is not used by tfwrap. [E_CONFIG_INVALID]', 'tfwrap: warning: <dir>/atmos.yaml:7:3: integrations.spacelift: is not used by tfwrap. [E_CONFIG_INVALID]']);
  });

  it('a component template reads .spacelift_stack and .atlantis_project as Atmos computes them (internal/exec/utils.go computeSpaceliftAndAtlantisNames)', async () => {
    const described = await describeIn({
      'atmos.yaml': `${atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["*.yaml"], name_pattern: "{tenant}-{stage}"')}templates: { settings: { enabled: true } }\n`,
      'components/terraform/vpc/main.tf': '',
      'stacks/dev.yaml': [
        'vars: { tenant: t1, stage: dev }',
        'components:',
        '  terraform:',
        '    vpc:',
        '      settings: { spacelift: { workspace_enabled: true }, atlantis: { project_template: { name: "{tenant}-{component}" } } }',
        '      vars: { tags: { spacelift_stack: "{{ .spacelift_stack }}", atlantis_project: "{{ .atlantis_project }}" } }',
        '',
      ].join('\n'),
    }, 'vpc', 't1-dev');
    assert.deepEqual(described.vars.tags, { spacelift_stack: 't1-dev-vpc', atlantis_project: 't1-vpc' });
  });

  it('a catalog two imports share counts where it is last reached: its values come back over the first importer\'s (stack_processor_utils.go processYAMLConfigFileWithContextInternal)', async () => {
    const described = await describeIn({
      'atmos.yaml': atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["deploy/*.yaml"]'),
      'components/terraform/app/main.tf': '',
      'stacks/catalog/defaults.yaml': 'vars: { size: small, zone: a }\n',
      'stacks/catalog/big.yaml': 'import: [catalog/defaults]\nvars: { size: big }\n',
      'stacks/catalog/zone-b.yaml': 'import: [catalog/defaults]\nvars: { zone: b }\n',
      'stacks/deploy/dev.yaml': 'import: [catalog/big, catalog/zone-b]\ncomponents: { terraform: { app: {} } }\n',
    }, 'app', 'deploy/dev');
    assert.deepEqual(described.vars, { size: 'small', zone: 'b' });
  });

  it('a glob import without an extension gets .yaml: mixins/* skips .yml files and catalog/** is the manifests directly in catalog/ (stack_processor_utils.go, doublestar)', async () => {
    const described = await describeIn({
      'atmos.yaml': atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["deploy/*.yaml"]'),
      'components/terraform/app/main.tf': '',
      'stacks/mixins/a.yaml': 'vars: { a: 1 }\n',
      'stacks/mixins/b.yml': 'vars: { b: 2 }\n',
      'stacks/catalog/top.yaml': 'vars: { top: 1 }\n',
      'stacks/catalog/deep/below.yaml': 'vars: { below: 1 }\n',
      'stacks/deploy/dev.yaml': 'import: ["mixins/*", "catalog/**"]\ncomponents: { terraform: { app: {} } }\n',
    }, 'app', 'deploy/dev');
    assert.deepEqual(described.vars, { a: 1, top: 1 });
  });

  it('ATMOS_* variables override atmos.yaml (pkg/config/utils.go processEnvVars): ATMOS_COMPONENTS_TERRAFORM_COMMAND and ATMOS_STACKS_BASE_PATH', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml,
      'components/terraform/vpc/main.tf': '',
      'stacks/dev.yaml': 'components: { terraform: { vpc: { vars: { from: stacks } } } }\n',
      'deploy/dev.yaml': 'components: { terraform: { vpc: { vars: { from: deploy } } } }\n',
    }, { ATMOS_COMPONENTS_TERRAFORM_COMMAND: 'tofu', ATMOS_STACKS_BASE_PATH: 'deploy' });
    const described = await repo.describe('vpc', 'dev');
    assert.deepEqual([described.command, described.vars], ['tofu', { from: 'deploy' }]);
  });

  it('templates in dependencies.components render with the component section (describe_stacks_component_processor.go)', async () => {
    const described = await describeIn({
      'atmos.yaml': `${atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["*.yaml"], name_pattern: "{stage}"')}templates: { settings: { enabled: true } }\n`,
      'components/terraform/vpc/main.tf': '',
      'components/terraform/eks/main.tf': '',
      'stacks/deploy.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    vpc: {}\n    eks:\n      dependencies:\n        components:\n          - { component: vpc, stack: "{{ .vars.stage }}" }\n',
    }, 'eks', 'dev');
    assert.deepEqual([described.depends_on, described.cross_stack_depends_on], [['vpc'], []]);
  });

  it('templates.settings.env sets what a component template\'s env reads, atmos.yaml\'s under the component\'s (template_utils.go ProcessTmplWithDatasources)', async () => {
    const described = await describeIn({
      'atmos.yaml': `${atmosYaml}templates: { settings: { enabled: true, sprig: { enabled: true }, env: { FROM_ATMOS_YAML: from-atmos-yaml } } }\n`,
      'components/terraform/app/main.tf': '',
      'stacks/dev.yaml': 'components:\n  terraform:\n    app:\n      settings: { templates: { settings: { env: { FROM_STACK: from-stack-manifest } } } }\n      vars: { foo: \'{{ env "FROM_ATMOS_YAML" }}-{{ env "FROM_STACK" }}\' }\n',
    }, 'app', 'dev');
    assert.equal(described.vars.foo, 'from-atmos-yaml-from-stack-manifest');
  });

  it('a base\'s !template under a mapping the component sets is deep-merged with it once evaluated, in describe component and describe stacks (pkg/merge/merge_yaml_functions.go ApplyDeferredMerges)', async () => {
    const repo = repoIn({
      'atmos.yaml': `${atmosYaml}templates: { settings: { enabled: true, sprig: { enabled: true } } }\n`,
      'components/terraform/app/main.tf': '',
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    base:',
        '      metadata: { type: abstract }',
        '      settings: { cfg: { enabled: true, timeout: 30 } }',
        '      vars:',
        '        config: !template \'{{ toJson .settings.cfg }}\'',
        '    app:',
        '      metadata: { inherits: [base] }',
        '      vars: { config: { enabled: false, a: 1 } }',
        '',
      ].join('\n'),
    });
    const merged = { enabled: false, timeout: 30, a: 1 };
    assert.deepEqual((await repo.describe('app', 'dev')).vars.config, merged);
    const stacks = JSON.parse(ok(await repo.tfwrap('describe', 'stacks', '--format', 'json'), 'describe stacks').stdout) as { dev: { components: { terraform: { app: { vars: { config: unknown } } } } } };
    assert.deepEqual(stacks.dev.components.terraform.app.vars.config, merged);
    // tfwrap evaluates !template: validate has nothing to warn about (it said "not evaluated by tfwrap").
    const validated = ok(await repo.tfwrap('validate'), 'validate');
    assert.equal(validated.stderr, '');
  });

  it('a terraform var reads a helmfile.locals entry: the file\'s templates see every section\'s locals (stack_processor_locals.go MergeForTemplateContext)', async () => {
    const described = await describeIn({
      'atmos.yaml': atmosYaml,
      'components/terraform/vpc/main.tf': '',
      'stacks/dev.yaml': 'locals: { ns: acme }\nhelmfile:\n  locals: { release_prefix: "{{ .locals.ns }}-helm" }\ncomponents:\n  terraform:\n    vpc: { vars: { name: "{{ .locals.ns }}-vpc", rel: "{{ .locals.release_prefix }}-x" } }\n',
    }, 'vpc', 'dev');
    assert.deepEqual(described.vars, { name: 'acme-vpc', rel: 'acme-helm-x' });
  });

  it('!env is the component\'s env: value, else the environment\'s, else the default, in describe component and describe stacks (pkg/utils/yaml_func_env.go ProcessTagEnv)', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml,
      'components/terraform/app/main.tf': '',
      'stacks/dev.yaml': [
        'vars:',
        '  region: !env REGION',
        '  zone: !env ZONE',
        '  tier: !env TIER standard',
        'components:',
        '  terraform:',
        '    app:',
        '      env: { REGION: eu-west-1 }',
        '    web: {}',
        '',
      ].join('\n'),
    }, { REGION: 'us-east-1', ZONE: 'a' });
    const app = await repo.describe('app', 'dev');
    assert.deepEqual([app.vars, app.env], [{ region: 'eu-west-1', zone: 'a', tier: 'standard' }, { REGION: 'eu-west-1' }]);
    assert.deepEqual((await repo.describe('web', 'dev')).vars, { region: 'us-east-1', zone: 'a', tier: 'standard' });
    const stacks = JSON.parse(ok(await repo.tfwrap('describe', 'stacks', '--format', 'json'), 'describe stacks').stdout) as Record<string, any>;
    assert.deepEqual(stacks.dev.components.terraform.app.vars, { region: 'eu-west-1', zone: 'a', tier: 'standard' });
  });

  it('a stack named from a var that !env gives: named by the value, and validate warns that Atmos names it by the text (describe_stacks_component_processor.go resolveStackName)', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["*.yaml"], name_pattern: "{stage}"'),
      'components/terraform/app/main.tf': '',
      'stacks/dev.yaml': 'vars: { stage: !env STAGE }\ncomponents: { terraform: { app: {} } }\n',
    }, { STAGE: 'prod' });
    assert.equal((await repo.describe('app', 'prod')).stack, 'prod');
    const validated = ok(await repo.tfwrap('validate'), 'validate');
    assert.deepEqual(validated.stderr.split('\n').filter((line) => line.startsWith('tfwrap: warning:')).map((line) => line.replaceAll(repo.dir, '<dir>')), [
      'tfwrap: warning: <dir>/stacks/dev.yaml:1: vars.stage: !env STAGE decides the stack\'s name: Atmos names the stack from the function\'s text ("!env STAGE"), tfwrap from its value. Hint: write the value out: Atmos evaluates no function where it names stacks [E_STACK_INVALID]',
    ]);
  });

  it('a template reading another component\'s !terraform.output through atmos.Component is one line naming the function\'s file:line (was the marker printed as a Go map)', async () => {
    const repo = repoIn({
      'atmos.yaml': `${atmosYaml}templates: { settings: { enabled: true } }\n`,
      'components/terraform/app/main.tf': '',
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    net: { metadata: { component: app } }',
        '    vpc:',
        '      metadata: { component: app }',
        '      vars: { id: !terraform.output net vpc_id }',
        '    app:',
        '      vars: { vpc_id: \'{{ (atmos.Component "vpc" .stack).vars.id }}\' }',
        '',
      ].join('\n'),
    });
    assert.deepEqual(await repo.errors('describe', 'stacks'), [
      'tfwrap: error: <dir>/stacks/dev.yaml:6: component \'app\' of stack \'dev\' reads !terraform.output net vpc_id of component \'vpc\' through atmos.Component: tfwrap does not evaluate YAML functions inside templates. Hint: read the value with !terraform.output in component \'app\' of stack \'dev\' itself, or pass it in vars [E_UNSUPPORTED]',
    ]);
  });

  it('an !exec mapping under a mapping another globals file sets is one line at the function, where Atmos takes the later mapping whole (merge_yaml_functions.go: functions merge as text within a layer)', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["*.yaml"], excluded_paths: ["_*.yaml"]'),
      'components/terraform/app/main.tf': '',
      'stacks/_globals.yaml': 'vars:\n  tags: !exec echo \'{"team":"core"}\'\n',
      'stacks/dev.yaml': 'import: [_globals]\nvars: { tags: { env: dev } }\ncomponents: { terraform: { app: {} } }\n',
    });
    assert.deepEqual(await repo.errors('describe', 'component', 'app', '-s', 'dev'), [
      'tfwrap: error: <dir>/stacks/_globals.yaml:2: !exec echo \'{"team":"core"}\' gives vars.tags a mapping that dev.yaml sets too: Atmos merges the function there as its text (the later of the two replaces the other), tfwrap merges its value. Hint: set vars.tags in one place, or move one of the two values under another key [E_UNSUPPORTED]',
    ]);
  });

  it('describe stacks shows a deferred function written in an imported catalog as its text, beside stacks whose files hold none (internal/exec/describe_stacks.go without function processing)', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml.replace('included_paths: ["*.yaml"]', 'included_paths: ["*.yaml"], excluded_paths: ["catalog/**"]'),
      'components/terraform/app/main.tf': '',
      'stacks/catalog/vpc.yaml': 'components:\n  terraform:\n    net: { metadata: { component: app } }\n    vpc:\n      metadata: { component: app }\n      vars: { id: !terraform.output net vpc_id }\n',
      'stacks/dev.yaml': 'import: [catalog/vpc]\n',
      'stacks/prod.yaml': 'components: { terraform: { vpc: { metadata: { component: app }, vars: { id: vpc-1 } } } }\n',
    });
    const stacks = JSON.parse(ok(await repo.tfwrap('describe', 'stacks', '--format', 'json'), 'describe stacks').stdout) as Record<string, any>;
    assert.deepEqual([stacks.dev.components.terraform.vpc.vars, stacks.prod.components.terraform.vpc.vars], [{ id: '!terraform.output net vpc_id' }, { id: 'vpc-1' }]);
  });

  it('env: { A: !env A } gives the text "!env A", as in Atmos (env.mdx, Single-Pass Processing), and validate warns at its line; another variable passes', async () => {
    const repo = repoIn({
      'atmos.yaml': atmosYaml,
      'components/terraform/app/main.tf': '',
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    app:',
        '      env:',
        '        AWS_PROFILE: !env AWS_PROFILE',
        '        REGION: !env AWS_REGION',
        '      vars: { profile: !env AWS_PROFILE }',
        '',
      ].join('\n'),
    }, { AWS_PROFILE: 'prod-admin', AWS_REGION: 'eu-west-1' });
    const app = await repo.describe('app', 'dev');
    assert.deepEqual([app.env, app.vars], [{ AWS_PROFILE: '!env AWS_PROFILE', REGION: 'eu-west-1' }, { profile: '!env AWS_PROFILE' }]);
    const validated = ok(await repo.tfwrap('validate'), 'validate');
    assert.deepEqual(validated.stderr.split('\n').filter((line) => line.startsWith('tfwrap: warning:')).map((line) => line.replaceAll(repo.dir, '<dir>')), [
      'tfwrap: warning: <dir>/stacks/dev.yaml:5: env: AWS_PROFILE: !env AWS_PROFILE gives the text "!env AWS_PROFILE", not the environment\'s AWS_PROFILE: Atmos\'s !env looks in the component\'s env: first, where AWS_PROFILE is this function. Hint: leave AWS_PROFILE out of env: (Terraform inherits the environment), or give it a value [E_STACK_INVALID]',
    ]);
    assert.doesNotMatch(validated.stderr + validated.stdout, /prod-admin/);
  });
});

describe("Atmos compatibility: a component's command (internal/exec/stack_processor_merge.go)", function () {
  this.timeout(120_000);
  const env = hermeticEnv();
  const tfwrap = (dir: string, ...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  it('describe shows the command that runs: atmos.yaml, then terraform:, bases, the component, overrides; default terraform; the run uses it', async () => {
    const shim = recordingTerraform();
    const dir = fixtureProject({
      'tfwrap.yaml': 'components:\n  terraform:\n    command: tofu\nauth:\n  identities:\n    local: { kind: ambient, default: true }\n',
      'stacks/dev.yaml': [
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    plain: { metadata: { component: app } }',
        `    app: { command: ${JSON.stringify(join(shim.bin, 'terraform'))} }`,
        '',
      ].join('\n'),
      'components/terraform/app/main.tf': SIMPLE_COMPONENT,
    });
    const described = async (component: string) => JSON.parse(ok(await tfwrap(dir, 'describe', 'component', component, '-s', 'dev', '--format', 'json'), 'describe').stdout).command;
    assert.equal(await described('plain'), 'tofu');
    assert.equal(await described('app'), join(shim.bin, 'terraform'));
    const stacks = JSON.parse(ok(await tfwrap(dir, 'describe', 'stacks', '--sections', 'command', '--format', 'json'), 'describe stacks').stdout);
    assert.deepEqual(stacks.dev.components.terraform, { app: { command: join(shim.bin, 'terraform') }, plain: { command: 'tofu' } });

    // tofu is not installed here: the component's own command is what runs, not components.terraform.command.
    ok(await tfwrap(dir, 'plan', 'dev', 'app', '-no-color'), 'plan with the component command');
    assert.ok(shim.calls().some((call) => / plan /.test(call)), shim.calls().join('\n'));

    writeFileSync(join(dir, 'tfwrap.yaml'), 'auth:\n  identities:\n    local: { kind: ambient, default: true }\n');
    assert.equal(await described('plain'), 'terraform');
  });
});

describe('Atmos compatibility: !include of a .tfvars file and a .env file (pkg/filetype/filetype_by_extension.go)', function () {
  this.timeout(60_000);

  it('describe component merges the parsed .tfvars as vars and the parsed .env as env (examples/native-terraform); a block is a one-line error naming the !include', async () => {
    const dir = fixtureProject({
      'components/terraform/vpc/main.tf': 'variable "cidr_block" {}\nvariable "azs" {}\nvariable "tags" {}\n',
      'components/terraform/vpc/envs/dev.tfvars': '# dev\ncidr_block = "10.0.0.0/16"\nazs = ["us-east-2a", "us-east-2b"]\ntags = {\n  Team = "net"\n}\n',
      'components/terraform/vpc/variables.tf': 'variable "cidr_block" {\n  type = string\n}\n',
      'stacks/app.env': 'export LOG_LEVEL=debug\nURL="https://${LOG_LEVEL}.example" # comment\n',
      'stacks/dev.yaml': [
        'vars: { stage: dev }',
        'components:',
        '  terraform:',
        '    vpc:',
        '      vars: !include ../components/terraform/vpc/envs/dev.tfvars',
        '      env: !include app.env',
        '',
      ].join('\n'),
      'stacks/prod.yaml': 'components:\n  terraform:\n    vpc:\n      vars: !include ../components/terraform/vpc/variables.tf\n',
    });
    const env = hermeticEnv();
    const described = JSON.parse(ok(await runTfwrap(['-C', dir, 'describe', 'component', 'vpc', '-s', 'dev', '--format', 'json'], { env, cwd: dir }), 'describe').stdout);
    assert.deepEqual(described.vars, { stage: 'dev', cidr_block: '10.0.0.0/16', azs: ['us-east-2a', 'us-east-2b'], tags: { Team: 'net' } });
    assert.deepEqual(described.env, { LOG_LEVEL: 'debug', URL: 'https://debug.example' });
    const failed = await runTfwrap(['-C', dir, 'describe', 'component', 'vpc', '-s', 'prod', '--format', 'json'], { env, cwd: dir });
    assert.equal(failed.exitCode, 2);
    assert.deepEqual(errorLines(failed.stderr), [
      `tfwrap: error: ${join(dir, 'stacks/prod.yaml')}:4: !include cannot parse ../components/terraform/vpc/variables.tf as HCL: line 1 (variable "cidr_block" {) is a block, and Atmos reads only attributes (name = value) from an HCL file. [E_STACK_INVALID]`,
    ]);
  });
});
