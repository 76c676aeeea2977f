// Atmos compatibility: one test per rule, each asserting the value Atmos produces for the same
// input. The rule and the Atmos source it comes from (cloudposse/atmos) are in each test's name.
import assert from 'node:assert/strict';
import { deferredAsText, replaceDeferred } from './deferred.js';
import type { Mapping } from './merge.js';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';
import { validateStacks } from './validation.js';

const atmosLayout = (extra: Record<string, unknown> = {}) => ({
  base_path: '.',
  stacks: { base_path: 'stacks', included_paths: ['orgs/**/*'], excluded_paths: ['**/_defaults.yaml'], ...extra },
  components: { terraform: { base_path: 'components/terraform' } },
});

describe('Atmos compatibility (stacks)', () => {
  after(removeFixtureRepos);

  it('stack name from name_pattern: parts split on "-", tokens from vars, joined with "-" (pkg/config/utils.go GetContextPrefix)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/acme/_defaults.yaml': 'vars: { namespace: acme, tenant: plat }',
      'stacks/orgs/acme/dev/us-east-2.yaml': `
        import: [orgs/acme/_defaults]
        vars: { environment: ue2, stage: dev }
        components: { terraform: { vpc: { vars: { cidr: 10.0.0.0/16 } } } }
      `,
      'stacks/orgs/acme/prod/us-east-2.yaml': `
        import: [orgs/acme/_defaults]
        vars: { environment: ue2, stage: prod }
        components: { terraform: { vpc: { vars: {} } } }
      `,
    }, atmosLayout({ name_pattern: '{tenant}-{environment}-{stage}' }));
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['plat-ue2-dev', 'plat-ue2-prod']);
    const stack = await repo.loadStack('plat-ue2-dev');
    assert.equal(stack.file, file('stacks/orgs/acme/dev/us-east-2.yaml'));
    const vpc = await stack.component('vpc');
    // The workspace and the varfile use the logical name.
    assert.equal(vpc.workspace, 'plat-ue2-dev');
    assert.equal(vpc.varfileName, 'plat-ue2-dev-vpc.terraform.tfvars.json');
    // The file path no longer names the stack, and the error says which name it has.
    const err = await rejection(repo.loadStack('orgs/acme/dev/us-east-2'));
    assert.equal(err.code, 'E_STACK_UNKNOWN');
    assert.match(err.hint ?? '', /orgs\/acme\/dev\/us-east-2\.yaml is stack 'plat-ue2-dev'/);
  });

  it('name_pattern: a part that is not exactly a token contributes nothing (pkg/config/utils.go GetContextPrefix)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': 'vars: { tenant: t, stage: dev }\ncomponents: { terraform: { vpc: {} } }',
    }, atmosLayout({ name_pattern: 'x-{tenant}-{stage}' }));
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['t-dev']);
  });

  it('name precedence: manifest name: > name_template > name_pattern > file path (internal/exec/describe_stacks_component_processor.go resolveStackName)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/a.yaml': 'name: explicit\nvars: { stage: a }\ncomponents: { terraform: { vpc: {} } }',
      'stacks/orgs/b.yaml': 'vars: { stage: b, tenant: t }\ncomponents: { terraform: { vpc: {} } }',
      // A var the pattern needs is missing: the stack keeps its path name (resolveStackName's fallback).
      'stacks/orgs/c.yaml': 'vars: { tenant: t }\ncomponents: { terraform: { vpc: {} } }',
      // No components: under a pattern Atmos lists no stack for it.
      'stacks/orgs/d.yaml': 'vars: { stage: d }',
    }, atmosLayout({ name_pattern: '{tenant}-{stage}', name_template: '{{ .vars.tenant }}_{{- .vars.stage }}' }));
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['explicit', 'orgs/c', 't_b']);
    assert.deepEqual(await repo.unnamedByPattern(), [(await repo.listStacks()).find((entry) => entry.name === 'orgs/c')!.file]);
  });

  it('excluded_paths: _defaults and catalog files are not stacks, but can be imported (pkg/config stacks.excluded_paths)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/_defaults.yaml': 'vars: { stage: dev }',
      'stacks/orgs/dev.yaml': 'import: [orgs/_defaults]\ncomponents: { terraform: { vpc: {} } }',
      'stacks/catalog/vpc.yaml': 'components: { terraform: { vpc: {} } }',
    }, atmosLayout());
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['orgs/dev']);
    assert.deepEqual((await (await repo.loadStack('orgs/dev')).component('vpc')).vars, { stage: 'dev' });
  });

  it('several manifests with one logical name are one stack; a component defined the same way twice is used once (internal/exec/utils.go findComponentInStacks)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/dns.yaml': 'components: { terraform: { dns: { vars: { zone: example.com } } } }',
      'stacks/orgs/dev-network.yaml': 'import: [catalog/dns]\nvars: { stage: dev }\ncomponents: { terraform: { vpc: {} } }',
      'stacks/orgs/dev-apps.yaml': 'import: [catalog/dns]\nvars: { stage: dev }\ncomponents: { terraform: { app: {} } }',
    }, atmosLayout({ name_pattern: '{stage}', excluded_paths: ['catalog/**'] }));
    assert.deepEqual((await repo.listStacks()).map((entry) => [entry.name, entry.files.length]), [['dev', 2]]);
    const stack = await repo.loadStack('dev');
    assert.deepEqual(stack.componentNames(), ['app', 'dns', 'vpc']);
    assert.deepEqual((await stack.component('dns')).vars, { stage: 'dev', zone: 'example.com' });
  });

  it('list_merge_strategy replace (default), append, merge (pkg/merge/merge_native.go)', async () => {
    const files = {
      'stacks/catalog/base.yaml': `
        components:
          terraform:
            app:
              vars:
                zones: [a, b]
                rules: [{ port: 80, proto: tcp }, { port: 443 }]
      `,
      'stacks/orgs/dev.yaml': `
        import: [catalog/base]
        components:
          terraform:
            app:
              vars:
                zones: [c]
                rules: [{ port: 8080 }, notamap, { port: 9 }]
      `,
    };
    const vars = async (strategy?: string) => {
      const { repo } = fixtureRepo(files, { ...atmosLayout({ excluded_paths: ['catalog/**'] }), settings: strategy ? { list_merge_strategy: strategy } : {} });
      return (await (await repo.loadStack('orgs/dev')).component('app')).vars;
    };
    assert.deepEqual(await vars(), { zones: ['c'], rules: [{ port: 8080 }, 'notamap', { port: 9 }] });
    assert.deepEqual(await vars('append'), { zones: ['a', 'b', 'c'], rules: [{ port: 80, proto: 'tcp' }, { port: 443 }, { port: 8080 }, 'notamap', { port: 9 }] });
    // merge: item by item; maps merge, otherwise the earlier item stays; the longer list's tail is kept.
    assert.deepEqual(await vars('merge'), { zones: ['a', 'b'], rules: [{ port: 8080, proto: 'tcp' }, { port: 443 }, { port: 9 }] });
  });

  it('settings.list_merge_strategy on a component overrides the global one for that component (internal/exec/stack_processor_merge.go effectiveAtmosConfig)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        vars: { zones: [a] }
        components:
          terraform:
            app:
              settings: { list_merge_strategy: append }
              vars: { zones: [b] }
            db:
              vars: { zones: [b] }
      `,
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    assert.deepEqual((await stack.component('app')).vars.zones, ['a', 'b']);
    assert.deepEqual((await stack.component('db')).vars.zones, ['b']);
  });

  it("overrides apply to the components of the manifest that declares them and its imports, after every other layer; an importer's win (internal/exec/stack_processor_utils.go)", async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/app.yaml': 'components: { terraform: { app: { vars: { team: none, size: 1 } } } }',
      'stacks/catalog/db.yaml': 'components: { terraform: { db: { vars: { team: none } } } }',
      'stacks/teams/apps.yaml': `
        import: [catalog/app]
        terraform:
          overrides:
            vars: { team: apps }
            env: { TEAM: apps }
      `,
      'stacks/teams/data.yaml': `
        import: [catalog/db]
        overrides:
          vars: { team: data }
      `,
      'stacks/orgs/dev.yaml': `
        import: [teams/apps, teams/data]
        components:
          terraform:
            app:
              vars: { team: dev-owner, size: 2 }
      `,
    }, atmosLayout({ excluded_paths: ['catalog/**', 'teams/**'] }));
    const stack = await repo.loadStack('orgs/dev');
    const app = await stack.component('app');
    // Overrides come after every other layer: they beat the stack's own size-and-team values. And as
    // Atmos's code does (finalTerraformOverrides = the imports' overrides, then the file's own, set on
    // the file's own components), dev.yaml's own definition of app also gets what its imports hand
    // back, in import order: teams/data's team after teams/apps's.
    assert.deepEqual(app.vars, { team: 'data', size: 2 });
    assert.deepEqual(app.env, { TEAM: 'apps' });
    // teams/apps's overrides reach db too: teams/data, and so catalog/db, is processed after
    // teams/apps and is handed what it handed back (its own inline team: data still wins).
    assert.deepEqual((await stack.component('db')).vars, { team: 'data' });
    assert.deepEqual((await stack.component('db')).env, { TEAM: 'apps' });
  });

  it('overrides along an import lattice whose paths explode (2^18 here) are one E_STACK_INVALID error naming the stack, not a hang', async () => {
    const files: Record<string, string> = {
      'stacks/orgs/dev.yaml': 'import: [lattice/0-a, lattice/0-b]\noverrides: { vars: { x: 1 } }\ncomponents: { terraform: { app: {} } }',
    };
    const levels = 18;
    for (let level = 0; level < levels; level++) {
      for (const side of ['a', 'b']) {
        files[`stacks/lattice/${level}-${side}.yaml`] = level + 1 < levels ? `import: [lattice/${level + 1}-a, lattice/${level + 1}-b]` : 'vars: { leaf: true }';
      }
    }
    const { repo, file } = fixtureRepo(files, atmosLayout({ excluded_paths: ['lattice/**'] }));
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.location?.file, file('stacks/orgs/dev.yaml'));
    assert.match(err.message, /^the imports of orgs\/dev\.yaml reach its files on more than 100000 paths, too many to apply overrides along each/);
  });

  it('overrides: a catalog two teams import gets both teams\' overrides, the later team\'s winning; a mixin of overrides applies to what is imported after it, not before (stack_processor_utils.go processYAMLConfigFileWithContextInternal; Atmos\'s atmos-overrides-section expectations)', async () => {
    const stack = (imports: string, own = '') => `import: [${imports}]\n${own}`;
    const { repo } = fixtureRepo({
      'stacks/catalog/c1.yaml': 'components: { terraform: { c1: { vars: { test: { a: a, b: b, c: c, d: d } } } } }',
      'stacks/catalog/mixin.yaml': 'terraform: { overrides: { vars: { test: { a: a-mixin, b: b-mixin } } } }',
      'stacks/teams/team1.yaml': 'import: [catalog/c1]\nterraform: { overrides: { vars: { test: { a: a-team1, b: b-team1, c: c-team1 } } } }',
      'stacks/teams/team2.yaml': 'import: [catalog/c1]\nterraform: { overrides: { vars: { test: { a: a-team2, b: b-team2 } } } }',
      'stacks/orgs/sandbox.yaml': stack('teams/team1, teams/team2'),
      'stacks/orgs/staging.yaml': stack('teams/team1, teams/team2', 'terraform: { overrides: { vars: { test: { a: a-staging } } } }'),
      'stacks/orgs/prod.yaml': stack('teams/team1, teams/team2', 'terraform: { overrides: { vars: { test: { a: a-prod, b: b-prod, c: c-prod } } } }'),
      'stacks/orgs/before.yaml': stack('catalog/mixin, catalog/c1'),
      'stacks/orgs/after.yaml': stack('catalog/c1, catalog/mixin'),
    }, atmosLayout());
    const test = async (name: string) => (await (await repo.loadStack(`orgs/${name}`)).component('c1')).vars.test;
    assert.deepEqual(await test('sandbox'), { a: 'a-team2', b: 'b-team2', c: 'c-team1', d: 'd' });
    assert.deepEqual(await test('staging'), { a: 'a-staging', b: 'b-team2', c: 'c-team1', d: 'd' });
    assert.deepEqual(await test('prod'), { a: 'a-prod', b: 'b-prod', c: 'c-prod', d: 'd' });
    assert.deepEqual(await test('before'), { a: 'a-mixin', b: 'b-mixin', c: 'c', d: 'd' });
    assert.deepEqual(await test('after'), { a: 'a', b: 'b', c: 'c', d: 'd' });
  });

  it('metadata.enabled: false marks a component disabled (internal/exec/stack_utils.go)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': 'components: { terraform: { a: { metadata: { enabled: false } }, b: {} } }',
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    assert.equal((await stack.component('a')).enabled, false);
    assert.equal((await stack.component('b')).enabled, true);
  });

  it('metadata is inherited from bases (all but inherits and type); stacks.inherit.metadata: false keeps it per component but the directory (pkg/schema StacksInherit, internal/exec/stack_processor_utils.go ProcessBaseComponentConfig)', async () => {
    const files = {
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            base:
              metadata: { type: abstract, component: vpc, locked: true, enabled: false, terraform_workspace: shared }
            middle:
              metadata: { type: abstract, inherits: [base], enabled: true }
            vpc-a:
              metadata: { inherits: [middle] }
            vpc-b:
              metadata: { inherits: [base], locked: false }
      `,
    };
    const inherited = await fixtureRepo(files, atmosLayout()).repo.loadStack('orgs/dev');
    const a = await inherited.component('vpc-a');
    assert.deepEqual([a.type, a.locked, a.enabled, a.component, a.workspace], ['real', true, true, 'vpc', 'shared']);
    const b = await inherited.component('vpc-b');
    assert.deepEqual([b.type, b.locked, b.enabled, b.component, b.workspace], ['real', false, false, 'vpc', 'shared']);
    const own = await fixtureRepo(files, atmosLayout({ inherit: { metadata: false } })).repo.loadStack('orgs/dev');
    const legacy = await own.component('vpc-a');
    assert.deepEqual([legacy.type, legacy.locked, legacy.enabled, legacy.component, legacy.workspace], ['real', false, true, 'vpc', 'orgs-dev-vpc-a']);
    // An edition pinned before 2025-12-06 keeps the old default; an explicit setting wins (website/docs/cli/configuration/edition.mdx).
    const lockedOf = async (config: Record<string, unknown>) => (await (await fixtureRepo(files, config).repo.loadStack('orgs/dev')).component('vpc-a')).locked;
    assert.deepEqual([
      await lockedOf({ ...atmosLayout(), edition: '2025-09' }),
      await lockedOf({ ...atmosLayout(), edition: '2025-12' }),
      await lockedOf({ ...atmosLayout(), edition: 2026 }),
      await lockedOf({ ...atmosLayout({ inherit: { metadata: true } }), edition: '2025-09' }),
    ], [false, true, true, true]);
  });

  it('remote_state_backend_type defaults to backend_type and its settings to the backend\'s; a type whose section configures only other types is an error (stack_processor_backend.go processTerraformRemoteStateBackend, checkTerraformBackendTypeMatch)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        terraform:
          backend_type: s3
          backend: { s3: { bucket: tfstate, region: us-east-1 } }
          remote_state_backend: { s3: { role_arn: readonly } }
        components:
          terraform:
            vpc: {}
            sandbox:
              backend_type: local
              backend: { local: { path: x.tfstate } }
            http:
              backend_type: http
      `,
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    const vpc = await stack.component('vpc');
    assert.equal(vpc.remoteStateBackendType, 's3');
    assert.deepEqual(vpc.remoteStateBackend, { bucket: 'tfstate', region: 'us-east-1', workspace_key_prefix: 'vpc', role_arn: 'readonly' });
    // local inherits an s3 remote_state_backend only: Atmos stops there.
    const sandbox = await rejection(stack.component('sandbox'));
    assert.equal(sandbox.code, 'E_COMPONENT_INVALID');
    assert.equal(sandbox.message, 'component \'sandbox\' of stack \'orgs/dev\': remote_state_backend_type is "local" but remote_state_backend: only configures s3');
    assert.deepEqual([sandbox.location?.file, sandbox.location?.line], [file('stacks/orgs/dev.yaml'), 9]);
    const http = await rejection(stack.component('http'));
    assert.equal(http.message, 'component \'http\' of stack \'orgs/dev\': backend_type is "http" but backend: only configures s3');
    assert.match(http.hint ?? '', /add a "http" key under backend:, or change backend_type to match/);
  });

  it('atmos.yaml integrations.github lies under every component\'s settings.integrations.github (stack_processor_utils.go processSettingsIntegrationsGithub)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            app:
              settings:
                team: apps
                integrations: { github: { gitops: { infracost-enabled: true } }, slack: { channel: x } }
            web: { vars: { a: 1 } }
      `,
    }, { ...atmosLayout(), integrations: { github: { gitops: { 'terraform-version': '1.9.8', 'infracost-enabled': false } } } });
    const stack = await repo.loadStack('orgs/dev');
    assert.deepEqual((await stack.component('web')).settings, { integrations: { github: { gitops: { 'terraform-version': '1.9.8', 'infracost-enabled': false } } } });
    assert.deepEqual((await stack.component('app')).settings, {
      team: 'apps', integrations: { github: { gitops: { 'terraform-version': '1.9.8', 'infracost-enabled': true } }, slack: { channel: 'x' } },
    });
  });

  it('templates see spacelift_stack and atlantis_project (internal/exec/utils.go computeSpaceliftAndAtlantisNames, spacelift_utils.go, atlantis_utils.go)', async () => {
    const files = {
      'stacks/orgs/dev.yaml': `
        vars: { tenant: t1, environment: ue2, stage: dev }
        components:
          terraform:
            app/main:
              settings:
                spacelift: { workspace_enabled: true }
                atlantis: { project_template: { name: "{tenant}-{stage}-{component}" } }
              vars:
                spacelift: "{{ .spacelift_stack }}"
                atlantis: "{{ .atlantis_project }}"
            named:
              settings:
                spacelift: { workspace_enabled: true, stack_name_pattern: "{stage}-{component}-sl" }
                atlantis: { project_template_name: short }
              vars: { spacelift: "{{ .spacelift_stack }}", atlantis: "{{ .atlantis_project }}" }
            off:
              vars: { spacelift: "{{ .spacelift_stack }}" }
      `,
    };
    const config = {
      ...atmosLayout({ name_template: '{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}' }),
      templates: { settings: { enabled: true } },
      integrations: { atlantis: { project_templates: { short: { name: '{stage}-{component}' } } } },
    };
    const stack = await fixtureRepo(files, config).repo.loadStack('t1-ue2-dev');
    assert.deepEqual((await stack.component('app/main')).vars, { tenant: 't1', environment: 'ue2', stage: 'dev', spacelift: 't1-ue2-dev-app-main', atlantis: 't1-dev-app-main' });
    const named = await stack.component('named');
    assert.deepEqual([named.vars.spacelift, named.vars.atlantis], ['dev-named-sl', 'dev-named']);
    assert.equal((await stack.component('off')).vars.spacelift, '<no value>');
    // Without name_template or name_pattern Atmos cannot name the Spacelift stack: an error.
    const bare = await fixtureRepo(files, { ...atmosLayout(), templates: { settings: { enabled: true } } }).repo.loadStack('orgs/dev');
    const err = await rejection(bare.component('app/main'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.match(err.message, /settings\.spacelift\.workspace_enabled needs a Spacelift stack name, from stacks\.name_template or stacks\.name_pattern, and neither is set/);
  });

  it('pkg/utils/yaml_func_env.go ProcessTagEnv (given the component by internal/exec/yaml_func_utils.go): !env is the component\'s merged env: value, else the environment, else the default, in every section and layer', async () => {
    process.env.TFWRAP_TEST_ENV_READ = 'from-environment';
    process.env.TFWRAP_TEST_ENV_PORT = '1';
    try {
      const { repo } = fixtureRepo({
        'stacks/orgs/catalog.yaml': `
          components:
            terraform:
              base:
                metadata: { type: abstract }
                settings: { region: !env TFWRAP_TEST_ENV_READ }
                vars: { zones: [!env TFWRAP_TEST_ENV_READ, b] }
        `,
        'stacks/orgs/dev.yaml': `
          import: [orgs/catalog]
          env: { TFWRAP_TEST_ENV_PORT: 5432 }
          vars: { global: !env TFWRAP_TEST_ENV_READ }
          backend_type: s3
          backend: { s3: { bucket: !env TFWRAP_TEST_ENV_BUCKET tf-state } }
          components:
            terraform:
              other:
                metadata: { inherits: [base] }
                env: { TFWRAP_TEST_ENV_READ: from-env-section, TFWRAP_TEST_ENV_BUCKET: bucket-from-env }
                vars: { value: !env TFWRAP_TEST_ENV_READ, port: !env TFWRAP_TEST_ENV_PORT, fallback: !env TFWRAP_TEST_ENV_UNSET default }
                providers: { aws: { region: !env TFWRAP_TEST_ENV_READ } }
              plain:
                metadata: { inherits: [base] }
                vars: { value: !env TFWRAP_TEST_ENV_READ, fallback: !env TFWRAP_TEST_ENV_UNSET default }
              unset:
                env: { TFWRAP_TEST_ENV_PORT: null }
                vars: { port: !env TFWRAP_TEST_ENV_PORT }
        `,
      }, atmosLayout());
      const stack = await repo.loadStack('orgs/dev');
      const other = await stack.component('other');
      assert.deepEqual(other.vars, { global: 'from-env-section', zones: ['from-env-section', 'b'], value: 'from-env-section', port: '5432', fallback: 'default' });
      assert.deepEqual([other.settings.region, other.providers, other.backend?.bucket], ['from-env-section', { aws: { region: 'from-env-section' } }, 'bucket-from-env']);
      const plain = await stack.component('plain');
      assert.deepEqual(plain.vars, { global: 'from-environment', zones: ['from-environment', 'b'], value: 'from-environment', fallback: 'default' });
      assert.deepEqual([plain.settings.region, plain.backend?.bucket], ['from-environment', 'tf-state']);
      // A null in env: unsets the variable (utils.go ProcessComponentConfig): the environment's value.
      assert.equal((await stack.component('unset')).vars.port, '1');
    } finally {
      delete process.env.TFWRAP_TEST_ENV_READ;
      delete process.env.TFWRAP_TEST_ENV_PORT;
    }
  });

  it('internal/exec/describe_stacks_component_processor.go resolveStackName (raw vars, functions not evaluated): validate warns where a function gives a var the stack name is made of', async () => {
    process.env.TFWRAP_TEST_STAGE = 'dev';
    try {
      const files = {
        'stacks/orgs/dev.yaml': `
          vars: { stage: !env TFWRAP_TEST_STAGE, region: !env TFWRAP_TEST_STAGE }
          terraform:
            vars: { tenant: !exec echo core }
          components:
            terraform:
              app:
                vars: { environment: !env TFWRAP_TEST_STAGE }
        `,
      };
      const warned = async (stacks: Record<string, unknown>) => (await validateStacks(fixtureRepo(files, atmosLayout(stacks)).repo)).warnings
        .map((warning) => `${warning.location?.line} ${/^vars\.(\w+): (.*) decides/.exec(warning.detail)?.slice(1).join(' ')}`);
      assert.deepEqual(await warned({ name_pattern: '{tenant}-{stage}' }), ['1 stage !env TFWRAP_TEST_STAGE', '3 tenant !exec echo core']);
      assert.deepEqual(await warned({ name_template: '{{ .vars.region }}' }), ['1 region !env TFWRAP_TEST_STAGE']);
      assert.deepEqual(await warned({}), []);
      files['stacks/orgs/dev.yaml'] = files['stacks/orgs/dev.yaml'].replace('vars: {', 'name: named-by-itself\n          vars: {');
      const named = await validateStacks(fixtureRepo(files, atmosLayout({ name_pattern: '{tenant}-{stage}' })).repo);
      assert.deepEqual([named.problems, named.warnings, named.stacks], [[], [], 1]);
    } finally {
      delete process.env.TFWRAP_TEST_STAGE;
    }
  });

  it('pkg/utils/yaml_func_env.go ProcessTagEnv: validate warns where env: gives a variable !env of itself (the text "!env A", env.mdx Single-Pass Processing), in any env: section, not for a var named env', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        env: { GLOBAL_A: !env GLOBAL_A }
        terraform:
          env: { TF_B: !env TF_B }
        overrides:
          env: { OVER_C: !env OVER_C }
        components:
          terraform:
            app:
              env: { OWN_D: !env OWN_D, PASSES: !env OTHER }
              vars: { env: { VAR_E: !env VAR_E } }
      `,
    }, atmosLayout());
    const validated = await validateStacks(repo);
    assert.deepEqual(validated.warnings.map((warning) => `${warning.location?.line} ${/^env: (\w+)/.exec(warning.detail)?.[1]}`), ['1 GLOBAL_A', '3 TF_B', '5 OVER_C', '9 OWN_D']);
  });

  it('pkg/utils/yaml_func_env.go ProcessTagEnv: the env: that !env reads is merged before any function is evaluated, so a function there is its text (website/docs/functions/yaml/env.mdx, Single-Pass Processing)', async () => {
    process.env.TFWRAP_TEST_ENV_FOO = 'from-environment';
    try {
      const { repo } = fixtureRepo({
        'stacks/orgs/dev.yaml': `
          env: { FOO: bar }
          components:
            terraform:
              app:
                env:
                  FIRST: !env FOO
                  SECOND: !env FIRST
                  TFWRAP_TEST_ENV_FOO: !env TFWRAP_TEST_ENV_FOO
                  OUT: !exec echo out
                vars: { first: !env FIRST, out: !env OUT }
        `,
      }, atmosLayout());
      const app = await (await repo.loadStack('orgs/dev')).component('app');
      assert.deepEqual(app.env, { FOO: 'bar', FIRST: 'bar', SECOND: '!env FOO', TFWRAP_TEST_ENV_FOO: '!env TFWRAP_TEST_ENV_FOO', OUT: 'out' });
      assert.deepEqual(app.vars, { first: '!env FOO', out: '!exec echo out' });
    } finally {
      delete process.env.TFWRAP_TEST_ENV_FOO;
    }
  });

  it('pkg/utils/yaml_func_env.go ProcessTagEnv: !env in overrides: reads the env: of the component they apply to; in a file\'s locals: only the environment (internal/exec/stack_processor_locals.go: no component)', async () => {
    process.env.TFWRAP_TEST_ENV_READ = 'from-environment';
    try {
      const { repo } = fixtureRepo({
        'stacks/orgs/team.yaml': `
          overrides: { vars: { team: !env TFWRAP_TEST_ENV_READ } }
          components: { terraform: { app: { env: { TFWRAP_TEST_ENV_READ: from-env-section } }, web: {} } }
        `,
        'stacks/orgs/dev.yaml': `
          import: [orgs/team]
          locals: { read: !env TFWRAP_TEST_ENV_READ }
          components:
            terraform:
              app: { vars: { local: "{{ .locals.read }}" } }
        `,
      }, atmosLayout());
      const stack = await repo.loadStack('orgs/dev');
      assert.deepEqual((await stack.component('app')).vars, { team: 'from-env-section', local: 'from-environment' });
      assert.deepEqual((await stack.component('web')).vars, { team: 'from-environment' });
    } finally {
      delete process.env.TFWRAP_TEST_ENV_READ;
    }
  });

  it('pkg/utils/yaml_func_env.go ProcessTagEnv: Go templates render before !env is evaluated, so a template copying an !env var gets the env: value (internal/exec/utils.go ProcessStacks); the stack\'s name from name_pattern is not changed by a component\'s env:', async () => {
    process.env.TFWRAP_TEST_ENV_STAGE = 'dev';
    try {
      const { repo } = fixtureRepo({
        'stacks/orgs/dev.yaml': `
          vars: { stage: !env TFWRAP_TEST_ENV_STAGE }
          components:
            terraform:
              app:
                env: { TFWRAP_TEST_ENV_STAGE: staging }
                vars: { label: "app-{{ .vars.stage }}" }
              web:
                vars: { label: "web-{{ .vars.stage }}" }
        `,
      }, { ...atmosLayout({ name_pattern: '{stage}' }), templates: { settings: { enabled: true } } });
      assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['dev']);
      const stack = await repo.loadStack('dev');
      assert.deepEqual((await stack.component('app')).vars, { stage: 'staging', label: 'app-staging' });
      assert.deepEqual((await stack.component('web')).vars, { stage: 'dev', label: 'web-dev' });
    } finally {
      delete process.env.TFWRAP_TEST_ENV_STAGE;
    }
  });

  it('!env in metadata: of a variable the component\'s env: sets otherwise is E_UNSUPPORTED at the !env: Atmos decides the directory, bases and workspace from metadata before it evaluates functions (internal/exec/utils.go ProcessComponentMetadata)', async () => {
    process.env.TFWRAP_TEST_ENV_READ = 'from-environment';
    try {
      const { repo, file } = fixtureRepo({
        'stacks/orgs/dev.yaml': `
          components:
            terraform:
              same:
                metadata: { owner: !env TFWRAP_TEST_ENV_READ }
              other:
                env: { TFWRAP_TEST_ENV_READ: from-env-section }
                metadata: { owner: !env TFWRAP_TEST_ENV_READ }
        `,
      }, atmosLayout());
      const stack = await repo.loadStack('orgs/dev');
      assert.equal((await stack.component('same')).metadata.owner, 'from-environment');
      const err = await rejection(stack.component('other'));
      assert.equal(err.code, 'E_UNSUPPORTED');
      assert.deepEqual([err.location?.file, err.location?.line], [file('stacks/orgs/dev.yaml'), 7]);
      assert.match(err.message, /^!env TFWRAP_TEST_ENV_READ in metadata: the component's env: sets TFWRAP_TEST_ENV_READ/);
      assert.doesNotMatch(err.message, /from-env-section|from-environment/);
    } finally {
      delete process.env.TFWRAP_TEST_ENV_READ;
    }
  });

  it('stack-wide metadata: (manifest roots, merged in import order) is the lowest layer of every component\'s metadata, under its bases\' and its own (stack_processor_merge.go; stack_processor_process_stacks.go validateGlobalMetadataSection)', async () => {
    const files = {
      'stacks/mixins/frozen.yaml': 'metadata: { locked: true, labels: { team: core, tier: a } }',
      'stacks/orgs/dev.yaml': `
        import: [mixins/frozen]
        metadata: { enabled: false, terraform_workspace_pattern: "{stage}-ws", labels: { tier: b } }
        vars: { stage: dev }
        components:
          terraform:
            base:
              metadata: { type: abstract, enabled: true, labels: { owner: base } }
            vpc: {}
            app:
              metadata: { inherits: [base], locked: false, labels: { owner: app } }
            db:
              metadata: { terraform_workspace: db-own }
      `,
    };
    const stack = await fixtureRepo(files, atmosLayout()).repo.loadStack('orgs/dev');
    const vpc = await stack.component('vpc');
    assert.deepEqual([vpc.enabled, vpc.locked, vpc.workspace], [false, true, 'dev-ws']);
    // Its base's enabled: true and its own locked: false win; labels merge key by key.
    const app = await stack.component('app');
    assert.deepEqual([app.enabled, app.locked, app.workspace], [true, false, 'dev-ws']);
    assert.deepEqual(app.metadata.labels, { team: 'core', tier: 'b', owner: 'app' });
    // Atmos tries the pattern before terraform_workspace (stack_utils.go BuildTerraformWorkspace):
    // a stack-wide pattern wins over a component's own terraform_workspace.
    assert.equal((await stack.component('db')).workspace, 'dev-ws');
    // Without metadata inheritance: the stack-wide layer, then the component's own.
    const own = await fixtureRepo(files, atmosLayout({ inherit: { metadata: false } })).repo.loadStack('orgs/dev');
    assert.deepEqual([(await own.component('app')).enabled, (await own.component('app')).locked], [false, false]);

    // Keys that identify one component are errors at the stack root, naming the key, file and line.
    const { repo, file } = fixtureRepo({
      'stacks/orgs/dev.yaml': 'vars: { stage: dev }\nmetadata:\n  locked: true\n  component: vpc\ncomponents: { terraform: { vpc: {} } }',
    }, atmosLayout());
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.location?.file, file('stacks/orgs/dev.yaml'));
    assert.equal(err.location?.line, 4);
    assert.match(err.message, /metadata\.component is not allowed in a stack-wide metadata: section/);
    assert.match(err.hint ?? '', /labels, tags, custom, enabled, locked, terraform_workspace_pattern/);
  });

  it('legacy component: inherits the named component and its directory, before metadata.inherits (internal/exec/stack_processor_process_stacks_helpers_inheritance.go)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            vpc: { vars: { cidr: 10.0.0.0/16, name: vpc, from: vpc } }
            mixin: { metadata: { type: abstract }, vars: { from: mixin } }
            vpc-2:
              component: vpc
              metadata: { inherits: [mixin] }
              vars: { name: vpc-2 }
            legacy-dir:
              component: some-directory
            legacy-missing:
              component: nowhere
      `,
      'components/terraform/some-directory/main.tf': '',
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    const vpc2 = await stack.component('vpc-2');
    assert.deepEqual(vpc2.vars, { cidr: '10.0.0.0/16', name: 'vpc-2', from: 'mixin' });
    assert.equal(vpc2.component, 'vpc');
    assert.deepEqual(vpc2.inherits, ['vpc', 'mixin']);
    // component: naming no component of the stack is ignored when it names a Terraform directory
    // (the component keeps its own directory and the stack's workspace), else an error
    // (stack_processor_utils.go ProcessBaseComponentConfig, checkBaseComponentExists).
    const legacyDir = await stack.component('legacy-dir');
    assert.deepEqual([legacyDir.component, legacyDir.workspace, legacyDir.inherits], ['legacy-dir', 'orgs-dev', []]);
    const err = await rejection(stack.component('legacy-missing'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.location?.line, 12);
    assert.match(err.message, /component 'legacy-missing' inherits from 'nowhere' \(component: nowhere\), which stack 'orgs\/dev' does not define and which is no directory under /);
  });

  it('metadata.inherits merges bases in list order, the later winning (internal/exec/stack_processor_merge.go)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            a: { metadata: { type: abstract }, vars: { x: a, y: a } }
            b: { metadata: { type: abstract }, vars: { x: b } }
            c: { metadata: { inherits: [a, b] } }
      `,
    }, atmosLayout());
    assert.deepEqual((await (await repo.loadStack('orgs/dev')).component('c')).vars, { x: 'b', y: 'a' });
  });

  it('null sets a value to null (key kept), which Terraform reads as the default (pkg/merge: src overrides dst)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': 'vars: { a: 1, b: { c: 2 } }\ncomponents: { terraform: { x: { vars: { a: null, b: { c: null } } } } }',
    }, atmosLayout());
    assert.deepEqual((await (await repo.loadStack('orgs/dev')).component('x')).vars, { a: null, b: { c: null } });
  });

  it('layers merge one after another: a mapping (or list) after a value of another kind starts again, and later mappings (lists) merge into it (pkg/merge/merge_native.go deepMergeNative)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/base.yaml': 'vars: { tags: none, zones: none }',
      'stacks/catalog/team.yaml': 'vars: { tags: { team: a }, zones: [a] }',
      'stacks/orgs/dev.yaml': `
        import: [catalog/base, catalog/team]
        settings: { list_merge_strategy: append }
        vars: { tags: { owner: b }, zones: [b] }
        components: { terraform: { x: { vars: { tags: { name: x } } } } }
      `,
    }, { ...atmosLayout(), stacks: { base_path: 'stacks', included_paths: ['orgs/**/*'] } });
    // Atmos: none -> {team: a} (another kind replaces it) -> {team: a, owner: b} (merged into it); the lists append.
    assert.deepEqual((await (await repo.loadStack('orgs/dev')).component('x')).vars, { tags: { team: 'a', owner: 'b', name: 'x' }, zones: ['a', 'b'] });
  });

  it('env, settings, backend, remote_state_backend, providers and command sections are carried into the component (internal/exec/describe_stacks_component_processor.go)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        terraform:
          backend_type: s3
          backend: { s3: { bucket: b } }
          remote_state_backend_type: s3
          remote_state_backend: { s3: { role_arn: r } }
          providers: { aws: { region: us-east-2 } }
        components:
          terraform:
            x:
              command: tofu
              env: { A: "1" }
              settings: { s: 1 }
              providers: { aws: { assume_role: { role_arn: x } } }
      `,
    }, atmosLayout());
    const x = await (await repo.loadStack('orgs/dev')).component('x');
    assert.equal(x.backendType, 's3');
    assert.deepEqual(x.backend, { bucket: 'b', workspace_key_prefix: 'x' }); // the prefix: Atmos's automatic one (state-address.ts)
    assert.equal(x.remoteStateBackendType, 's3');
    // The backend's settings (prefix included) under remote_state_backend's (stack_processor_backend.go processTerraformRemoteStateBackend).
    assert.deepEqual(x.remoteStateBackend, { bucket: 'b', workspace_key_prefix: 'x', role_arn: 'r' });
    assert.deepEqual(x.providers, { aws: { region: 'us-east-2', assume_role: { role_arn: 'x' } } });
    assert.equal(x.command, 'tofu');
    assert.deepEqual(x.env, { A: '1' });
    assert.deepEqual(x.settings, { s: 1 });
  });

  it('command: the last of components.terraform.command, terraform: { command }, the bases\', the component\'s, overrides.command; default terraform (internal/exec/stack_processor_merge.go)', async () => {
    const files = {
      'stacks/orgs/dev.yaml': `
        command: ignored              # not a place Atmos reads a command from
        terraform:
          command: from-terraform
        components:
          terraform:
            plain: {}
            base: { metadata: { type: abstract }, command: from-base }
            child: { metadata: { inherits: [base] } }
            own: { metadata: { inherits: [base] }, command: from-component }
      `,
      'stacks/orgs/prod.yaml': `
        components: { terraform: { plain: {} } }
      `,
      'stacks/orgs/staging.yaml': `
        overrides: { command: from-overrides }
        components: { terraform: { overridden: { command: from-component } } }
      `,
    };
    const { repo } = fixtureRepo(files, { ...atmosLayout(), components: { terraform: { base_path: 'components/terraform', command: 'tofu' } } });
    const dev = await repo.loadStack('orgs/dev');
    const commands = async (stack: typeof dev, names: string[]) => Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await stack.component(name)).command])));
    assert.deepEqual(await commands(dev, ['plain', 'child', 'own']), { plain: 'from-terraform', child: 'from-base', own: 'from-component' });
    assert.deepEqual(await commands(await repo.loadStack('orgs/prod'), ['plain']), { plain: 'tofu' });
    assert.deepEqual(await commands(await repo.loadStack('orgs/staging'), ['overridden']), { overridden: 'from-overrides' });

    const unset = fixtureRepo({ 'stacks/orgs/dev.yaml': 'components: { terraform: { x: {} } }' }, atmosLayout());
    assert.equal((await (await unset.repo.loadStack('orgs/dev')).component('x')).command, 'terraform');
  });

  it('YAML functions !env, !exec, !include, !include.raw, !repo-root are evaluated (pkg/utils/yaml_func_env.go, yaml_func_exec.go, yaml_include_by_extension.go)', async () => {
    process.env.TFWRAP_COMPAT_REGION = 'us-west-2';
    try {
      const { repo, dir } = fixtureRepo({
        '.git/HEAD': 'ref: refs/heads/main\n',
        'stacks/orgs/tags.json': '{"team": "apps"}',
        'stacks/orgs/cidrs.yaml': 'primary: 10.0.0.0/16\n',
        'stacks/orgs/notes.txt': 'hello\n',
        'stacks/orgs/dev.yaml': `
          components:
            terraform:
              x:
                vars:
                  region: !env TFWRAP_COMPAT_REGION
                  fallback: !env TFWRAP_COMPAT_UNSET default-value
                  empty: !env TFWRAP_COMPAT_UNSET
                  computed: !exec echo '[1,2]'
                  text: !exec printf 'plain\\n\\n'
                  tags: !include tags.json
                  cidrs: !include ./cidrs.yaml
                  notes: !include.raw notes.txt
                  root: !repo-root
        `,
      }, atmosLayout());
      const x = await (await repo.loadStack('orgs/dev')).component('x');
      assert.deepEqual(x.vars, {
        region: 'us-west-2', fallback: 'default-value', empty: '', computed: [1, 2], text: 'plain',
        tags: { team: 'apps' }, cidrs: { primary: '10.0.0.0/16' }, notes: 'hello\n', root: dir,
      });
    } finally {
      delete process.env.TFWRAP_COMPAT_REGION;
    }
  });

  it('pkg/merge/merge_yaml_functions.go: where Atmos merges an !exec as its text (within one of its layers; across them outside vars/settings/env/auth/providers/hooks) and tfwrap its mapping, and a later null Atmos ignores: one E_UNSUPPORTED line at the function; elsewhere the same values', async () => {
    const components = [
      'components:',
      '  terraform:',
      '    base:',
      '      metadata: { type: abstract }',
      '      vars:',
      '        from_base: !exec echo \'{"a":1}\'',
      '    app:',
      '      metadata: { inherits: [base] }',
      '      vars: { from_base: { b: 2 }, listed: [3] }',
    ].join('\n');
    const load = async (files: Record<string, string>, settings: Record<string, unknown> = {}) => {
      const stack = await fixtureRepo(files, { ...atmosLayout(), ...settings }).repo.loadStack('orgs/dev');
      return stack.component('app');
    };
    // Across Atmos's layers in vars: its deferred merge deep-merges too; a list with replace is the later one either way.
    assert.deepEqual((await load({
      'stacks/orgs/_globals.yaml': 'vars:\n  listed: !exec echo \'[1, 2]\'',
      'stacks/orgs/dev.yaml': `import: [orgs/_globals]\n${components}`,
    })).vars, { listed: [3], from_base: { a: 1, b: 2 } });
    // Within the globals (two files): Atmos takes the later mapping whole.
    const sameLayer = await rejection(load({
      'stacks/orgs/_globals.yaml': 'vars:\n  tags: !exec echo \'{"team":"core"}\'',
      'stacks/orgs/dev.yaml': 'import: [orgs/_globals]\nvars: { tags: { env: dev } }\ncomponents: { terraform: { app: {} } }',
    }));
    assert.deepEqual([sameLayer.code, sameLayer.location?.line, sameLayer.detail],
      ['E_UNSUPPORTED', 2, '!exec echo \'{"team":"core"}\' gives vars.tags a mapping that dev.yaml sets too: Atmos merges the function there as its text (the later of the two replaces the other), tfwrap merges its value']);
    // backend is merged plainly by Atmos across layers too.
    const backend = await rejection(load({
      'stacks/orgs/dev.yaml': `backend_type: s3\nbackend:\n  s3: !exec echo '{"bucket":"b"}'\ncomponents: { terraform: { app: { backend: { s3: { key: k } } } } }`,
    }));
    assert.match(backend.detail, /gives backend\.s3 a mapping that dev\.yaml sets too/);
    // A later null: Atmos's deferred merge keeps the function's value.
    const nulled = await rejection(load({
      'stacks/orgs/dev.yaml': 'vars: { region: !exec echo eu-west-1 }\ncomponents: { terraform: { app: { vars: { region: null } } } }',
    }));
    assert.match(nulled.detail, /^!exec echo eu-west-1 at vars\.region: dev\.yaml sets it to null, which Atmos's deferred merge ignores/);
  });

  it('!include of JSON nested deeper than a manifest may (64), or !exec printing it, is one line at the function (5,000 deep overflowed the call stack)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/deep.json': `${'['.repeat(5000)}${']'.repeat(5000)}`,
      'stacks/orgs/shallow.json': '{"a": [[1]]}',
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            ok: { vars: { v: !include shallow.json } }
            deep: { vars: { v: !include deep.json } }
      `,
    }, atmosLayout());
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.deepEqual([err.location, err.detail], [{ file: file('stacks/orgs/dev.yaml'), line: 4 }, '!include deep.json is nested more than 64 levels deep, more than a manifest may']);
    const exec = await rejection(fixtureRepo({
      'stacks/orgs/dev.yaml': `vars:\n  v: !exec printf '%0.s[' $(seq 100); printf '%0.s]' $(seq 100)\ncomponents: { terraform: { app: {} } }`,
    }, atmosLayout()).repo.loadStack('orgs/dev'));
    assert.match(exec.detail, /^!exec printed JSON nested more than 64 levels deep/);
  });

  it('!exec printing more than 4 MiB is one line naming the file:line and the bound, without the output', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            x:
              vars: { big: !exec yes tfwrap-exec-output | head -c 6000000 }
      `,
    }, atmosLayout());
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.equal(err.location?.file, file('stacks/orgs/dev.yaml'));
    assert.equal(err.location?.line, 4);
    assert.match(err.detail, /^!exec printed more than 4 MiB \(stdout or stderr\); tfwrap stopped it$/);
    assert.doesNotMatch(`${err.detail} ${err.hint}`, /tfwrap-exec-output/);
  });

  it('!include.raw of a file over 4 MiB (the bound of a manifest) is one line naming the file:line and the size; nothing is read', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/big.txt': 'x'.repeat(5 * 1024 * 1024),
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            x:
              vars: { big: !include.raw big.txt }
      `,
    }, atmosLayout());
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.deepEqual([err.location, err.detail], [{ file: file('stacks/orgs/dev.yaml'), line: 4 }, '!include.raw big.txt is 5.0 MiB, more than the 4 MiB tfwrap reads']);
  });

  it('!include parses by extension: .tfvars/.tf/.hcl as HCL attributes, .env and .env.* as dotenv, others as text; !include.raw keeps the text (pkg/filetype/filetype_by_extension.go ParseByExtension, GetFileExtension)', async () => {
    const tfvars = [
      '# dev network',
      'cidr_block = "10.0.0.0/16"',
      'azs        = ["us-east-2a", "us-east-2b"]',
      'nat        = true',
      'max_size   = 3',
      'ratio      = 1.5',
      'kms_key    = null',
      'pattern    = "$${literal}"',
      'tags = {',
      '  Team = "platform"',
      '}',
      'banner = <<-EOT',
      '    hello',
      '    world',
      '  EOT',
      '',
    ].join('\n');
    const { repo } = fixtureRepo({
      'components/terraform/vpc/envs/dev.tfvars': tfvars,
      'stacks/orgs/app.env': 'LOG_LEVEL=debug\nexport REGION="us-east-2"\n',
      'stacks/orgs/.env.local': 'LOCAL=yes\n',
      'stacks/orgs/prod.env.local': 'A=1\n',
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            vpc:
              vars: !include ../../components/terraform/vpc/envs/dev.tfvars
              env: !include app.env
              settings:
                local: !include .env.local
                not_dotenv: !include prod.env.local
                raw: !include.raw app.env
      `,
    }, atmosLayout());
    const vpc = await (await repo.loadStack('orgs/dev')).component('vpc');
    // As Atmos's parseHCL: every number an int64 (1.5 is 1), a null a cty.Value that YAML writes as {}.
    assert.deepEqual(vpc.vars, {
      cidr_block: '10.0.0.0/16', azs: ['us-east-2a', 'us-east-2b'], nat: true, max_size: 3, ratio: 1,
      kms_key: {}, pattern: '${literal}', tags: { Team: 'platform' }, banner: 'hello\nworld\n',
    });
    assert.deepEqual(vpc.env, { LOG_LEVEL: 'debug', REGION: 'us-east-2' });
    assert.deepEqual(vpc.settings, { local: { LOCAL: 'yes' }, not_dotenv: 'A=1\n', raw: 'LOG_LEVEL=debug\nexport REGION="us-east-2"\n' });
  });

  it('!include of an HCL file Atmos cannot read as attributes, or of a malformed .env, is an error naming the !include file:line (pkg/filetype/filetype.go parseHCL: JustAttributes, Value(nil); parseDotenv)', async () => {
    const including = async (value: string) => {
      const { repo, file } = fixtureRepo({
        'stacks/orgs/variables.tf': 'variable "cidr" {\n  default = "10.0.0.0/16"\n}\n',
        'stacks/orgs/computed.tfvars': 'name = "app"\nid = var.id\n',
        'stacks/orgs/broken.hcl': 'name = \n',
        'stacks/orgs/bad.env': 'A=1\nnot a line\n',
        'stacks/orgs/dev.yaml': `components:\n  terraform:\n    vpc:\n      vars: ${value}\n`,
      }, atmosLayout());
      const err = await rejection(repo.loadStack('orgs/dev'));
      assert.deepEqual(err.location, { file: file('stacks/orgs/dev.yaml'), line: 4 });
      return err;
    };
    // Atmos: 'Unexpected "variable" block; Blocks are not allowed here.'
    const block = await including('!include variables.tf');
    assert.equal(block.code, 'E_STACK_INVALID');
    assert.equal(block.message, '!include cannot parse variables.tf as HCL: line 1 (variable "cidr" {) is a block, and Atmos reads only attributes (name = value) from an HCL file');
    // Atmos evaluates with no variables or functions; tfwrap reads literals only.
    const expression = await including('!include computed.tfvars');
    assert.equal(expression.code, 'E_UNSUPPORTED');
    assert.equal(expression.message, '!include computed.tfvars: the value of id is an expression (${var.id}), and tfwrap reads only literal values from an HCL file');
    assert.match(expression.hint ?? '', /convert the file to \.json or \.yaml, or use !include\.raw for its text/);
    const syntax = await including('!include broken.hcl');
    assert.equal(syntax.code, 'E_STACK_INVALID');
    assert.match(syntax.message, /^!include cannot parse broken\.hcl as HCL: broken\.hcl:1,\d+-2,1: Invalid expression; /);
    // godotenv v1.5.1 skips blanks inside a name and stops at the line break.
    const dotenv = await including('!include bad.env');
    assert.equal(dotenv.code, 'E_STACK_INVALID');
    assert.equal(dotenv.message, '!include cannot parse bad.env as dotenv: line 2: unexpected character "\\n" in variable name');
  });

  it('!terraform.output, !terraform.state, !store: deferred markers that survive the merge, evaluated only when described or run (internal/exec/yaml_func_terraform_output.go)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/app.yaml': `
        components:
          terraform:
            app:
              vars:
                vpc_id: !terraform.output vpc vpc_id
                image: !store local app image
      `,
      'stacks/orgs/dev.yaml': `
        import: [catalog/app]
        components:
          terraform:
            vpc: { vars: {} }
            app:
              vars:
                name: app
            broken:
              vars:
                id: !terraform.output nope vpc_id
      `,
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    const app = await stack.component('app');
    assert.deepEqual(Object.keys(app.vars).sort(), ['image', 'name', 'vpc_id']);
    const marker = app.vars.vpc_id as { tag: string; argument: string; file: string; line: number };
    assert.equal(marker.tag, '!terraform.output');
    assert.equal(marker.argument, 'vpc vpc_id');
    assert.equal(marker.file, file('stacks/catalog/app.yaml'));
    assert.equal(marker.line, 5);
    // A same-stack reference to a component the stack does not define fails at load, with file:line.
    const err = await rejection(stack.component('broken'));
    assert.equal(err.code, 'E_COMPONENT_UNKNOWN');
    assert.match(err.message, /^!terraform\.output nope vpc_id: stack 'orgs\/dev' has no component 'nope'/);
    assert.deepEqual(err.location, { file: file('stacks/orgs/dev.yaml'), line: 10 });
  });

  it('a function tfwrap does not evaluate (!secret) is E_UNSUPPORTED naming the tag and file:line', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/dev.yaml': 'components:\n  terraform:\n    app:\n      vars:\n        token: !secret vault token\n',
    }, atmosLayout());
    const err = await rejection((await repo.loadStack('orgs/dev')).component('app'));
    assert.equal(err.code, 'E_UNSUPPORTED');
    assert.match(err.message, /^!secret \(component 'app' of stack 'orgs\/dev'\) is not supported/);
    assert.deepEqual(err.location, { file: file('stacks/orgs/dev.yaml'), line: 5 });
  });

  it('an unknown tag is one error naming the tag, the file and the line', async () => {
    const { repo, file } = fixtureRepo({ 'stacks/orgs/dev.yaml': 'vars:\n  a: !nope x\n' }, atmosLayout());
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.equal(err.code, 'E_CONFIG_SYNTAX');
    assert.match(err.message, /unknown tag !<!nope>/);
    assert.equal(err.location?.file, file('stacks/orgs/dev.yaml'));
    assert.equal(err.location?.line, 2);
  });

  it('map-form settings.depends_on and dependencies.components order the stack; other stacks are reported (website/docs/stacks/settings/depends_on.mdx)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        vars: { tenant: plat, stage: dev }
        components:
          terraform:
            vpc: {}
            db:
              settings: { depends_on: { 1: { component: vpc }, 2: { component: vpc, stage: dev } } }
            app:
              settings:
                depends_on:
                  1: { component: db }
                  2: { component: dns, stage: prod }
              dependencies:
                components: [{ name: vpc }, { name: shared, stack: plat-network }]
      `,
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    const app = await stack.component('app');
    assert.deepEqual(app.dependsOn, ['db', 'vpc']);
    assert.deepEqual(app.crossStackDependsOn, [{ component: 'dns', stage: 'prod' }, { name: 'shared', component: 'shared', stack: 'plat-network' }]);
    assert.deepEqual((await stack.dependencyLevels()).map((level) => level.map((instance) => instance.name)), [['vpc'], ['db'], ['app']]);
  });

  it('depends_on entries may name a file or a folder instead of a component: not run dependencies (pkg/schema/schema.go Context File/Folder)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        vars: { stage: dev }
        components:
          terraform:
            vpc: {}
            app:
              settings:
                depends_on:
                  1: { file: components/terraform/app/extra.tf }
                  2: { folder: config/app }
                  3: { component: vpc }
      `,
    }, atmosLayout({ name_template: '{{ .vars.stage }}' }));
    // The stack loads, so name_template names it (a stack that fails to load keeps its path name).
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['dev']);
    const stack = await repo.loadStack('dev');
    const app = await stack.component('app');
    assert.deepEqual(app.dependsOn, ['vpc']);
    assert.deepEqual(app.crossStackDependsOn, []);
    assert.deepEqual(app.fileDependencies, ['components/terraform/app/extra.tf']);
    assert.deepEqual(app.folderDependencies, ['config/app']);
    assert.deepEqual((await stack.dependencyLevels()).map((level) => level.map((instance) => instance.name)), [['vpc'], ['app']]);
  });

  it('file/folder dependencies come from the dependencies section when it names any, else from settings.depends_on (internal/exec/describe_affected_components.go getFileFolderDependencies)', async () => {
    const { repo } = fixtureRepo({
      'stacks/orgs/dev.yaml': `
        components:
          terraform:
            vpc: {}
            legacy:
              settings: { depends_on: { 1: { file: a.json }, 2: { folder: lib } } }
            both:
              settings: { depends_on: { 1: { file: ignored.json } } }
              dependencies:
                components: [{ name: vpc }, { kind: folder, path: src/fn }]
                files: [b.json]
                folders: [shared]
      `,
    }, atmosLayout());
    const stack = await repo.loadStack('orgs/dev');
    const legacy = await stack.component('legacy');
    assert.deepEqual([legacy.fileDependencies, legacy.folderDependencies], [['a.json'], ['lib']]);
    const both = await stack.component('both');
    assert.deepEqual([both.fileDependencies, both.folderDependencies], [['b.json'], ['src/fn', 'shared']]);
    // A kind: folder entry is not a component to run first.
    assert.deepEqual(both.dependsOn, ['vpc']);
  });

  it('a depends_on entry naming no component, file or folder, and a kind: file entry without path, are errors at the entry', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/orgs/dev.yaml': 'components:\n  terraform:\n    app:\n      settings:\n        depends_on:\n          1: { stage: dev }\n',
      'stacks/orgs/qa.yaml': 'components:\n  terraform:\n    app:\n      dependencies:\n        components:\n          - { kind: file }\n',
    }, atmosLayout());
    const err = await rejection(repo.loadStack('orgs/dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.match(err.message, /settings\.depends_on\.1 must have component:, file: or folder:/);
    assert.equal(err.location?.file, file('stacks/orgs/dev.yaml'));
    assert.equal(err.location?.line, 6);
    const qa = await rejection(repo.loadStack('orgs/qa'));
    assert.equal(qa.code, 'E_STACK_INVALID');
    assert.match(qa.message, /with kind: file must have path:/);
  });

  it('import objects (path, skip_if_missing, context) are imports (internal/exec/stack_processor_utils.go ProcessImportSection)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/vpc.yaml': 'components: { terraform: { vpc: { vars: { a: 1 } } } }',
      'stacks/catalog/tpl.yaml.tmpl': 'components: { terraform: { t: { vars: { s: "{{ .stage }}" } } } }',
      'stacks/orgs/dev.yaml': 'import:\n  - path: catalog/vpc\n  - path: catalog/absent\n    skip_if_missing: true\n',
      'stacks/orgs/qa.yaml': 'import:\n  - path: catalog/tpl\n    context: { stage: qa }\n',
    }, atmosLayout({ excluded_paths: ['catalog/**'] }));
    assert.deepEqual((await (await repo.loadStack('orgs/dev')).component('vpc')).vars, { a: 1 });
    assert.deepEqual((await (await repo.loadStack('orgs/qa')).component('t')).vars, { s: 'qa' });
  });

  it('workspaces_enabled: false runs every stack in the default workspace (internal/exec/stack_utils.go BuildTerraformWorkspace)', async () => {
    const { repo } = fixtureRepo({ 'stacks/orgs/dev.yaml': 'components: { terraform: { x: {} } }' },
      { ...atmosLayout(), components: { terraform: { base_path: 'components/terraform', workspaces_enabled: false } } });
    assert.equal((await (await repo.loadStack('orgs/dev')).component('x')).workspace, 'default');
  });

  describe('deferred merge of YAML functions (pkg/merge/merge_yaml_functions.go, internal/exec/stack_processor_merge.go)', () => {
    const templated = { ...atmosLayout(), templates: { settings: { enabled: true, sprig: { enabled: true } } } };
    const vars = async (files: Record<string, string>, component = 'app', config: unknown = templated) =>
      (await (await fixtureRepo(files, config).repo.loadStack('orgs/dev')).component(component)).vars;
    const withBase = (base: string, own: string, extra = '') => ({
      'stacks/orgs/dev.yaml': [
        'components:',
        '  terraform:',
        '    base:',
        '      metadata: { type: abstract }',
        '      settings: { cfg: { enabled: true, timeout: 30 }, word: hello }',
        `      vars: { ${base} }`,
        '    app:',
        '      metadata: { inherits: [base] }',
        '      settings: { cfg2: { timeout: 60 } }',
        `      vars: { ${own} }`,
        extra,
      ].join('\n'),
    });

    it('pkg/merge/merge_yaml_functions.go MergeDeferredValues: a base\'s !template under the component\'s mapping is deep-merged with it, the component\'s keys winning', async () => {
      assert.deepEqual((await vars(withBase('config: !template \'{{ toJson .settings.cfg }}\'', 'config: { a: 1, enabled: false }'))).config,
        { enabled: false, timeout: 30, a: 1 });
    });

    it('pkg/merge/merge_yaml_functions.go MergeDeferredValues: the mapping first and the !template later: deep-merged, the function\'s keys winning', async () => {
      assert.deepEqual((await vars(withBase('config: { a: 1, enabled: false }', 'config: !template \'{{ toJson .settings.cfg2 }}\''))).config,
        { a: 1, enabled: false, timeout: 60 });
    });

    it('hostile input: 20,000 functions each meeting a mapping in one section merge in one pass each (no copy of the section per function; minutes before)', async function () {
      this.timeout(30_000);
      const count = 20_000;
      const keys = Array.from({ length: count }, (_, index) => index);
      const merged = await vars(withBase(keys.map((index) => `k${index}: !template '{"a": {{ ${index} }}}'`).join(', '), keys.map((index) => `k${index}: { b: ${index} }`).join(', ')));
      assert.equal(Object.keys(merged).length, count);
      assert.deepEqual([merged.k0, merged[`k${count - 1}`]], [{ a: 0, b: 0 }, { a: count - 1, b: count - 1 }]);
    });

    it('pkg/merge/merge_yaml_functions.go with pkg/utils/yaml_func_env.go: the component\'s mapping holding a !env that its env: sets is deep-merged with the base\'s !template, the !env giving env:\'s value', async () => {
      process.env.TFWRAP_TEST_ENV_REGION = 'from-environment';
      try {
        const files = withBase('config: !template \'{{ toJson .settings.cfg }}\'', 'config: { a: !env TFWRAP_TEST_ENV_REGION, enabled: false }', '      env: { TFWRAP_TEST_ENV_REGION: from-env-section }');
        assert.deepEqual((await vars(files)).config, { enabled: false, timeout: 30, a: 'from-env-section' });
      } finally {
        delete process.env.TFWRAP_TEST_ENV_REGION;
      }
    });

    it('pkg/merge/merge_yaml_functions.go: two functions in different layers are deep-merged in layer order', async () => {
      assert.deepEqual((await vars(withBase('config: !template \'{{ toJson .settings.cfg }}\'', 'config: !template \'{{ toJson .settings.cfg2 }}\''))).config,
        { enabled: true, timeout: 60 });
    });

    it('internal/exec/stack_processor_merge.go: globals, bases, the component and overrides are the four layers, merged in that order around the function', async () => {
      const files = withBase('config: !template \'{{ toJson .settings.cfg }}\'', 'config: { enabled: false }', 'overrides: { vars: { config: { o: 1 } } }');
      files['stacks/orgs/dev.yaml'] = `vars: { config: { g: 1, timeout: 0 } }\n${files['stacks/orgs/dev.yaml']!}`;
      assert.deepEqual((await vars(files)).config, { g: 1, timeout: 30, enabled: false, o: 1 });
    });

    it('pkg/merge/merge_yaml_functions.go MergeDeferredValues: a function giving a scalar is the last value (a mapping above wins; above a mapping it wins)', async () => {
      assert.deepEqual((await vars(withBase('config: !template \'{{ .settings.word }}\'', 'config: { a: 1 }'))).config, { a: 1 });
      assert.equal((await vars(withBase('config: { a: 1 }', 'config: !template \'{{ .settings.word }}\''))).config, 'hello');
    });

    it('pkg/merge/merge_yaml_functions.go mergeSlices: a function giving a list follows list_merge_strategy (append joins the layers\' lists)', async () => {
      const files = withBase('zones: !template \'{{ toJson (list "b") }}\'', 'zones: [c]');
      files['stacks/orgs/dev.yaml'] = `vars: { zones: [a] }\n${files['stacks/orgs/dev.yaml']!}`;
      assert.deepEqual((await vars(files, 'app', { ...templated, settings: { list_merge_strategy: 'append' } })).zones, ['a', 'b', 'c']);
      assert.deepEqual((await vars(files)).zones, ['c']);
    });

    it('pkg/merge/merge_yaml_functions.go fillMissingLayerValues: a null in another layer does not clear the function\'s value', async () => {
      assert.deepEqual((await vars(withBase('config: !template \'{{ toJson .settings.cfg }}\'', 'config: null'))).config, { enabled: true, timeout: 30 });
    });

    it('pkg/merge/merge_yaml_functions.go ApplyDeferredMerges: a function under another layer\'s function is set after it is merged, shallower first', async () => {
      assert.deepEqual((await vars(withBase('combo: !template \'{{ toJson .settings.cfg }}\'', 'combo: { nested: !template \'{{ .settings.word }}\', plain: concrete }'))).combo,
        { enabled: true, timeout: 30, nested: 'hello', plain: 'concrete' });
    });

    it('internal/exec/stack_processor_utils.go: within one layer (a component\'s files, its bases) a function is a plain value: a later mapping replaces it', async () => {
      const files = {
        'stacks/catalog/app.yaml': 'components: { terraform: { app: { settings: { cfg: { x: 1 } }, vars: { config: !template \'{{ toJson .settings.cfg }}\' } } } }',
        'stacks/orgs/dev.yaml': 'import: [catalog/app]\ncomponents: { terraform: { app: { vars: { config: { a: 1 } } } } }',
      };
      assert.deepEqual((await vars(files, 'app', { ...templated, stacks: { ...templated.stacks, excluded_paths: ['catalog/**'] } })).config, { a: 1 });
    });

    it('pkg/merge/merge_yaml_functions.go SetValueAtPath: a function under a place another layer sets to a scalar is an error at the function, as in Atmos', async () => {
      const { repo, file } = fixtureRepo(withBase('x: { y: !template \'{{ .settings.word }}\' }', 'x: plain'), templated);
      const err = await rejection((await repo.loadStack('orgs/dev')).component('app'));
      assert.equal(err.code, 'E_STACK_INVALID');
      assert.equal(err.message, '!template {{ .settings.word }}: vars.x.y cannot be set: another layer makes vars.x a value that is not a mapping (Atmos stops here: cannot navigate path)');
      assert.deepEqual([err.location?.file, err.location?.line], [file('stacks/orgs/dev.yaml'), 6]);
    });

    it('pkg/merge/merge_yaml_functions.go fillMissingLayerValues: the other layers\' values are merged as written before the templates pass, the function\'s template rendered', async () => {
      const files = withBase('config: !template \'{{ toJson .settings.cfg }}\'', 'config: { name: \'{{ .settings.word }}\' }');
      assert.deepEqual((await vars(files)).config, { enabled: true, timeout: 30, name: '{{ .settings.word }}' });
    });

    it('internal/exec/deferred_contexts.go: a !terraform.output meeting a mapping stays unevaluated until run, then is deep-merged; before, it reads as Atmos shows it unprocessed', async () => {
      const { repo } = fixtureRepo(withBase('config: { a: 1, id: none }', 'config: !terraform.output vpc settings', '    vpc: {}'), templated);
      const app = await (await repo.loadStack('orgs/dev')).component('app');
      assert.deepEqual(deferredAsText(app.vars), { config: '!terraform.output vpc settings' });
      const evaluated = await replaceDeferred(app.vars, async () => ({ id: 'vpc-1' })) as Mapping;
      assert.deepEqual(evaluated.config, { a: 1, id: 'vpc-1' });
    });
  });
});
