// `tfwrap validate` (no stack) and `tfwrap schema`: offline checks of a whole project.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { parseYaml } from '@tfwrap/core';
import { repoRoot, runCommand, runTfwrap, tfwrapBin } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { copyExample, pluginProject } from './support/plugin-projects.js';

function quickstart(): string {
  const dir = tempDir('tfwrap-validate-');
  cpSync(join(repoRoot, 'examples/quickstart'), dir, { recursive: true });
  return dir;
}

describe('tfwrap validate', function () {
  this.timeout(60_000);

  /** A project of generated stacks (an ambient identity; `stacks:` settings when given), with `files` under it. */
  const generatedProject = (prefix: string, files: Record<string, string>, stacks = '') => {
    const dir = tempDir(prefix);
    writeFileSync(join(dir, 'tfwrap.yaml'), `components: { terraform: { base_path: components } }\n${stacks}auth: { identities: { local: { kind: ambient, default: true } } }\n`);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  };
  /** `tfwrap validate` in `dir`: its exit code and stderr lines, the directory written <dir>. */
  const validateIn = async (dir: string) => {
    const env = hermeticEnv();
    const run = await runTfwrap(['-C', dir, 'validate'], { env, cwd: env.HOME! });
    return { run, lines: run.stderr.trim().split('\n').map((line) => line.replaceAll(dir, '<dir>')) };
  };

  it('passes the quickstart with exit 0', async () => {
    const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: quickstart() });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /^valid: .*tfwrap\.yaml; 1 identity, 2 stacks, 6 components$/m);
  });

  it('on a terminal, validate and describe stacks say how far they are (a line rewritten in place, cleared before the answer); on a pipe, nothing of it', async () => {
    const dir = generatedProject('tfwrap-validate-progress-', Object.fromEntries(Array.from({ length: 120 }, (_, i) =>
      [`stacks/s${i}.yaml`, `vars: { stage: s${i} }\ncomponents: { terraform: { app: { vars: { n: ${i} } } } }\n`])));
    const env = hermeticEnv();
    // `script` runs the command on a pseudo-terminal (stdout and stderr both go to it).
    const terminal = await runCommand('script', ['-qec', `'${process.execPath}' '${tfwrapBin}' -C '${dir}' validate --no-cache`, '/dev/null'], { env, cwd: env.HOME! });
    assert.equal(terminal.exitCode, 0, terminal.stdout);
    assert.match(terminal.stdout, /\r\x1b\[Ktfwrap: validating stacks: 10 of 120 started/);
    assert.match(terminal.stdout, /\r\x1b\[Ktfwrap: validating stacks: 120 of 120 started\r\x1b\[Kvalid: .*1 identity, 120 stacks, 120 components\s*$/);
    const piped = await runTfwrap(['-C', dir, 'validate', '--no-cache'], { env, cwd: env.HOME! });
    assert.equal(piped.exitCode, 0, piped.stderr);
    assert.equal(piped.stderr, '');
    // describe stacks the same way: the line is cleared before the answer is printed.
    const described = await runCommand('script', ['-qec', `'${process.execPath}' '${tfwrapBin}' -C '${dir}' describe stacks --format json`, '/dev/null'], { env, cwd: env.HOME! });
    assert.equal(described.exitCode, 0, described.stdout);
    assert.match(described.stdout, /^\r\x1b\[Ktfwrap: describing stacks: 1 of 120 started/);
    assert.match(described.stdout, /\r\x1b\[Ktfwrap: describing stacks: 120 of 120 started\r\x1b\[K\{\r\n {2}"s0": \{/);
  });

  it('a stack whose 20,000 components depend each on the one before is valid (was an internal error: the call stack overflowed)', async () => {
    const lines = ['components:', '  terraform:'];
    for (let i = 0; i < 20_000; i++) lines.push(`    c${i}: { settings: { depends_on: [${i === 0 ? '' : `c${i - 1}`}] } }`);
    const { run } = await validateIn(generatedProject('tfwrap-validate-chain-', { 'stacks/dev.yaml': `${lines.join('\n')}\n` }));
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /^valid: .*1 stack, 20000 components$/m);
  });

  it('components inheriting through a chain of more than 1,000 bases are one problem each, at their line, exit 1 (was an internal error: the call stack overflowed)', async () => {
    const lines = ['components:', '  terraform:', '    c0: { metadata: { type: abstract } }'];
    for (let i = 1; i < 1003; i++) lines.push(`    c${i}: { metadata: { type: abstract, inherits: [c${i - 1}] } }`);
    const validated = await validateIn(generatedProject('tfwrap-validate-inherits-', { 'stacks/dev.yaml': `${lines.join('\n')}\n` }));
    assert.equal(validated.run.exitCode, 1, validated.run.stderr);
    assert.deepEqual(validated.lines, [
      "tfwrap: <dir>/stacks/dev.yaml:1004:42: component 'c1001' of stack 'dev' inherits through a chain of 1001 components, more than the 1000 tfwrap follows. Hint: inherit from fewer, broader base components [E_COMPONENT_INVALID]",
      "tfwrap: <dir>/stacks/dev.yaml:1005:42: component 'c1002' of stack 'dev' inherits through a chain of 1002 components, more than the 1000 tfwrap follows. Hint: inherit from fewer, broader base components [E_COMPONENT_INVALID]",
      'tfwrap: 2 problems found',
    ]);
  });

  it('imports nested 5,000 files deep, or an !include of JSON nested 5,000 deep: one problem each at its line, exit 1 (each was an internal error: the call stack overflowed)', async () => {
    const files: Record<string, string> = {
      'stacks/dev.yaml': 'import: [chain/f0]\ncomponents: { terraform: { app: {} } }\n',
      'stacks/deep.json': `${'['.repeat(5000)}${']'.repeat(5000)}`,
      'stacks/prod.yaml': 'components: { terraform: { app: { vars: { v: !include deep.json } } } }\n',
    };
    for (let i = 0; i < 5000; i++) files[`stacks/chain/f${i}.yaml`] = i + 1 < 5000 ? `import: [chain/f${i + 1}]\n` : 'vars: { deep: true }\n';
    const validated = await validateIn(generatedProject('tfwrap-validate-deep-', files, 'stacks: { base_path: stacks, included_paths: ["*.yaml"] }\n'));
    assert.equal(validated.run.exitCode, 1, validated.run.stderr);
    assert.deepEqual(validated.lines, [
      'tfwrap: <dir>/stacks/chain/f998.yaml:1:10: imports nested more than 1000 files deep (from dev.yaml). Hint: import the shared files from fewer levels: a stack file importing its catalogs directly [E_STACK_INVALID]',
      'tfwrap: <dir>/stacks/prod.yaml:1: !include deep.json is nested more than 64 levels deep, more than a manifest may. Hint: include a flatter file, or the part you need [E_STACK_INVALID]',
      'tfwrap: 2 problems found',
    ]);
  });

  it('a Go template made to exhaust memory (until 100000000, loops printing more than 16 Mi characters) is one problem at its line (was valid after 20 s and 3.6 GB)', async () => {
    const validated = await validateIn(generatedProject('tfwrap-validate-template-bomb-', {
      'stacks/dev.yaml': 'components: { terraform: { app: { vars: { v: "{{ range $i := until 100000000 }}x{{ end }}" } } } }\n',
      'stacks/prod.yaml': 'components: { terraform: { app: { vars: { v: "{{ range $i := until 1000000 }}{{ range $j := until 1000 }}x{{ end }}{{ end }}" } } } }\n',
    }, 'templates: { settings: { enabled: true, sprig: { enabled: true } } }\n'));
    assert.equal(validated.run.exitCode, 1, validated.run.stderr);
    assert.deepEqual(validated.lines, [
      'tfwrap: <dir>/stacks/dev.yaml:1: Go template error in component \'app\' of stack \'dev\': template: templates-all-atmos-sections:1:16: executing "templates-all-atmos-sections" at <until 100000000>: error calling until: more than 1000000 numbers. [E_STACK_INVALID]',
      'tfwrap: <dir>/stacks/prod.yaml:1: Go template error in component \'app\' of stack \'prod\': template: templates-all-atmos-sections:1:60: executing "templates-all-atmos-sections" at <"x">: output larger than 16777216 characters. [E_STACK_INVALID]',
      'tfwrap: 2 problems found',
    ]);
  });

  it('reports every problem at once, each with file and line, and exits 1', async () => {
    const dir = quickstart();
    writeFileSync(join(dir, 'tfwrap.yaml'), `components:
  terraform:
    base_path: components/terraform
stacks:
  base_path: stacks
  excluded_paths: ["catalog/**"]
auth:
  identities:
    ambient:
      kind: ambient
      default: true
    deploy:
      kind: aws/assume-role
      via: { identity: nowhere }
    probe:
      kind: aws/ambient
      principal:
        region: Mars
`);
    writeFileSync(join(dir, 'stacks/dev.yaml'), `import:
  - catalog/defaults
vars:
  stage: dev
components:
  terraform:
    network:
      vars: 3
`);
    writeFileSync(join(dir, 'stacks/qa.yaml'), `import: [catalog/missing]\n`);
    writeFileSync(join(dir, 'stacks/staging.yaml'), `components:
  terraform:
    app:
      auth:
        identity: deployer
`);
    const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    const at = (file: string, line: number) => lines.find((l) => l.startsWith(`tfwrap: ${join(dir, file)}:${line}:`));
    assert.ok(at('tfwrap.yaml', 14), `the broken via link:\n${run.stderr}`);
    assert.ok(at('tfwrap.yaml', 18)?.includes('must be an AWS region'), `the kind schema problem:\n${run.stderr}`);
    assert.ok(at('stacks/dev.yaml', 8)?.includes('vars must be a mapping'), `the manifest problem:\n${run.stderr}`);
    assert.ok(lines.some((l) => l.includes(join(dir, 'stacks/qa.yaml')) && l.includes('catalog/missing')), `the missing import:\n${run.stderr}`);
    assert.ok(at('stacks/staging.yaml', 5)?.includes('identity "deployer", which is not defined'), `the unknown identity:\n${run.stderr}`);
    assert.match(lines[lines.length - 1]!, /^tfwrap: \d+ problems found$/);
  });

  it('keeps each stack\'s result between runs, and still finds a problem written into an imported file', async () => {
    const dir = quickstart();
    const env = hermeticEnv();
    const validate = async (...args: string[]) => {
      const run = await runTfwrap(['validate', '--json', ...args], { env, cwd: dir });
      return { exitCode: run.exitCode, report: JSON.parse(run.stdout) as { valid: boolean; stacks: number; components: number; stacksFromCache: number; problems: Array<{ file: string; line: number; message: string }> } };
    };
    const first = await validate();
    assert.deepEqual([first.exitCode, first.report.valid, first.report.stacksFromCache], [0, true, 0]);
    const second = await validate();
    assert.deepEqual([second.exitCode, second.report.components, second.report.stacksFromCache], [0, 6, 2]);

    // The catalog both stacks import: a dependency on a component no stack defines.
    const catalog = join(dir, 'stacks/catalog/components.yaml');
    writeFileSync(catalog, readFileSync(catalog, 'utf8').replace('depends_on: [network, database]', 'depends_on: [network, databse]'));
    const broken = await validate();
    assert.equal(broken.exitCode, 1);
    assert.equal(broken.report.stacksFromCache, 0);
    assert.deepEqual([...new Set(broken.report.problems.map((p) => `${p.file}:${p.line}`))], [`${catalog}:14`]);
    assert.match(broken.report.problems[0]!.message, /depends on 'databse', which stack '(dev|prod)' does not define/);
    // Kept, the problem is still reported; --no-cache resolves everything again.
    assert.deepEqual([(await validate()).exitCode, (await validate()).report.stacksFromCache], [1, 2]);
    const uncached = await validate('--no-cache');
    assert.deepEqual([uncached.exitCode, uncached.report.stacksFromCache, uncached.report.problems.length], [1, 0, broken.report.problems.length]);

    const cacheDir = join(env.XDG_CACHE_HOME!, 'tfwrap', 'validation');
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    for (const file of readdirSync(cacheDir)) assert.equal(statSync(join(cacheDir, file)).mode & 0o777, 0o600);
  });

  it('keeps the stack names of name_template between runs too, in a cache checked by content', async () => {
    const dir = tempDir('tfwrap-validate-');
    cpSync(join(repoRoot, 'examples/atmos-quickstart'), dir, { recursive: true });
    const env = hermeticEnv();
    const namesDir = join(env.XDG_CACHE_HOME!, 'tfwrap', 'stack-names-by-content');
    const uncached = await runTfwrap(['validate', '--no-cache'], { env, cwd: dir });
    assert.equal(uncached.exitCode, 0, uncached.stderr);
    assert.equal(statSync(namesDir, { throwIfNoEntry: false }), undefined, '--no-cache keeps nothing');
    const run = await runTfwrap(['validate'], { env, cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(statSync(namesDir).mode & 0o777, 0o700);
    const files = readdirSync(namesDir);
    assert.equal(files.length, 1);
    assert.equal(statSync(join(namesDir, files[0]!)).mode & 0o777, 0o600);
  });

  it('reports every problem of one manifest, not only the first', async () => {
    const dir = quickstart();
    writeFileSync(join(dir, 'stacks/dev.yaml'), `import: [catalog/defaults]
vars: [1]
components:
  terraform:
    network:
      metadata: { type: abstarct }
      hooks: { fmt: { comand: x } }
`);
    const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 1, run.stderr);
    const file = join(dir, 'stacks/dev.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(run.stderr, new RegExp(`${file}:2:1: vars must be a mapping, not a list`));
    assert.match(run.stderr, new RegExp(`${file}:6:\\d+: metadata\\.type must be real or abstract, not the string "abstarct"\\. Hint: Did you mean 'abstract'\\?`));
    assert.match(run.stderr, new RegExp(`${file}:7:\\d+: unknown key 'comand' in stack command 'fmt'\\. Hint: Did you mean 'command'\\?`));
  });

  it('checks a third-party kind through its schema, without authenticating', async () => {
    const project = pluginProject();
    copyExample(project, 'tfwrap-plugin-command');
    writeFileSync(join(project, 'tfwrap.yaml'), `plugins: [./plugins/tfwrap-plugin-command/index.js]
auth:
  identities:
    vault:
      kind: example/command
      principal:
        command: /usr/bin/get-creds
`);
    const run = await runTfwrap(['validate', '--json'], { env: hermeticEnv(), cwd: project });
    assert.equal(run.exitCode, 1, run.stderr);
    const report = JSON.parse(run.stdout) as { valid: boolean; problems: Array<{ file: string; line: number; plugin: string; message: string }> };
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems.map((p) => [p.line, p.plugin]), [[7, 'tfwrap-plugin-command']]);
    assert.match(report.problems[0]!.message, /principal\.command: command must be a list/);
  });

  it('turns a configuration that does not load into findings, still checking the stacks', async () => {
    const dir = quickstart();
    writeFileSync(join(dir, 'tfwrap.yaml'), `plugins: [vault]\nstacks:\n  base_path: stacks\n  excluded_paths: ["catalog/**"]\n`);
    writeFileSync(join(dir, 'stacks/dev.yaml'), `vars: [1]\n`);
    const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 1, run.stderr);
    assert.match(run.stderr, /tfwrap\.yaml:1:\d+: plugin "vault" is not installed/);
    assert.match(run.stderr, /stacks\/dev\.yaml:1:\d+: vars must be a mapping/);
  });

  it('does not import the AWS SDK', async () => {
    const dir = quickstart();
    // An aws/ambient and an aws/assume-role identity: their kinds are checked by schema only.
    writeFileSync(join(dir, 'tfwrap.yaml'), readFileSync(join(dir, 'tfwrap.yaml'), 'utf8') + `    base:
      kind: aws/ambient
    deploy:
      kind: aws/assume-role
      via: { identity: base }
      principal: { assume_role: "arn:aws:iam::123456789012:role/deploy" }
`);
    const trace = join(dir, 'imports.log');
    const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url.replace('/dist/', '/src/')));
    const run = await runCommand(process.execPath, ['--import', tracer, tfwrapBin, 'validate'], { env: hermeticEnv({ TFWRAP_TRACE_IMPORTS: trace }), cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    const imports = readFileSync(trace, 'utf8').split('\n');
    assert.ok(imports.some((s) => /\bstacks\b/.test(s)), 'the tracer saw the imports'); // the bundle's ./stacks.js
    assert.deepEqual(imports.filter((s) => s.includes('@aws-sdk') || s.includes('@smithy')), []);
  });
});

describe('tfwrap schema', function () {
  this.timeout(60_000);

  async function schemaOf(project: string, args: string[] = []): Promise<object> {
    const run = await runTfwrap(['schema', ...args], { env: hermeticEnv(), cwd: project });
    assert.equal(run.exitCode, 0, run.stderr);
    return JSON.parse(run.stdout) as object;
  }

  it('validates the quickstart and rejects a bad identity, with installed kinds included', async () => {
    const project = pluginProject();
    copyExample(project, 'tfwrap-plugin-command');
    const good = `plugins: [./plugins/tfwrap-plugin-command/index.js]
auth:
  identities:
    base: { kind: aws/ambient, principal: { region: eu-west-1 } }
    vault: { kind: example/command, principal: { command: [get-creds] } }
`;
    writeFileSync(join(project, 'tfwrap.yaml'), good);
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(await schemaOf(project));
    const check = (yaml: string) => validate(parseYaml(yaml, 'x.yaml'));

    assert.ok(check(good), JSON.stringify(validate.errors));
    const quickstartConfig = (await import('node:fs')).readFileSync(join(repoRoot, 'examples/quickstart/tfwrap.yaml'), 'utf8');
    assert.ok(check(quickstartConfig), JSON.stringify(validate.errors));
    assert.ok(!check(good.replace('command: [get-creds]', 'command: get-creds')), 'a command given as a string');
    assert.ok(!check(good.replace('region: eu-west-1', 'region: Mars')), 'a bad region');
    assert.ok(!check(good.replace('kind: aws/ambient', 'kind: aws/nowhere')), 'an unknown kind');
    assert.ok(!check(good.replace('principal: { command', 'principle: { command')), 'a misspelt field');
  });

  it('--stack validates stack manifests and rejects a bad one', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(await schemaOf(quickstart(), ['--stack']));
    const fs = await import('node:fs');
    for (const file of ['stacks/dev.yaml', 'stacks/prod.yaml', 'stacks/catalog/components.yaml', 'stacks/catalog/defaults.yaml']) {
      const yaml = fs.readFileSync(join(repoRoot, 'examples/quickstart', file), 'utf8');
      assert.ok(validate(parseYaml(yaml, file)), `${file}: ${JSON.stringify(validate.errors)}`);
    }
    assert.ok(!validate(parseYaml('vars: [1]\n', 'x.yaml')));
    assert.ok(!validate(parseYaml('import: catalog/x\n', 'x.yaml')));
    assert.ok(!validate(parseYaml('components: { terraform: { app: { auth: { identity: nobody } } } }\n', 'x.yaml')), 'an unknown identity');
  });

  // The JSON Schema and the loader are made from one valibot schema (@tfwrap/stacks): they must
  // agree on every manifest. One project holds a stack per case; one `tfwrap validate --json`
  // gives the loader's verdict on each file, the --stack schema (checked with ajv) the editor's.
  it('--stack and the loader agree on good and bad manifests', async () => {
    const table: Array<[yaml: string, valid: boolean]> = [
      ['', true],
      ['vars: { region: eu-west-1, list: [1, 2], nothing: null }\nsome_other_key: [kept, ignored]', true],
      ['name: custom-name\nimport: []', true],
      ['import: null\nterraform: null\ncomponents: { terraform: { app: null } }', true],
      ['terraform: { env: { A: 1, B: true, C: null, D: text }, backend_type: s3, backend: { s3: { bucket: b }, gcs: null } }', true],
      ['components: { terraform: { app: { metadata: { type: abstract, inherits: [base], locked: false, note: x } }, base: { vars: {} } } }', true],
      ['hooks: { fmt: { events: [before-terraform-plan], command: [terraform, fmt], continue_on_error: true, env: { A: 1 } }, off: null }', true],
      ['settings: { depends_on: [network], other: 1 }\nauth: { identity: null, other: 1 }', true],
      ['auth: { identity: ambient }', true],
      ['- a list', false],
      ['vars: [1]', false],
      ['vars: 3', false],
      ['import: catalog/x', false],
      ['import: [""]', false],
      ['name: "  "', false],
      ['name: [a]', false],
      ['env: { A: [1] }', false],
      ['terraform: { backend: { s3: bucket } }', false],
      ['terraform: [vars]', false],
      ['components: [app]', false],
      ['components: { terraform: [app] }', false],
      ['components: { terraform: { app: [vars] } }', false],
      ['components: { terraform: { app: { metadata: { type: concrete } } } }', false],
      ['components: { terraform: { app: { metadata: { inherits: [""] } } } }', false],
      ['components: { terraform: { app: { metadata: { locked: "yes" } } } }', false],
      // As in Atmos: an event that never happens, and no events (every event), load; validate warns about the first.
      ['hooks: { fmt: { events: [before-terraform-paln], command: x } }', true],
      ['hooks: { fmt: { events: [], command: x } }', true],
      ['hooks: { fmt: { events: before-terraform-plan, command: x } }', false],
      ['hooks: { fmt: { comand: x } }', false],
      ['hooks: { fmt: { command: [] } }', false],
      ['hooks: { fmt: { command: "  " } }', false],
      ['hooks: { fmt: { enabled: null } }', false],
      ['hooks: { fmt: make lint }', false],
      ['settings: { depends_on: network }', false],
      ['backend_type: "  "', false],
      ['auth: { identity: [a] }', false],
    ];
    const dir = quickstart();
    rmSync(join(dir, 'stacks'), { recursive: true });
    mkdirSync(join(dir, 'stacks'));
    const fileOf = (index: number) => join(dir, 'stacks', `case-${String(index).padStart(2, '0')}.yaml`);
    table.forEach(([yaml], index) => writeFileSync(fileOf(index), `${yaml}\n`));

    const ajv = new Ajv({ strict: false, allErrors: true });
    const schema = ajv.compile(await schemaOf(dir, ['--stack']));
    const run = await runTfwrap(['validate', '--json'], { env: hermeticEnv(), cwd: dir });
    const report = JSON.parse(run.stdout) as { problems: Array<{ code: string; file: string | null; line: number | null; message: string }> };
    const rejected = new Set(report.problems.filter((p) => p.code === 'E_STACK_INVALID').map((p) => p.file));
    for (const problem of report.problems.filter((p) => p.code === 'E_STACK_INVALID')) {
      assert.equal(typeof problem.line, 'number', `a located problem: ${JSON.stringify(problem)}`);
    }

    table.forEach(([yaml, valid], index) => {
      // An empty file is an empty manifest to the loader; editors do not check an empty document.
      const editor = schema(parseYaml(yaml, 'x.yaml') ?? {});
      assert.equal(editor, valid, `the JSON Schema on ${JSON.stringify(yaml)}: ${JSON.stringify(schema.errors)}`);
      assert.equal(!rejected.has(fileOf(index)), valid, `the loader on ${JSON.stringify(yaml)}: ${run.stdout}`);
    });
  });
});
