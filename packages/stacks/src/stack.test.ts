import assert from 'node:assert/strict';
import path from 'node:path';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';

const config = { stacks: { excluded_paths: ['catalog/**'] }, components: { terraform: { base_path: 'tf' } } };

describe('components', () => {
  after(removeFixtureRepos);

  it('merges globals, then terraform:, then inherited components in order, then the component', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/defaults.yaml': `
        vars: { layer: globals, from_globals: 1, list: [g] }
        env: { LAYER: globals }
        settings: { layer: globals }
        terraform:
          vars: { layer: terraform, from_terraform: 1 }
          env: { LAYER: terraform }
        components:
          terraform:
            base-a:
              metadata: { type: abstract }
              vars: { layer: base-a, from_a: 1, list: [a] }
            base-b:
              metadata: { type: abstract, inherits: [base-a] }
              vars: { layer: base-b, from_b: 1 }
            app:
              vars: { layer: catalog-app }
      `,
      'stacks/dev.yaml': `
        import: [catalog/defaults]
        components:
          terraform:
            app:
              metadata: { inherits: [base-b] }
              vars: { layer: app, from_app: 1 }
              env: { ONLY_APP: yes }
      `,
    }, config);
    const stack = await repo.loadStack('dev');
    const app = await stack.component('app');
    assert.deepEqual(app.vars, {
      layer: 'app', from_globals: 1, from_terraform: 1, from_a: 1, from_b: 1, from_app: 1, list: ['a'],
    });
    assert.deepEqual(app.env, { LAYER: 'terraform', ONLY_APP: 'yes' });
    assert.deepEqual(app.settings, { layer: 'globals' });
    assert.deepEqual(app.inherits, ['base-b']);
    assert.deepEqual(app.sources, [file('stacks/catalog/defaults.yaml'), file('stacks/dev.yaml')]);

    // Each inherited component fully resolved: a later base undoes an earlier one where they overlap.
    const b = await stack.component('base-b');
    assert.equal(b.vars.layer, 'base-b');
    assert.equal(b.type, 'abstract');
  });

  it('merges several inherited components in list order, the last winning', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            small: { metadata: { type: abstract }, vars: { size: small, small: true } }
            large: { metadata: { type: abstract }, vars: { size: large, large: true } }
            first-small: { metadata: { inherits: [large, small] } }
            first-large: { metadata: { inherits: [small, large] }, vars: { own: true } }
      `,
    });
    const stack = await repo.loadStack('dev');
    assert.deepEqual((await stack.component('first-small')).vars, { size: 'small', small: true, large: true });
    assert.deepEqual((await stack.component('first-large')).vars, { size: 'large', small: true, large: true, own: true });
  });

  it('inherits metadata but type: abstract (and inherits): locked and component come from the base', async () => {
    const { repo, dir } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            vpc-defaults:
              metadata: { type: abstract, component: vpc, locked: true }
              vars: { cidr: 10.0.0.0/16 }
            vpc-primary:
              metadata: { inherits: [vpc-defaults] }
            vpc-odd:
              metadata: { inherits: [vpc-defaults], component: vpc-legacy, locked: true }
            dns: {}
      `,
    }, config);
    const stack = await repo.loadStack('dev');
    const primary = await stack.component('vpc-primary');
    assert.equal(primary.type, 'real');
    assert.equal(primary.locked, true);
    assert.equal(primary.component, 'vpc');
    assert.equal(primary.componentDir, path.join(dir, 'tf', 'vpc'));
    assert.equal(primary.vars.cidr, '10.0.0.0/16');

    const odd = await stack.component('vpc-odd');
    assert.equal(odd.component, 'vpc-legacy');
    assert.equal(odd.locked, true);

    const dns = await stack.component('dns');
    assert.equal(dns.component, 'dns');
    assert.equal(dns.type, 'real');
    assert.equal(dns.componentDir, path.join(dir, 'tf', 'dns'));

    const defaults = await stack.component('vpc-defaults');
    assert.equal(defaults.type, 'abstract');
    assert.equal(defaults.locked, true);
    assert.deepEqual((await stack.components()).map((c) => `${c.name}:${c.type}`),
      ['dns:real', 'vpc-defaults:abstract', 'vpc-odd:real', 'vpc-primary:real']);
  });

  it('merges a component across files, metadata too, and reads the backend of backend_type', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/vpc.yaml': `
        terraform:
          backend_type: s3
          backend:
            s3: { bucket: tf-state, region: us-east-1 }
            gcs: { bucket: unused }
        components:
          terraform:
            vpc:
              metadata: { component: network/vpc }
              auth: { identity: deployer }
      `,
      'stacks/prod/eu.yaml': `
        import: [catalog/vpc]
        backend: { s3: { region: eu-west-1 } }
        components:
          terraform:
            vpc:
              metadata: { locked: true }
              backend: { s3: { key: vpc.tfstate } }
              auth: { identity: prod-deployer, session: long }
            plain:
              backend_type: local
              backend: { local: {} }
      `,
    }, config);
    const stack = await repo.loadStack('prod/eu');
    const vpc = await stack.component('vpc');
    assert.equal(vpc.component, 'network/vpc');
    assert.equal(vpc.locked, true);
    assert.equal(vpc.backendType, 's3');
    // Root backend (globals) first, then terraform:, then the component.
    // ... and the automatic workspace_key_prefix: the Terraform directory, `/` as `-`.
    assert.deepEqual(vpc.backend, { bucket: 'tf-state', region: 'us-east-1', key: 'vpc.tfstate', workspace_key_prefix: 'network-vpc' });
    assert.deepEqual(vpc.auth, { identity: 'prod-deployer', session: 'long' });
    // Built from another directory (network/vpc): the workspace names the component too.
    assert.equal(vpc.workspace, 'prod-eu-vpc');
    assert.equal(vpc.varfileName, 'prod-eu-vpc.terraform.tfvars.json');

    const plain = await stack.component('plain');
    assert.equal(plain.backendType, 'local');
    assert.deepEqual(plain.backend, {});
    assert.equal(plain.auth, undefined);
  });

  it('turns env values into strings and drops nulls, keeping null in vars', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        env: { A: 1, B: true, C: text, GONE: inherited }
        components:
          terraform:
            app:
              env: { GONE: null }
              vars: { nothing: null }
      `,
    });
    const app = await (await repo.loadStack('dev')).component('app');
    assert.deepEqual(app.env, { A: '1', B: 'true', C: 'text' });
    assert.deepEqual(app.vars, { nothing: null });
  });

  it('uses - for / in workspace and varfile names', async () => {
    const { repo } = fixtureRepo({ 'stacks/org/prod/us-east-1.yaml': 'components: { terraform: { "vpc/secondary": {} } }' });
    const vpc = await (await repo.loadStack('org/prod/us-east-1')).component('vpc/secondary');
    assert.equal(vpc.workspace, 'org-prod-us-east-1');
    assert.equal(vpc.varfileName, 'org-prod-us-east-1-vpc-secondary.terraform.tfvars.json');
  });

  it('hands out copies: changing a result does not change the next stack', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/app.yaml': 'components: { terraform: { app: { vars: { list: [1], map: { a: 1 } } } } }',
      'stacks/a.yaml': 'import: [catalog/app]',
      'stacks/b.yaml': 'import: [catalog/app]',
    }, config);
    const a = await (await repo.loadStack('a')).component('app');
    (a.vars.list as number[]).push(2);
    (a.vars.map as Record<string, number>).b = 2;
    const b = await (await repo.loadStack('b')).component('app');
    assert.deepEqual(b.vars, { list: [1], map: { a: 1 } });
  });

  it('suggests a near name for an unknown component', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': 'components: { terraform: { network: {}, dns: {} } }',
    });
    const stack = await repo.loadStack('dev');
    assert.deepEqual(stack.componentNames(), ['dns', 'network']);
    const err = await rejection(stack.component('netwrk'));
    assert.equal(err.code, 'E_COMPONENT_UNKNOWN');
    assert.equal(err.message, "stack 'dev' has no component 'netwrk'");
    assert.equal(err.hint, "Did you mean 'network'?");
    assert.equal(err.location?.file, file('stacks/dev.yaml'));
    assert.equal((await rejection(stack.component('zzzzzzz'))).hint, 'the stack defines dns, network');
  });

  it('reports an inherited component that does not exist, at the inherits entry, with a suggestion', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/vpc.yaml': `
        components:
          terraform:
            vpc-defaults: { metadata: { type: abstract } }
      `,
      'stacks/dev.yaml': `
        import: [catalog/vpc]
        components:
          terraform:
            vpc:
              metadata:
                inherits:
                  - vpc-defaults
                  - vpc-defualts
      `,
    }, config);
    const err = await rejection((await repo.loadStack('dev')).component('vpc'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, "component 'vpc' inherits from 'vpc-defualts', which stack 'dev' does not define");
    assert.equal(err.hint, "Did you mean 'vpc-defaults'?");
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 8, column: 13 });
  });

  it('reports an inheritance cycle with its chain', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            a: { metadata: { inherits: [b] } }
            b: { metadata: { inherits: [c] } }
            c: { metadata: { inherits: [a] } }
      `,
    });
    const err = await rejection((await repo.loadStack('dev')).component('a'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, 'inheritance cycle: a -> b -> c -> a');
    assert.equal(err.location?.file, file('stacks/dev.yaml'));
    assert.equal(err.location?.line, 5);
  });

  it('follows an inheritance chain of 1,000 base components; a longer one is one error at the component (not a call stack overflow)', async () => {
    const chain = (length: number) => {
      const lines = ['components:', '  terraform:', '    c0: { metadata: { type: abstract }, vars: { depth: 0 } }'];
      for (let i = 1; i < length; i++) lines.push(`    c${i}: { metadata: { type: abstract, inherits: [c${i - 1}] }, vars: { depth: ${i} } }`);
      lines.push(`    app: { metadata: { inherits: [c${length - 1}] } }`);
      return fixtureRepo({ 'stacks/dev.yaml': `${lines.join('\n')}\n` });
    };
    assert.deepEqual((await (await chain(1000).repo.loadStack('dev')).component('app')).vars, { depth: 999 });
    const { repo, file } = chain(5000);
    const err = await rejection((await repo.loadStack('dev')).component('app'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, "component 'app' of stack 'dev' inherits through a chain of 5000 components, more than the 1000 tfwrap follows");
    assert.deepEqual([err.location?.file, err.location?.line], [file('stacks/dev.yaml'), 5003]);
  });

  it('rejects wrong types in known sections at their line', async () => {
    const cases: Array<{ yaml: string; message: RegExp; line: number; hint?: RegExp }> = [
      { yaml: 'vars: [a, b]', message: /^vars must be a mapping, not a list$/, line: 1 },
      { yaml: 'terraform:\n  env: { A: [1] }', message: /^env\.A must be a string, not a list$/, line: 2 },
      { yaml: 'components:\n  terraform:\n    vpc: { settings: { depends_on: network } }', message: /depends_on must be a list/, line: 3 },
      { yaml: 'components:\n  terraform:\n    vpc:\n      metadata: { inherits: base }', message: /metadata\.inherits must be a list/, line: 4 },
      { yaml: 'components:\n  terraform:\n    vpc:\n      metadata:\n        type: abstarct', message: /metadata\.type must be real or abstract, not the string "abstarct"/, line: 5, hint: /Did you mean 'abstract'\?/ },
      { yaml: 'components:\n  terraform:\n    vpc:\n      metadata: { locked: "yes" }', message: /metadata\.locked must be true or false/, line: 4 },
      { yaml: 'components:\n  terraform:\n    vpc: [a]', message: /component 'vpc' must be a mapping, not a list/, line: 3 },
      { yaml: 'components: [vpc]', message: /components must be a mapping/, line: 1 },
      { yaml: 'backend_type: 3', message: /backend_type must be a backend name/, line: 1 },
      { yaml: 'backend: { s3: bucket }', message: /backend\.s3 must be a mapping/, line: 1 },
      { yaml: 'auth: { identity: [a] }', message: /auth\.identity must be the name of an identity/, line: 1 },
      { yaml: 'name: [a]', message: /name must be a non-empty string/, line: 1 },
    ];
    for (const { yaml, message, line, hint } of cases) {
      const { repo, file } = fixtureRepo({ 'stacks/dev.yaml': yaml });
      const err = await rejection(repo.loadStack('dev'));
      assert.equal(err.code, 'E_STACK_INVALID', yaml);
      assert.match(err.message, message, yaml);
      assert.equal(err.location?.file, file('stacks/dev.yaml'), yaml);
      assert.equal(err.location?.line, line, yaml);
      if (hint) assert.match(err.hint ?? '', hint, yaml);
    }
  });

  it('gives each component its workspace: inherited metadata counts, metadata.terraform_workspace_template is rendered', async () => {
    const { repo } = fixtureRepo({
      'stacks/prod/east.yaml': `
        vars: { tenant: plat, stage: prod }
        components:
          terraform:
            base: { metadata: { type: abstract, component: vpc, terraform_workspace_pattern: "{tenant}-{stage}-{component}" } }
            vpc-a: { metadata: { inherits: [base] } }
            vpc: {}
            db: { metadata: { component: rds/postgres } }
            templated:
              metadata: { terraform_workspace_template: "{{ .vars.stage }}" }
      `,
    }, config);
    const stack = await repo.loadStack('prod/east');
    assert.equal((await stack.component('vpc-a')).workspace, 'plat-prod-vpc-a');
    assert.equal((await stack.component('vpc')).workspace, 'prod-east');
    assert.equal((await stack.component('db')).workspace, 'prod-east-db');
    assert.equal((await stack.component('templated')).workspace, 'prod');
  });
});
