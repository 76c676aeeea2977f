// Atmos compatibility, `locals:`: each test asserts the value Atmos gives for the same input
// (internal/exec/stack_processor_locals.go, pkg/locals/resolver.go, stack_processor_utils.go
// extractAndAddLocalsToContext; the scenarios of tests/cli_locals_test.go, with our own fixtures).
import assert from 'node:assert/strict';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';

const layout = (templatesEnabled = false) => ({
  base_path: '.',
  stacks: { base_path: 'stacks', included_paths: ['deploy/**/*'] },
  components: { terraform: { base_path: 'components/terraform' } },
  ...(templatesEnabled ? { templates: { settings: { enabled: true } } } : {}),
});

describe('Atmos compatibility (locals)', () => {
  after(removeFixtureRepos);

  it('locals refer to each other in any order, and to the same file\'s settings and vars (pkg/locals/resolver.go topologicalSort)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        settings: { version: v1 }
        vars: { stage: dev }
        locals:
          full_name: "{{ .locals.name_prefix }}-{{ .locals.stage_name }}"
          name_prefix: "{{ .locals.namespace }}-{{ .locals.environment }}"
          namespace: acme
          environment: development
          stage_name: "{{ .vars.stage }}"
          label: "{{ .locals.namespace | upper }}-{{ .settings.version }}"
        components:
          terraform:
            app:
              vars:
                full_name: "{{ .locals.full_name }}"
                label: "{{ .locals.label }}"
                greeting: "hello {{ .locals.namespace }}"
      `,
    }, layout());
    const app = await (await repo.loadStack('deploy/dev')).component('app');
    // Rendered when the file is read: no templates.settings.enabled needed (Atmos: "when a file
    // defines locals, template processing is automatically enabled").
    assert.deepEqual(app.vars, { stage: 'dev', full_name: 'acme-development-dev', label: 'ACME-v1', greeting: 'hello acme' });
    assert.equal(app.locals, undefined, 'file locals are not part of the component');
  });

  it('a value that is only a reference keeps the referenced type: a map stays a map (pkg/template ExtractPlainFieldRef)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        locals:
          namespace: acme
          replicas: 3
          tags: { Namespace: "{{ .locals.namespace }}", ManagedBy: Atmos }
        components:
          terraform:
            app:
              vars: { tags: "{{ .locals.tags }}", replicas: "{{ .locals.replicas }}", name: "{{ .locals.namespace }}-{{ .locals.replicas }}" }
      `,
    }, layout());
    const app = await (await repo.loadStack('deploy/dev')).component('app');
    assert.deepEqual(app.vars, { tags: { Namespace: 'acme', ManagedBy: 'Atmos' }, replicas: 3, name: 'acme-3' });
  });

  it('terraform.locals see and override the root ones (stack_processor_locals.go ProcessStackLocals)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        locals: { namespace: acme, environment: dev, tier: root }
        terraform:
          locals:
            backend_bucket: "{{ .locals.namespace }}-{{ .locals.environment }}-tfstate"
            tier: terraform
          backend_type: s3
          backend: { s3: { bucket: "{{ .locals.backend_bucket }}", key: terraform.tfstate } }
        components:
          terraform:
            vpc: { vars: { tier: "{{ .locals.tier }}" } }
      `,
    }, layout());
    const vpc = await (await repo.loadStack('deploy/dev')).component('vpc');
    assert.equal(vpc.backend?.bucket, 'acme-dev-tfstate');
    assert.deepEqual(vpc.vars, { tier: 'terraform' });
  });

  it('helmfile.locals and packer.locals are in the file\'s template data too, after terraform\'s (stack_processor_locals.go MergeForTemplateContext)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        locals: { ns: acme, shared: root }
        terraform: { locals: { shared: terraform } }
        helmfile: { locals: { release_prefix: "{{ .locals.ns }}-helm", shared: helmfile } }
        packer: { locals: { image: "{{ .locals.ns }}-ami" } }
        components:
          terraform:
            vpc: { vars: { name: "{{ .locals.ns }}-vpc", rel: "{{ .locals.release_prefix }}-x", image: "{{ .locals.image }}", shared: "{{ .locals.shared }}" } }
      `,
    }, layout());
    const vpc = await (await repo.loadStack('deploy/dev')).component('vpc');
    // Each section's locals hold the root ones too, copied over in turn: packer's copy of the root
    // `shared` comes last (Atmos's quirk, kept).
    assert.deepEqual(vpc.vars, { name: 'acme-vpc', rel: 'acme-helm-x', image: 'acme-ami', shared: 'root' });
  });

  it('locals do not cross imports: an imported file\'s locals are not there, its vars are (docs: File-Scoped Isolation)', async () => {
    const { repo } = fixtureRepo({
      'stacks/mixins/base.yaml': `
        locals: { mixin_value: from-mixin-locals }
        vars: { inherited_var: "{{ .locals.mixin_value }}-as-var" }
      `,
      'stacks/deploy/dev.yaml': `
        import: [mixins/base]
        locals: { own: mine }
        components:
          terraform:
            app:
              vars: { own: "{{ .locals.own }}", attempt: "{{ .locals.mixin_value }}" }
      `,
    }, layout(true));
    const app = await (await repo.loadStack('deploy/dev')).component('app');
    // dev.yaml's render fails on .locals.mixin_value, so Atmos keeps the file as written except
    // the plain references that resolve; the component pass then prints <no value> for it.
    assert.deepEqual(app.vars, { inherited_var: 'from-mixin-locals-as-var', own: 'mine', attempt: '<no value>' });
  });

  it('a template that waits for the component pass keeps the whole file as written, plain references resolved (stack_processor_utils.go: raw content on failure)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        locals: { ns: acme }
        components:
          terraform:
            app:
              vars: { name: "{{ .locals.ns }}", label: "{{ .locals.ns }}-x", who: "{{ .atmos_component }}" }
      `,
    }, layout(true));
    const app = await (await repo.loadStack('deploy/dev')).component('app');
    assert.deepEqual(app.vars, { name: 'acme', label: '<no value>-x', who: 'app' });
  });

  it('component locals merge through metadata.inherits and are the component\'s .locals (stack_processor_merge.go finalComponentLocals)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        locals: { namespace: acme, environment: dev, name_prefix: "{{ .locals.namespace }}-{{ .locals.environment }}" }
        components:
          terraform:
            vpc/base:
              metadata: { type: abstract, component: vpc }
              locals: { vpc_type: standard, cidr_prefix: "10.0" }
              vars: { name: "{{ .locals.name_prefix }}-vpc" }
            vpc/dev:
              metadata: { inherits: [vpc/base] }
              locals: { vpc_type: development, computed_ref: "{{ .locals.name_prefix }}" }
      `,
    }, layout(true));
    const vpc = await (await repo.loadStack('deploy/dev')).component('vpc/dev');
    assert.deepEqual(vpc.locals, { vpc_type: 'development', cidr_prefix: '10.0', computed_ref: 'acme-dev' });
    assert.deepEqual(vpc.vars, { name: 'acme-dev-vpc' });
  });

  it('a file imported with context: sees its own .locals in its templates, resolved before the render without the context; its vars see both (stack_processor_utils.go extractAndAddLocalsToContext)', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/app.yaml': `
        vars: { stage: dev, label: "{{ .locals.prefix }}-{{ .flavor }}" }
        locals:
          prefix: "{{ .locals.org }}-{{ .vars.stage }}"
          org: acme
        components:
          terraform:
            "app-{{ .flavor }}":
              vars: { name: "{{ .locals.prefix }}-{{ .flavor }}", label: "{{ .vars.label }}" }
      `,
      'stacks/catalog/bad.yaml': 'locals: { x: "{{ .flavor }}" }\ncomponents: { terraform: { bad: {} } }\n',
      'stacks/deploy/dev.yaml': 'import:\n  - path: catalog/app\n    context: { flavor: blue, locals: { org: from-importer } }\n',
      'stacks/deploy/bad.yaml': 'import:\n  - path: catalog/bad\n    context: { flavor: blue }\n',
    }, layout());
    const app = await (await repo.loadStack('deploy/dev')).component('app-blue');
    // The importer's `locals` key never reaches the file (file-scoped).
    assert.deepEqual(app.vars, { stage: 'dev', label: 'acme-dev-blue', name: 'acme-dev-blue' });
    // Locals are resolved from the raw file: the import context is not there (missingkey=error).
    const err = await rejection(repo.loadStack('deploy/bad'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.match(err.message, /local 'x' \(locals\): .*map has no entry for key "flavor"/);
    assert.equal(err.location?.file, file('stacks/catalog/bad.yaml'));
  });

  it('describe locals: root locals, terraform.locals only where they differ, a component\'s merged ones; by name or file path (describe_locals.go buildStackLocalsFromContext, buildComponentLocalsResult)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': `
        name: development
        locals: { org: acme, region: east, id: !terraform.state vpc .vpc_id }
        terraform:
          locals: { org: acme, bucket: "{{ .locals.org }}-tfstate" }
        components:
          terraform:
            vpc: { locals: { tier: net }, vars: { a: 1 } }
      `,
      'stacks/deploy/prod.yaml': 'components: { terraform: { vpc: {} } }\n',
    }, layout());
    const expected = { locals: { org: 'acme', region: 'east', id: '!terraform.state vpc .vpc_id' }, terraform: { locals: { bucket: 'acme-tfstate' } } };
    assert.deepEqual(await repo.describeLocals('development'), expected);
    assert.deepEqual(await repo.describeLocals('deploy/dev'), expected);
    assert.deepEqual(await repo.describeLocals('development', 'vpc'),
      { components: { terraform: { vpc: { locals: { org: 'acme', region: 'east', id: '!terraform.state vpc .vpc_id', bucket: 'acme-tfstate', tier: 'net' } } } } });
    const none = await rejection(repo.describeLocals('deploy/prod'));
    assert.equal(none.code, 'E_LOCALS_NONE');
    assert.equal(none.message, "stack 'deploy/prod' has no locals");
    assert.equal((await rejection(repo.describeLocals('nope'))).code, 'E_STACK_UNKNOWN');
  });

  it('a cycle is one error naming the file, the locals and the chain (pkg/locals/resolver.go findCycle)', async () => {
    const { repo, dir } = fixtureRepo({
      'stacks/deploy/dev.yaml': 'vars: { stage: dev }\nlocals:\n  a: "{{ .locals.b }}"\n  b: "{{ .locals.c }}"\n  c: "{{ .locals.a }}"\ncomponents: { terraform: { app: {} } }\n',
    }, layout());
    const err = await rejection(repo.loadStack('deploy/dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.location?.file, `${dir}/stacks/deploy/dev.yaml`);
    assert.equal(err.location?.line, 3);
    assert.match(err.message, /^locals: the locals refer to each other in a cycle: a -> b -> c -> a$/);
  });

  it('a local naming a key the file does not have is an error naming the local (resolver.go missingkey=error)', async () => {
    const { repo } = fixtureRepo({
      'stacks/deploy/dev.yaml': 'locals:\n  domain: "{{ .settings.region }}.example.com"\ncomponents: { terraform: { app: {} } }\n',
    }, layout());
    const err = await rejection(repo.loadStack('deploy/dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.location?.line, 2);
    assert.match(err.message, /^local 'domain' \(locals\): .*settings/);
  });
});
