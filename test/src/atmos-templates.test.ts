// Go templates in an Atmos repository, end to end: the built CLI and real terraform (terraform_data,
// a local backend). A .tmpl import with context:, the component pass (templates.settings.enabled)
// and a name_template with a Sprig function; the varfile and backend.tf.json tfwrap writes hold the
// values Atmos would render.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, runTfwrap } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { errorLines, writeTree } from './support/terraform.js';

const atmosYaml = (templatesEnabled: boolean) => `
base_path: "."
components:
  terraform: { base_path: components/terraform, auto_generate_backend_file: true }
stacks:
  base_path: stacks
  included_paths: ["deploy/**/*"]
  name_template: "{{ .vars.tenant }}-{{ .vars.stage | lower }}"
templates:
  settings:
    enabled: ${templatesEnabled}
    sprig: { enabled: true }
auth:
  identities:
    ambient: { kind: ambient, default: true }
`;

const files = {
  'components/terraform/vpc/main.tf': `
variable "tenant" { type = string }
variable "stage" { type = string }
variable "name" { type = string }
variable "cidr" { type = string }
resource "terraform_data" "vpc" { input = { name = var.name, cidr = var.cidr } }
output "name" { value = terraform_data.vpc.output.name }
`,
  // Rendered at import with its context; the escaped action is left for the component pass.
  'stacks/catalog/vpc.yaml.tmpl': `
components:
  terraform:
    vpc-{{ .flavor }}:
      metadata: { component: vpc }
      vars:
        name: '{{ "{{" }} .atmos_component {{ "}}" }}@{{ "{{" }} .atmos_stack {{ "}}" }}'
        cidr: "{{ .cidr }}"
`,
  'stacks/deploy/dev.yaml': `
import:
  - path: catalog/vpc.yaml.tmpl
    context: { flavor: blue, cidr: 10.1.0.0/16 }
vars: { tenant: plat, stage: DEV }
terraform:
  backend_type: local
  backend:
    local:
      path: "{{ .vars.tenant }}-{{ .workspace }}.tfstate"
`,
};

