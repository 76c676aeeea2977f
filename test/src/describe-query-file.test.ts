// Atmos's --query and --file on the describe commands (cmd/describe.go: --query, a yq expression
// on the result; internal/exec/file_utils.go printOrWriteToFile: --file writes the result there
// instead of stdout), on examples/atmos-quickstart with the built CLI. tfwrap reads yq's path
// subset; anything richer is one line, E_UNSUPPORTED, naming the expression.
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ok, runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { copyExample, errorLines } from './support/terraform.js';

describe('describe --query and --file (Atmos describe flags)', function () {
  this.timeout(180_000);
  let dir: string;
  let env: Record<string, string>;
  const tfwrap = (...args: string[]) => runTfwrap(['-C', dir, ...args], { env, cwd: env.HOME! });

  before(() => {
    dir = copyExample('atmos-quickstart');
    appendFileSync(join(dir, 'stacks/deploy/dev.yaml'), '\nlocals:\n  region_code: ue1\n');
    env = hermeticEnv();
  });

  it('--query picks a path of describe stacks: a scalar, a map under a key with a slash, a list item', async () => {
    assert.equal(ok(await tfwrap('describe', 'stacks', '--format', 'json', '--query', '.dev.components.terraform.vpc.vars.cidr'), 'cidr').stdout, '"10.0.0.0/16"');
    assert.equal(ok(await tfwrap('describe', 'stacks', '-q', '.dev.components.terraform.vpc.vars.cidr'), 'cidr as yaml').stdout, '10.0.0.0/16');
    const defaults = parseYaml(ok(await tfwrap('describe', 'stacks', '-q', '.dev.components.terraform["vpc/defaults"].vars'), 'bracket key').stdout) as Record<string, unknown>;
    assert.equal(defaults.cidr, '10.0.0.0/16');
    assert.equal(ok(await tfwrap('describe', 'stacks', '--format', 'json', '-q', '.prod.components.terraform.vpc.vars.availability_zones[0]'), 'list item').stdout, '"a"');
  });

  it('--query on describe component, dependents and locals; a missing path is null, // gives a default', async () => {
    const vars = JSON.parse(ok(await tfwrap('describe', 'component', 'app', '-s', 'prod', '--format', 'json', '--query', '.vars'), 'vars').stdout) as unknown;
    assert.deepEqual(vars, { namespace: 'demo', stage: 'prod', replicas: 3, image: 'example/app:1.0' });
    assert.equal(ok(await tfwrap('describe', 'component', 'app', '-s', 'prod', '--query', '.vars.nope'), 'missing').stdout, 'null');
    assert.equal(ok(await tfwrap('describe', 'component', 'app', '-s', 'prod', '--query', '.vars.nope // "none"'), 'default').stdout, 'none');
    assert.equal(ok(await tfwrap('describe', 'dependents', 'vpc', '-s', 'dev', '--query', '.[0].component'), 'dependents').stdout, '"app"');
    const locals = JSON.parse(ok(await tfwrap('describe', 'locals', '-s', 'dev', '--format', 'json'), 'locals').stdout) as unknown;
    assert.deepEqual(JSON.parse(ok(await tfwrap('describe', 'locals', '-s', 'dev', '--format', 'json', '--query', '.'), 'locals .').stdout), locals);
    assert.match(JSON.stringify(locals), /"region_code":"ue1"/);
  });

  it('a yq expression beyond paths (pipe, function, select) is one line naming it, E_UNSUPPORTED (exit 2), nothing on stdout', async () => {
    for (const expression of ['.vars | keys', '.components.terraform | to_entries', '.[] | select(.stage == "dev")']) {
      const result = await tfwrap('describe', 'stacks', '--query', expression);
      assert.equal(result.exitCode, 2, result.stderr);
      assert.equal(result.stdout, '');
      const lines = errorLines(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.equal(lines[0], `tfwrap: error: --query "${expression}" is not a path tfwrap can read. Hint: tfwrap reads yq paths (.components.terraform.vpc.vars, .["key-with-dash"], .list[0], .a // "default"), not pipes, functions or select: pipe --format json into yq or jq for more [E_UNSUPPORTED]`);
    }
  });

  it('--file writes what stdout would get to the file, replacing it whole, and prints nothing', async () => {
    const out = join(dir, 'out.json');
    writeFileSync(out, 'old content that is longer than nothing '.repeat(1000));
    const printed = ok(await tfwrap('describe', 'stacks', '--format', 'json'), 'stdout').stdout;
    const written = await tfwrap('describe', 'stacks', '--format', 'json', '--file', out);
    ok(written, 'describe stacks --file');
    assert.equal(written.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), `${printed}\n`);
    const component = join(dir, 'vars.yaml');
    ok(await tfwrap('describe', 'component', 'vpc', '-s', 'dev', '--query', '.vars', '--file', component), 'component --file');
    assert.deepEqual(parseYaml(readFileSync(component, 'utf8')), { namespace: 'demo', stage: 'dev', cidr: '10.0.0.0/16', availability_zones: ['a'] });
    for (const command of [['dependents', 'vpc', '-s', 'dev'], ['locals', '-s', 'dev'], ['affected', '--base', 'HEAD']]) {
      const file = join(dir, `${command[0]}.out`);
      const result = await tfwrap('describe', ...command, '--file', file);
      // affected needs a git checkout; the example copy is none: an error, and no file.
      if (command[0] === 'affected') {
        assert.equal(result.exitCode, 64, result.stderr);
        assert.throws(() => readFileSync(file), /ENOENT/);
      } else {
        ok(result, `describe ${command[0]} --file`);
        assert.ok(readFileSync(file, 'utf8').length > 0);
      }
    }
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'no temp file left');
  });

  it('a describe that fails leaves the --file as it was; an unwritable --file is one line (E_USAGE, exit 64)', async () => {
    const out = join(dir, 'kept.json');
    writeFileSync(out, '{"kept": true}\n');
    const failed = await tfwrap('describe', 'component', 'vpc', '-s', 'nope', '--file', out);
    assert.equal(failed.exitCode, 2, failed.stderr);
    assert.equal(readFileSync(out, 'utf8'), '{"kept": true}\n');
    const missingDir = await tfwrap('describe', 'stacks', '--file', join(dir, 'no/such/dir/out.yaml'));
    assert.equal(missingDir.exitCode, 64, missingDir.stderr);
    const lines = errorLines(missingDir.stderr);
    assert.equal(lines.length, 1, missingDir.stderr);
    assert.match(lines[0]!, /^tfwrap: error: --file .*no\/such\/dir\/out\.yaml: cannot write it: ENOENT\. Hint: its directory does not exist: create it first \[E_USAGE\]$/);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'no temp file left');
  });
});
