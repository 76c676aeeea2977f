// Atmos compatibility, Go templates: each test asserts the value Atmos produces for the same input.
// The rule and where it lives in cloudposse/atmos are in each test's name (see docs/adr/004-templates.md).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';
import { StackRepository } from './repository.js';
import { stacksSettingsFrom } from './settings.js';

const layout = (templates?: Record<string, unknown>, stacks: Record<string, unknown> = {}) => ({
  base_path: '.',
  stacks: { base_path: 'stacks', included_paths: ['deploy/**/*'], ...stacks },
  components: { terraform: { base_path: 'components/terraform' } },
  ...(templates ? { templates: { settings: templates } } : {}),
});

describe('Atmos compatibility (Go templates)', () => {
  after(removeFixtureRepos);

  it('import with context: the file is rendered with it before parsing, one manifest per context (stack_processor_utils.go processYAMLConfigFileWithContextInternal)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/vpc.yaml.tmpl': `
        components:
          terraform:
            "vpc-{{ .flavor }}":
              metadata: { component: vpc }
              vars: { cidr: "{{ .cidr }}", name: "{{ .flavor | upper }}" }
      `,
      'stacks/deploy/dev.yaml': `
        import:
          - path: catalog/vpc.yaml.tmpl
            context: { flavor: blue, cidr: 10.1.0.0/16 }
          - path: catalog/vpc.yaml.tmpl
            context: { flavor: green, cidr: 10.2.0.0/16 }
      `,
    }, layout());
    const stack = await repo.loadStack('deploy/dev');
    assert.deepEqual(stack.componentNames(), ['vpc-blue', 'vpc-green']);
    assert.deepEqual((await stack.component('vpc-blue')).vars, { cidr: '10.1.0.0/16', name: 'BLUE' });
    assert.deepEqual((await stack.component('vpc-green')).vars, { cidr: '10.2.0.0/16', name: 'GREEN' });
  });

  it('hierarchical import context: the importer\'s context wins and reaches the whole chain, .tmpl or not (stack_processor_utils.go MergeWithContext)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/layer.yaml': `
        import:
          - path: catalog/leaf
            context: { flavor: from-layer, extra: kept }
      `,
      'stacks/catalog/leaf.yaml': 'components: { terraform: { "c-{{ .flavor }}": { vars: { extra: "{{ .extra }}" } } } }',
      'stacks/deploy/dev.yaml': 'import:\n  - path: catalog/layer\n    context: { flavor: from-stack }\n',
    }, layout());
    const stack = await repo.loadStack('deploy/dev');
    assert.deepEqual(stack.componentNames(), ['c-from-stack']);
    assert.deepEqual((await stack.component('c-from-stack')).vars, { extra: 'kept' });
  });

  it('import context missing a key: missingkey=error, one line naming file:line and Go\'s message; ignore_missing_template_values gives <no value> (template_utils.go ProcessTmpl)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/vpc.yaml.tmpl': 'components:\n  terraform:\n    vpc:\n      vars: { flavor: "{{ .flavor }}" }\n',
      'stacks/deploy/dev.yaml': 'import:\n  - path: catalog/vpc.yaml.tmpl\n    context: { cidr: x }\n',
      'stacks/deploy/qa.yaml': 'import:\n  - path: catalog/vpc.yaml.tmpl\n    context: { cidr: x }\n    ignore_missing_template_values: true\n',
    }, layout());
    const err = await rejection(repo.loadStack('deploy/dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.match(err.location?.file ?? '', /catalog\/vpc\.yaml\.tmpl$/);
    assert.equal(err.location?.line, 4);
    assert.match(err.message, /template: catalog\/vpc\.yaml\.tmpl:4:\d+: executing "catalog\/vpc\.yaml\.tmpl" at <\.flavor>: map has no entry for key "flavor"/);
    assert.doesNotMatch(err.format(), /\n/);
    assert.deepEqual((await (await repo.loadStack('deploy/qa')).component('vpc')).vars, { flavor: '<no value>' });
  });

  it('a .tmpl imported without context that cannot render yet is kept as written for the component pass; skip_templates_processing keeps it as text (stack_processor_utils.go originalContextProvided)', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/app.yaml.tmpl': 'components: { terraform: { app: { vars: { who: "{{ .atmos_component }}", n: "{{ add 1 2 }}" } } } }',
      'stacks/catalog/raw.yaml': 'components: { terraform: { raw: { vars: { who: "{{ .flavor }}" } } } }',
      'stacks/deploy/dev.yaml': 'import:\n  - catalog/app.yaml.tmpl\n  - path: catalog/raw\n    context: { flavor: x }\n    skip_templates_processing: true\n',
    }, layout({ enabled: true, sprig: { enabled: true } }));
    const stack = await repo.loadStack('deploy/dev');
    assert.deepEqual((await stack.component('app')).vars, { who: 'app', n: '3' });
    // Not rendered at import; the component pass has no .flavor: missingkey=default.
    assert.deepEqual((await stack.component('raw')).vars, { who: '<no value>' });
  });

  it('component pass: .atmos_component, .atmos_stack, .workspace, .settings.config.a in vars and backend (utils.go ProcessStacks, templates-all-atmos-sections)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        settings: { config: { a: from-settings } }
        terraform:
          backend_type: s3
          backend:
            s3:
              bucket: "{{ .vars.stage }}-tfstate"
              key: "{{ .atmos_stack }}/{{ .atmos_component }}.tfstate"
        components:
          terraform:
            vpc:
              metadata: { component: network }
              vars:
                name: "{{ .atmos_component }}-{{ .atmos_stack }}"
                ws: "{{ .workspace }}"
                a: "{{ .settings.config.a }}"
                count: "{{ 3 }}"
                file: "{{ .atmos_stack_file }}"
                missing: "{{ .vars.nothing }}"
      `,
    }, layout({ enabled: true }));
    const vpc = await (await repo.loadStack('deploy/dev')).component('vpc');
    assert.deepEqual(vpc.vars, {
      stage: 'dev', name: 'vpc-deploy/dev', ws: 'deploy-dev-vpc', a: 'from-settings', count: '3', file: 'deploy/dev', missing: '<no value>',
    });
    assert.deepEqual(vpc.backend, { bucket: 'dev-tfstate', key: 'deploy/dev/vpc.tfstate', workspace_key_prefix: 'network' });
  });

  it('templates.settings.enabled false (the default with an atmos.yaml): the text is kept literally', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': 'vars: { stage: dev }\ncomponents: { terraform: { vpc: { vars: { name: "{{ .vars.stage }}-x" } } } }',
    }, layout());
    assert.equal((await (await repo.loadStack('deploy/dev')).component('vpc')).vars.name, '{{ .vars.stage }}-x');
  });

  it('evaluations: the section is rendered that many times over the same data (template_utils.go ProcessTmplWithDatasources)', async () => {
    const files = {
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        components: { terraform: { vpc: { vars: { name: '{{ "{{" }} .vars.stage {{ "}}" }}' } } } }
      `,
    };
    const once = fixtureRepo(files, layout({ enabled: true }));
    assert.equal((await (await once.repo.loadStack('deploy/dev')).component('vpc')).vars.name, '{{ .vars.stage }}');
    const twice = fixtureRepo(files, layout({ enabled: true, evaluations: 2 }));
    assert.equal((await (await twice.repo.loadStack('deploy/dev')).component('vpc')).vars.name, 'dev');
  });

  it('Sprig in the component pass only with templates.settings.sprig.enabled; without it an unknown function is one line naming file:line and the stack', async () => {
    const files = { 'stacks/deploy/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    vpc:\n      vars: { up: "{{ .vars.stage | upper }}" }\n' };
    const withSprig = fixtureRepo(files, layout({ enabled: true, sprig: { enabled: true } }));
    assert.equal((await (await withSprig.repo.loadStack('deploy/dev')).component('vpc')).vars.up, 'DEV');
    const without = fixtureRepo(files, layout({ enabled: true }));
    const err = await rejection((await without.repo.loadStack('deploy/dev')).component('vpc'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.match(err.message, /component 'vpc' of stack 'deploy\/dev'.*function "upper" not defined/);
    assert.equal(err.location?.file, without.file('stacks/deploy/dev.yaml'));
    assert.equal(err.location?.line, 5);
    assert.match(err.hint ?? '', /sprig\.enabled/);
  });

  it('name_template is a full Go template with Sprig, not gated by templates.settings.enabled (utils.go ProcessTmpl "name-template")', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': 'vars: { tenant: plat, stage: DEV }\ncomponents: { terraform: { vpc: {} } }',
      'stacks/deploy/prod.yaml': 'vars: { tenant: plat, stage: Prod }\ncomponents: { terraform: { vpc: {} } }',
    }, layout(undefined, { name_template: '{{ .vars.tenant }}-{{ .vars.stage | lower }}' }));
    assert.deepEqual((await repo.listStacks()).map((entry) => entry.name), ['plat-dev', 'plat-prod']);
    const vpc = await (await repo.loadStack('plat-dev')).component('vpc');
    assert.equal(vpc.workspace, 'plat-dev');
    assert.equal(vpc.varfileName, 'plat-dev-vpc.terraform.tfvars.json');
  });

  it('names a name_template derives are kept between runs while their files are unchanged (closure-cache.ts)', async () => {
    const config = layout(undefined, { name_template: '{{ .vars.tenant }}-{{ .vars.stage }}' });
    const { dir, file } = fixtureRepo({
      'stacks/catalog/tenant.yaml': 'vars: { tenant: plat }',
      'stacks/deploy/dev.yaml': 'import: [catalog/tenant]\nvars: { stage: dev }\ncomponents: { terraform: { vpc: {} } }',
      'stacks/deploy/prod.yaml': 'import: [catalog/tenant]\nvars: { stage: prod }\ncomponents: { terraform: { vpc: {} } }',
    }, config);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-name-cache-'));
    try {
      const open = () => new StackRepository(stacksSettingsFrom(dir, config), process.env, { cacheDir });
      assert.deepEqual((await open().listStacks()).map((entry) => entry.name), ['plat-dev', 'plat-prod']);
      // A new run finds the names without reading a manifest, and loads only the stack asked for.
      const second = open();
      assert.deepEqual((await second.listStacks()).map((entry) => entry.name), ['plat-dev', 'plat-prod']);
      assert.equal(second.loadedManifests().length, 0);
      await (await second.loadStack('plat-prod')).component('vpc');
      assert.deepEqual(second.loadedManifests().map((m) => path.basename(m.file)).sort(), ['prod.yaml', 'tenant.yaml']);
      // An imported file changes: the names follow.
      writeFileSync(file('stacks/catalog/tenant.yaml'), 'vars: { tenant: core }');
      utimesSync(file('stacks/catalog/tenant.yaml'), new Date(), new Date(Date.now() + 5000));
      assert.deepEqual((await open().listStacks()).map((entry) => entry.name), ['core-dev', 'core-prod']);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('the list of stack manifests kept with the names follows manifests added, removed and moved, in new directories too (closure-cache.ts)', async () => {
    const config = layout(undefined, { name_template: '{{ .vars.stage }}', excluded_paths: ['catalog/**'] });
    const stack = (stage: string) => `vars: { stage: ${stage} }\ncomponents: { terraform: { vpc: {} } }`;
    const { dir, file } = fixtureRepo({ 'stacks/deploy/dev.yaml': stack('dev'), 'stacks/catalog/base.yaml': 'vars: {}' }, config);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-name-cache-'));
    try {
      const names = async () => (await new StackRepository(stacksSettingsFrom(dir, config), process.env, { cacheDir }).listStacks()).map((entry) => entry.name);
      assert.deepEqual(await names(), ['dev']);
      const steps: Array<[() => void, string[]]> = [
        [() => writeFileSync(file('stacks/deploy/qa.yml'), stack('qa')), ['dev', 'qa']],
        [() => { mkdirSync(file('stacks/deploy/eu/west'), { recursive: true }); writeFileSync(file('stacks/deploy/eu/west/prod.yaml'), stack('prod')); }, ['dev', 'prod', 'qa']],
        [() => renameSync(file('stacks/deploy/qa.yml'), file('stacks/deploy/eu/qa.yaml')), ['dev', 'prod', 'qa']],
        [() => rmSync(file('stacks/deploy/dev.yaml')), ['prod', 'qa']],
        // Excluded: not a stack, wherever it is added.
        [() => writeFileSync(file('stacks/catalog/test.yaml'), stack('test')), ['prod', 'qa']],
        [() => rmSync(file('stacks/deploy/eu/west'), { recursive: true }), ['qa']],
      ];
      for (const [change, expected] of steps) {
        change();
        assert.deepEqual(await names(), expected, String(change));
        assert.deepEqual(await names(), expected, `again: ${String(change)}`);
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('templates.settings.env, from atmos.yaml and then the component\'s settings, is what env reads in the component pass (template_utils.go ProcessTmplWithDatasources)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        components:
          terraform:
            app:
              settings: { templates: { settings: { env: { FROM_STACK: b, SHARED: stack } } } }
              vars: { foo: '{{ env "FROM_ATMOS_YAML" }}-{{ env "FROM_STACK" }}-{{ env "SHARED" }}' }
            other:
              vars: { foo: '{{ env "FROM_ATMOS_YAML" }}-{{ env "FROM_STACK" }}' }
      `,
    }, layout({ enabled: true, sprig: { enabled: true }, env: { FROM_ATMOS_YAML: 'a', SHARED: 'atmos' } }, { name_pattern: '{stage}' }));
    const stack = await repo.loadStack('dev');
    assert.equal((await stack.component('app')).vars.foo, 'a-b-stack');
    assert.equal((await stack.component('other')).vars.foo, 'a-');
  });

  it('the component pass renders the dependencies section too (describe_stacks_component_processor.go: the whole component section)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        components:
          terraform:
            vpc: {}
            eks:
              dependencies:
                components:
                  - { component: vpc, stack: "{{ .vars.stage }}" }
      `,
    }, layout({ enabled: true }, { name_pattern: '{stage}' }));
    const eks = await (await repo.loadStack('dev')).component('eks');
    assert.deepEqual([eks.dependsOn, eks.crossStackDependsOn], [['vpc'], []]);
  });

  it('metadata.terraform_workspace_template comes first of the workspace rules (stack_utils.go BuildTerraformWorkspace)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        components:
          terraform:
            vpc:
              metadata:
                terraform_workspace_pattern: "{stage}-pattern"
                terraform_workspace_template: "{{ .vars.stage }}/{{ .atmos_component | upper }}"
      `,
    }, layout());
    assert.equal((await (await repo.loadStack('deploy/dev')).component('vpc')).workspace, 'dev-VPC');
  });

  it('atmos.Component gives another component\'s sections; its outputs are a one-line E_UNSUPPORTED (template_funcs_component.go)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        components:
          terraform:
            vpc: { vars: { cidr: 10.0.0.0/16 } }
            app: { vars: { vpc_cidr: '{{ (atmos.Component "vpc" .atmos_stack).vars.cidr }}', prod: '{{ (atmos.Component "vpc" "deploy/prod").vars.stage }}' } }
            bad: { vars: { id: '{{ (atmos.Component "vpc" .atmos_stack).outputs.vpc_id }}' } }
      `,
      'stacks/deploy/prod.yaml': 'vars: { stage: prod }\ncomponents: { terraform: { vpc: {} } }',
    }, layout({ enabled: true }));
    const stack = await repo.loadStack('deploy/dev');
    assert.deepEqual((await stack.component('app')).vars, { stage: 'dev', vpc_cidr: '10.0.0.0/16', prod: 'prod' });
    const err = await rejection(stack.component('bad'));
    assert.equal(err.code, 'E_UNSUPPORTED');
    assert.match(err.message, /outputs \(in component 'bad' of stack 'deploy\/dev'\) is not supported/);
  });

  it('atmos.Component reading a value another component leaves to a deferred function (!terraform.output, also deep-merged with a mapping) is one line E_UNSUPPORTED at the function, not the marker\'s fields; its other values read as before', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        vars: { stage: dev }
        components:
          terraform:
            base:
              metadata: { type: abstract }
              vars: { config: !terraform.output net vpc_id }
            net: {}
            vpc:
              metadata: { inherits: [base] }
              vars: { config: { x: 1 }, id: !terraform.output net vpc_id, cidr: 10.0.0.0/16 }
            reads_plain: { vars: { cidr: '{{ (atmos.Component "vpc" .atmos_stack).vars.cidr }}' } }
            reads_function: { vars: { id: '{{ (atmos.Component "vpc" .atmos_stack).vars.id }}' } }
            reads_merge: { vars: { config: '{{ (atmos.Component "vpc" .atmos_stack).vars.config }}' } }
      `,
    }, layout({ enabled: true }));
    const stack = await repo.loadStack('deploy/dev');
    assert.equal((await stack.component('reads_plain')).vars.cidr, '10.0.0.0/16');
    const direct = await rejection(stack.component('reads_function'));
    assert.deepEqual([direct.code, direct.location], ['E_UNSUPPORTED', { file: file('stacks/deploy/dev.yaml'), line: 10 }]);
    assert.match(direct.message, /^component 'reads_function' of stack 'deploy\/dev' reads !terraform\.output net vpc_id of component 'vpc' through atmos\.Component: tfwrap does not evaluate YAML functions inside templates/);
    const merged = await rejection(stack.component('reads_merge'));
    assert.deepEqual([merged.code, merged.location?.line], ['E_UNSUPPORTED', 6]);
  });

  it('!template: the rendered text is decoded as JSON, else kept (yaml_func_template.go processTagTemplate)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        settings: { zones: [a, b] }
        components:
          terraform:
            vpc:
              vars:
                zones: !template '{{ toJson .settings.zones }}'
                plain: !template 'text'
      `,
    }, layout({ enabled: true, sprig: { enabled: true } }));
    assert.deepEqual((await (await repo.loadStack('deploy/dev')).component('vpc')).vars, { zones: ['a', 'b'], plain: 'text' });
  });

  it('gomplate (template_utils.go ProcessTmpl: gomplate v3 CreateFuncs, then Sprig, then atmos): any use where Atmos offers it is one line E_UNSUPPORTED naming the function, file and line', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/vpc.yaml': `
        components:
          terraform:
            vpc:
              vars:
                name: '{{ strings.ToUpper .flavor }}'
      `,
      'stacks/catalog/ds.yaml': 'vars:\n  ip: \'{{ (datasource "ip").ip }}\'\n',
      'stacks/catalog/env.yaml.tmpl': 'vars:\n  home: \'{{ env.Getenv "HOME" }}\'\n',
      'stacks/deploy/a.yaml': 'import:\n  - path: catalog/vpc\n    context: { flavor: blue }\n',
      'stacks/deploy/b.yaml': 'import:\n  - path: catalog/ds\n    context: { x: 1 }\n',
      'stacks/deploy/c.yaml': 'import:\n  - catalog/env\n',
    }, layout());
    const cases: Array<[string, string, string, number]> = [
      ['deploy/a', 'strings.ToUpper', 'stacks/catalog/vpc.yaml', 5],
      ['deploy/b', 'datasource "ip"', 'stacks/catalog/ds.yaml', 2],
      // Sprig's env shadows gomplate's namespace; a .tmpl without context that fails is kept raw, unless gomplate is why.
      ['deploy/c', 'env.Getenv', 'stacks/catalog/env.yaml.tmpl', 2],
    ];
    for (const [stack, fn, where, line] of cases) {
      const err = await rejection(repo.loadStack(stack));
      assert.equal(err.code, 'E_UNSUPPORTED', err.message);
      assert.match(err.message, new RegExp(`^gomplate function '${fn}' .* is not supported by tfwrap$`));
      assert.equal(err.location?.file, file(where));
      assert.equal(err.location?.line, line);
      assert.match(err.hint ?? '', /Sprig/);
    }
  });

  it('gomplate in the component pass only with templates.settings.gomplate.enabled (template_utils.go ProcessTmplWithDatasources); a truly unknown function stays Go\'s "not defined"', async () => {
    const files = {
      'stacks/deploy/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    vpc:\n      vars: { up: "{{ .vars.stage | strings.ToUpper }}" }\n    app:\n      vars: { x: "{{ nosuch .vars.stage }}" }\n',
    };
    const enabled = fixtureRepo(files, layout({ enabled: true, gomplate: { enabled: true } }));
    const stack = await enabled.repo.loadStack('deploy/dev');
    const err = await rejection(stack.component('vpc'));
    assert.equal(err.code, 'E_UNSUPPORTED');
    assert.match(err.message, /gomplate function 'strings\.ToUpper' \(component 'vpc' of stack 'deploy\/dev'\)/);
    assert.equal(err.location?.line, 5);
    // Atmos's own gomplate datasource and store functions: named too.
    const atmosFunctions = fixtureRepo({ 'stacks/deploy/dev.yaml': 'components:\n  terraform:\n    vpc:\n      vars: { ip: \'{{ (atmos.GomplateDatasource "ip").addr }}\', id: \'{{ atmos.Store "ssm" "dev" "vpc" "id" }}\' }\n' }, layout({ enabled: true, gomplate: { enabled: true } }));
    const datasource = await rejection((await atmosFunctions.repo.loadStack('deploy/dev')).component('vpc'));
    assert.equal(datasource.code, 'E_UNSUPPORTED');
    assert.match(datasource.message, /^Go template function 'atmos\.GomplateDatasource "ip"' \(component 'vpc' of stack 'deploy\/dev'\) is not supported by tfwrap$/);
    assert.equal(datasource.location?.line, 4);
    const unknown = await rejection(stack.component('app'));
    assert.equal(unknown.code, 'E_STACK_INVALID');
    assert.match(unknown.message, /function "nosuch" not defined/);

    // Atmos without gomplate.enabled: "function strings not defined" there too; the hint says why.
    const disabled = fixtureRepo(files, layout({ enabled: true }));
    const plain = await rejection((await disabled.repo.loadStack('deploy/dev')).component('vpc'));
    assert.equal(plain.code, 'E_STACK_INVALID');
    assert.match(plain.message, /function "strings" not defined/);
    assert.match(plain.hint ?? '', /'strings\.ToUpper' is a gomplate function: .*gomplate\.enabled/);
  });

  it('templated import paths (stack_processor_utils.go renderImportPath): rendered with templates.settings.enabled, over earlier imports\' settings/vars/env and the import\'s own context; handed down the chain', async () => {
    const files = {
      'stacks/_defaults.yaml': 'import: [mixins/base]\nsettings: { context: { flavor: blue } }\n',
      'stacks/mixins/base.yaml': 'vars: { region: east }\n',
      'stacks/catalog/vpc-blue.yaml': 'components: { terraform: { vpc: { vars: { from: blue } } } }\n',
      'stacks/catalog/app-east.yaml': 'import: ["catalog/db-{{ .vars.region }}"]\ncomponents: { terraform: { app: { vars: { from: east } } } }\n',
      'stacks/catalog/db-east.yaml': 'components: { terraform: { db: { vars: { from: east } } } }\n',
      'stacks/catalog/ctx-green.yaml': 'components: { terraform: { green: {} } }\n',
      // The manifest's own vars are not seen: only earlier imports' (region: west here is ignored).
      'stacks/deploy/dev.yaml': `
        vars: { region: west }
        import:
          - _defaults
          - "catalog/vpc-{{ .settings.context.flavor }}"
          - "catalog/app-{{ .vars.region }}"
          - path: "catalog/ctx-{{ .settings.context.flavor }}"
            context: { settings: { context: { flavor: green } } }
      `,
    };
    const { repo } = fixtureRepo(files, layout({ enabled: true }));
    const stack = await repo.loadStack('deploy/dev');
    assert.deepEqual(stack.componentNames(), ['app', 'db', 'green', 'vpc']);

    // templates.settings.enabled false (Atmos's default with an atmos.yaml): the path is kept, finds nothing, imports nothing.
    const off = fixtureRepo(files, layout());
    assert.deepEqual((await off.repo.loadStack('deploy/dev')).componentNames(), []);
  });

  it('templated import path with a missing value: one line naming file:line (ErrImportPathTemplate); ignore_missing_template_values renders <no value>; skip_templates_processing keeps it', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/x-.yaml': 'components: { terraform: { empty: {} } }\n',
      'stacks/catalog/x-<no value>.yaml': 'components: { terraform: { novalue: {} } }\n',
      'stacks/deploy/bad.yaml': 'vars: { a: 1 }\nimport:\n  - "catalog/x-{{ .vars.nope }}"\n',
      'stacks/deploy/ignored.yaml': 'import:\n  - path: "catalog/x-{{ .vars.nope }}"\n    ignore_missing_template_values: true\n',
      'stacks/deploy/skipped.yaml': 'import:\n  - path: "catalog/x-{{ .vars.nope }}"\n    skip_templates_processing: true\n',
    }, layout({ enabled: true }));
    const err = await rejection(repo.loadStack('deploy/bad'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.match(err.message, /^import path .catalog\/x-\{\{ \.vars\.nope \}\}': template: import-path\(deploy\/bad\.yaml\):1:.*map has no entry for key "vars"$/); // the file's own vars are not seen
    assert.equal(err.location?.file, file('stacks/deploy/bad.yaml'));
    assert.equal(err.location?.line, 3);
    assert.match(err.hint ?? '', /earlier imports/);
    assert.deepEqual((await repo.loadStack('deploy/ignored')).componentNames(), ['novalue']);
    assert.deepEqual((await repo.loadStack('deploy/skipped')).componentNames(), []);
  });

  it('the engine is loaded only for a repository whose templates need rendering (lazy import)', function () {
    this.timeout(30_000);
    // A process of its own: another test here may have loaded the engine already.
    const dist = path.dirname(fileURLToPath(import.meta.url));
    const plain = fixtureRepo({ 'stacks/deploy/dev.yaml': 'vars: { stage: dev }\ncomponents: { terraform: { vpc: { vars: { a: 1 } } } }' }, layout({ enabled: true }));
    const templated = fixtureRepo({ 'stacks/deploy/dev.yaml': 'vars: { stage: dev }\ncomponents: { terraform: { vpc: { vars: { a: "{{ .vars.stage }}" } } } }' }, layout({ enabled: true }));
    const script = `
      const { StackRepository, stacksSettingsFrom } = await import(${JSON.stringify(path.join(dist, 'index.js'))});
      const { templateEngineLoaded } = await import(${JSON.stringify(path.join(dist, 'templates.js'))});
      const load = async (dir) => (await new StackRepository(stacksSettingsFrom(dir, ${JSON.stringify(layout({ enabled: true }))})).loadStack('deploy/dev')).component('vpc');
      const out = [];
      out.push((await load(${JSON.stringify(plain.dir)})).vars.a, templateEngineLoaded());
      out.push((await load(${JSON.stringify(templated.dir)})).vars.a, templateEngineLoaded());
      console.log(JSON.stringify(out));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), [1, false, 'dev', true]);
  });
});