describe('Atmos compatibility: Go templates, end to end', function () {
  this.timeout(180_000);

  it('tfwrap plan plat-dev renders the import context, the component section and name_template into the varfile and backend.tf.json', async () => {
    const dir = writeTree(tempDir('tfwrap-templates-'), { 'atmos.yaml': atmosYaml(true), ...files });
    const env = hermeticEnv();
    const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });
    assert.equal(ok(await tfwrap('list', 'stacks'), 'list stacks').stdout.trim(), 'plat-dev');
    const result = ok(await tfwrap('plan', 'plat-dev', 'vpc-blue', '-no-color'), 'plan');
    assert.match(result.stdout, /Plan: 1 to add, 0 to change, 0 to destroy\./);
    assert.match(result.stdout, /"vpc-blue@plat-dev"/);
    const componentDir = join(dir, 'components/terraform/vpc');
    assert.deepEqual(JSON.parse(readFileSync(join(componentDir, 'plat-dev-vpc-blue.terraform.tfvars.json'), 'utf8')),
      { tenant: 'plat', stage: 'DEV', name: 'vpc-blue@plat-dev', cidr: '10.1.0.0/16' });
    assert.deepEqual(JSON.parse(readFileSync(join(componentDir, 'backend.tf.json'), 'utf8')),
      { terraform: { backend: { local: { path: 'plat-plat-dev-vpc-blue.tfstate' } } } });
  });

  it('with templates.settings.enabled false the component pass leaves the text, and a broken template is one error line naming file:line', async () => {
    const dir = writeTree(tempDir('tfwrap-templates-'), {
      'atmos.yaml': atmosYaml(false),
      ...files,
      'stacks/deploy/qa.yaml': 'import:\n  - path: catalog/vpc.yaml.tmpl\n    context: { flavor: red }\nvars: { tenant: plat, stage: qa }\n',
    });
    const env = hermeticEnv();
    const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc-blue', '-s', 'plat-dev', '--format', 'json'), 'describe').stdout);
    assert.equal(described.vars.name, '{{ .atmos_component }}@{{ .atmos_stack }}');
    // qa's context has no cidr: Atmos's missingkey=error, at the template's line (unnamed, the stack keeps its path).
    const failed = await tfwrap('describe', 'component', 'vpc-red', '-s', 'deploy/qa', '--format', 'json');
    assert.equal(failed.exitCode, 2);
    const lines = errorLines(failed.stderr);
    assert.equal(lines.length, 1, failed.stderr);
    assert.match(lines[0]!, /stacks\/catalog\/vpc\.yaml\.tmpl:8: Go template error in catalog\/vpc\.yaml\.tmpl \(imported with context:\): .*map has no entry for key "cidr"/);
  });

  it('the names kept between runs follow a manifest new under an import glob, in a directory no merged file is in (name-cache.ts)', async () => {
    const dir = writeTree(tempDir('tfwrap-templates-'), {
      'atmos.yaml': atmosYaml(false),
      'stacks/deploy/dev.yaml': 'import: ["mixins/**/*"]\nvars: { tenant: plat }\ncomponents: { terraform: { vpc: {} } }\n',
      'stacks/mixins/a/stage.yaml': 'vars: { stage: dev }\n',
    });
    const env = hermeticEnv();
    const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME });
    assert.equal(ok(await tfwrap('list', 'stacks'), 'list stacks').stdout.trim(), 'plat-dev');
    // mixins/b/ is new: no directory or file the cached name came from changes, the glob's listing does.
    writeTree(dir, { 'stacks/mixins/b/stage.yaml': 'vars: { stage: QA }\n' });
    assert.equal(ok(await tfwrap('list', 'stacks'), 'list stacks').stdout.trim(), 'plat-qa');
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc', '-s', 'plat-qa', '--format', 'json'), 'describe').stdout) as { vars: Record<string, unknown> };
    assert.equal(described.vars.stage, 'QA');
  });

  it('an import path renders over the earlier imports\' vars (stack_processor_utils.go renderImportPath); a gomplate function is one E_UNSUPPORTED line naming it, file and line', async () => {
    const dir = writeTree(tempDir('tfwrap-templates-'), {
      'atmos.yaml': atmosYaml(true),
      'stacks/_defaults.yaml': 'vars: { flavor: blue }\n',
      'stacks/catalog/vpc-blue.yaml': 'components: { terraform: { vpc: { vars: { color: blue } } } }\n',
      'stacks/deploy/dev.yaml': 'import: [_defaults, "catalog/vpc-{{ .vars.flavor }}"]\nvars: { tenant: plat, stage: dev }\n',
      'stacks/catalog/app.yaml': 'components:\n  terraform:\n    app:\n      vars:\n        up: \'{{ strings.ToUpper .flavor }}\'\n',
      'stacks/deploy/qa.yaml': 'import:\n  - path: catalog/app\n    context: { flavor: red }\nvars: { tenant: plat, stage: qa }\n',
    });
    const env = hermeticEnv();
    const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME });
    const described = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc', '-s', 'plat-dev', '--format', 'json'), 'describe').stdout) as { vars: Record<string, unknown> };
    assert.equal(described.vars.color, 'blue');
    const failed = await tfwrap('describe', 'component', 'app', '-s', 'deploy/qa', '--format', 'json');
    assert.equal(failed.exitCode, 2);
    const lines = errorLines(failed.stderr);
    assert.equal(lines.length, 1, failed.stderr);
    assert.match(lines[0] ?? '', /stacks\/catalog\/app\.yaml:5: gomplate function 'strings\.ToUpper' \(catalog\/app\.yaml \(imported with context:\)\) is not supported by tfwrap\. Hint: .*Sprig.*\[E_UNSUPPORTED\]$/);
    assert.doesNotMatch(failed.stderr, /\n\s+at /);
  });

  it('the component pass renders a missing key as <no value>, whatever ignore_missing_template_values says (describe_stacks_component_processor.go: ProcessTmplWithDatasources(..., true), missingkey=default)', async () => {
    const dir = writeTree(tempDir('tfwrap-templates-'), {
      'atmos.yaml': atmosYaml(true).replace('sprig: { enabled: true }', 'sprig: { enabled: true }\n    ignore_missing_template_values: false'),
      'stacks/deploy/dev.yaml': `
vars: { tenant: plat, stage: dev }
settings: { empty: null }
components:
  terraform:
    vpc:
      vars:
        missing: "{{ .vars.nothing }}"
        chain: "x-{{ .settings.nothing.deeper }}"
        fallback: '{{ .vars.nothing | default "d" }}'
        branch: "{{ if .vars.nothing }}yes{{ else }}no{{ end }}"
`,
    });
    const env = hermeticEnv();
    const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME });
    const { vars } = JSON.parse(ok(await tfwrap('describe', 'component', 'vpc', '-s', 'plat-dev', '--format', 'json'), 'describe').stdout) as { vars: Record<string, unknown> };
    assert.deepEqual({ missing: vars.missing, chain: vars.chain, fallback: vars.fallback, branch: vars.branch },
      { missing: '<no value>', chain: 'x-<no value>', fallback: 'd', branch: 'no' });
    // A field of a key that holds null is Go's nil-pointer error even so: one line, naming the stack.
    writeTree(dir, { 'stacks/deploy/dev.yaml': 'vars: { tenant: plat, stage: dev }\nsettings: { empty: null }\ncomponents: { terraform: { vpc: { vars: { bad: "{{ .settings.empty.deeper }}" } } } }\n' });
    const failed = await tfwrap('describe', 'component', 'vpc', '-s', 'plat-dev', '--format', 'json');
    assert.equal(failed.exitCode, 2);
    const lines = errorLines(failed.stderr);
    assert.equal(lines.length, 1, failed.stderr);
    assert.match(lines[0] ?? '', /stacks\/deploy\/dev\.yaml:3: Go template error in component 'vpc' of stack 'plat-dev': .*nil pointer evaluating interface \{\}\.deeper/);
  });
});
