// Third-party plugins end to end: the example identity kind (example/command) and hook plugin
// (audit-log), from a relative path and installed from packed tarballs; plugin errors.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot, runCommand, runTfwrap } from './support/cli.js';
import { hermeticEnv } from './support/env.js';
import { copyExample, fakeCredentials, installTarballs, packExamples, pluginProject } from './support/plugin-projects.js';

const PRINT_ENV = `for (const n of ['AWS_PROFILE','AWS_ACCESS_KEY_ID','AWS_EC2_METADATA_DISABLED','AWS_SHARED_CREDENTIALS_FILE','AWS_REGION']) console.log(n + '=' + (process.env[n] ?? '<unset>'));
const config = require('node:fs').readFileSync(process.env.AWS_CONFIG_FILE, 'utf8');
const command = /\\[profile deploy\\][^[]*?credential_process = (.*)/.exec(config)[1];
console.log('PROFILE_KEY=' + JSON.parse(require('node:child_process').execSync(command, { encoding: 'utf8' })).AccessKeyId);`;

function config(plugins: string): string {
  return `plugins:
${plugins}
auth:
  identities:
    deploy:
      kind: example/command
      default: true
      principal:
        command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(fakeCredentials)}]
        region: eu-west-1
`;
}

/** Run a command as the example identity; check the managed env and the audit line. */
async function checkRun(project: string): Promise<void> {
  // A parent key that the managed environment must not hand on.
  const env = hermeticEnv({ AWS_ACCESS_KEY_ID: 'AKIAPARENTSHOULDGO01' });
  const run = await runTfwrap(['auth', 'exec', '--', process.execPath, '-e', PRINT_ENV], { env, cwd: project });
  assert.equal(run.exitCode, 0, run.stderr);
  const vars = Object.fromEntries(run.stdout.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  assert.equal(vars.AWS_PROFILE, 'deploy');
  assert.equal(vars.AWS_ACCESS_KEY_ID, '<unset>');
  assert.equal(vars.AWS_EC2_METADATA_DISABLED, 'true');
  assert.equal(vars.AWS_REGION, 'eu-west-1');
  assert.ok(vars.AWS_SHARED_CREDENTIALS_FILE!.startsWith(env.XDG_CONFIG_HOME!), vars.AWS_SHARED_CREDENTIALS_FILE);
  // The managed environment of @tfwrap/aws, as the built-in kinds get it: the profile's
  // credential_process asks the running tfwrap for the identity's keys.
  assert.equal(vars.PROFILE_KEY, 'ASIAEXAMPLECOMMAND01');

  const failing = await runTfwrap(['auth', 'exec', '--', process.execPath, '-e', 'process.exit(3)'], { env, cwd: project });
  assert.equal(failing.exitCode, 3, failing.stderr);
  const lines = readFileSync(join(project, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => [l.identity, l.kind, l.exitCode]), [['deploy', 'example/command', 0], ['deploy', 'example/command', 3]]);
}

describe('third-party plugins (examples/plugins)', function () {
  this.timeout(120_000);

  it('work from a relative path in plugins:', async () => {
    const project = pluginProject();
    copyExample(project, 'tfwrap-plugin-command');
    copyExample(project, 'tfwrap-plugin-audit-log');
    writeFileSync(join(project, 'tfwrap.yaml'), config(`  - ./plugins/tfwrap-plugin-command/index.js\n  - [./plugins/tfwrap-plugin-audit-log/index.js, { file: audit.jsonl }]`));
    await checkRun(project);
  });

  it('work installed from their packed tarballs, named by short name', async () => {
    const tarballs = await packExamples(['tfwrap-plugin-command', 'tfwrap-plugin-audit-log']);
    const project = pluginProject();
    await installTarballs(project, tarballs);
    writeFileSync(join(project, 'tfwrap.yaml'), config(`  - command\n  - [audit-log, { file: audit.jsonl }]`));
    await checkRun(project);

    const list = await runTfwrap(['plugins', 'list', '--json'], { env: hermeticEnv(), cwd: project });
    assert.equal(list.exitCode, 0, list.stderr);
    const plugins = JSON.parse(list.stdout) as Array<{ name: string; kinds: string[]; hooks: string[]; resolved: string }>;
    const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
    assert.deepEqual(byName['tfwrap-plugin-command']?.kinds, ['example/command']);
    assert.ok(byName['tfwrap-plugin-command']!.resolved.includes(join(project, 'node_modules/tfwrap-plugin-command')));
    assert.deepEqual(byName['tfwrap-plugin-audit-log']?.hooks, ['afterExec']);
    assert.deepEqual(byName['@tfwrap/identity-aws-ambient']?.kinds, ['aws/ambient']);
  });

  // The plugin's TfwrapError comes from its own copy of @tfwrap/core (through the kit), the CLI's
  // from its bundle: tfwrap must still take it as a TfwrapError, with the plugin's hint and code.
  it('a TfwrapError the plugin throws reaches the user as the plugin wrote it', async () => {
    const project = pluginProject();
    copyExample(project, 'tfwrap-plugin-command');
    writeFileSync(join(project, 'tfwrap.yaml'), config('  - ./plugins/tfwrap-plugin-command/index.js').replace(JSON.stringify(fakeCredentials), `${JSON.stringify(fakeCredentials)}, --garbage`));
    const run = await runTfwrap(['auth', 'exec', '--', 'true'], { env: hermeticEnv(), cwd: project });
    assert.equal(run.exitCode, 3, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^tfwrap: error: identity "deploy": credential command \S+ did not print JSON \(plugin tfwrap-plugin-command\)\. Hint: print \{"Version": 1, .*\[E_AUTH_FAILED\]$/);
    assert.doesNotMatch(run.stderr, /not-json-secret-value/);
  });

  it("a plugin's own error code ends the run with the exit class the plugin declared", async () => {
    const project = pluginProject({
      'tfwrap.yaml': 'plugins:\n  - ./vault.js\nauth:\n  identities:\n    sealed:\n      kind: acme/vault\n      default: true\n      principal: {}\n',
      'vault.js': `import { TfwrapError, defineIdentityKind, definePlugin, identitySchema } from '@tfwrap/plugin-kit';
export default definePlugin({
  name: 'tfwrap-plugin-vault',
  errorCodes: { E_VAULT_SEALED: 'auth' },
  kinds: [defineIdentityKind({
    kind: 'acme/vault', description: 'a sealed vault', schema: identitySchema({ kind: 'acme/vault' }), produces: ['aws'],
    load: () => ({ authenticate: async () => { throw new TfwrapError('E_VAULT_SEALED', 'the vault is sealed', { hint: 'unseal it' }); }, prepareEnv: (env) => env }),
  })],
});
`,
    });
    const run = await runTfwrap(['auth', 'exec', '--', 'true'], { env: hermeticEnv(), cwd: project });
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stderr, /^tfwrap: error: .*the vault is sealed.*Hint: unseal it.*\[E_VAULT_SEALED\]$/);
  });
});

describe('the example plugin\'s own conformance test (the author\'s workflow)', function () {
  this.timeout(120_000);
  it('passes under mocha', async () => {
    const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
    const dir = join(repoRoot, 'examples/plugins/tfwrap-plugin-command');
    const run = await runCommand(process.execPath, [mocha, '--no-config', '--reporter', 'dot', 'test/conformance.test.js'], { env: hermeticEnv(), cwd: dir });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /(\d+) passing/);
    assert.doesNotMatch(run.stdout, /failing/);
  });
});

describe('plugin errors: one line naming the plugin and the configuration file', function () {
  this.timeout(60_000);

  async function failWith(files: Record<string, string>): Promise<{ line: string; exitCode: number; configFile: string }> {
    const project = pluginProject(files);
    const run = await runTfwrap(['auth', 'list'], { env: hermeticEnv(), cwd: project });
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${run.stderr}`);
    return { line: lines[0]!, exitCode: run.exitCode, configFile: join(project, 'tfwrap.yaml') };
  }

  it('a plugin built for another API version', async () => {
    const { line, exitCode, configFile } = await failWith({
      'tfwrap.yaml': 'plugins:\n  - ./future.js\n',
      'future.js': `export default { name: 'tfwrap-plugin-future', apiVersion: 2, apply() {} };\n`,
    });
    assert.equal(exitCode, 2);
    assert.ok(line.startsWith(`tfwrap: error: ${configFile}:2:5: `), line);
    assert.match(line, /plugin "tfwrap-plugin-future" targets plugin API 2, but this tfwrap provides API 1/);
    assert.match(line, /upgrade tfwrap/);
    assert.match(line, /\[E_PLUGIN_API_VERSION\]$/);
  });

  it('a package that is not installed, with the command to install it', async () => {
    const { line, exitCode, configFile } = await failWith({ 'tfwrap.yaml': 'plugins:\n  - vault\n' });
    assert.equal(exitCode, 2);
    assert.ok(line.startsWith(`tfwrap: error: ${configFile}:2:5: `), line);
    assert.match(line, /plugin "vault" is not installed/);
    assert.match(line, /npm install --save-dev tfwrap-plugin-vault/);
    assert.match(line, /\[E_PLUGIN_MISSING\]$/);
  });

  it('a plugin that throws while loading', async () => {
    const { line, exitCode, configFile } = await failWith({
      'tfwrap.yaml': 'plugins:\n  - ./broken.js\n',
      'broken.js': `throw new Error('cannot find the vault socket');\n`,
    });
    assert.equal(exitCode, 2);
    assert.ok(line.startsWith(`tfwrap: error: ${configFile}:2:5: `), line);
    assert.match(line, /plugin "\.\/broken\.js" failed to load: cannot find the vault socket/);
    assert.match(line, /\[E_PLUGIN_LOAD\]$/);
  });

  it('a plugin that throws in apply', async () => {
    const { line, configFile } = await failWith({
      'tfwrap.yaml': 'plugins:\n  - ./bad-apply.js\n',
      'bad-apply.js': `export default { name: 'tfwrap-plugin-bad-apply', apiVersion: 1, apply() { throw new Error('no licence key'); } };\n`,
    });
    assert.ok(line.startsWith(`tfwrap: error: ${configFile}:2:5: `), line);
    assert.match(line, /plugin "tfwrap-plugin-bad-apply" failed while applying: no licence key/);
  });

  it('two plugins registering the same kind', async () => {
    const project = pluginProject();
    copyExample(project, 'tfwrap-plugin-command');
    writeFileSync(join(project, 'copycat.js'), `import { commandKind } from './plugins/tfwrap-plugin-command/index.js';
export default { name: 'tfwrap-plugin-copycat', apiVersion: 1, apply(tfwrap) { tfwrap.identityKinds.register(commandKind(tfwrap)); } };\n`);
    writeFileSync(join(project, 'tfwrap.yaml'), 'plugins:\n  - ./plugins/tfwrap-plugin-command/index.js\n  - ./copycat.js\n');
    const run = await runTfwrap(['auth', 'list'], { env: hermeticEnv(), cwd: project });
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    const configFile = join(project, 'tfwrap.yaml');
    assert.ok(lines[0]!.startsWith(`tfwrap: error: ${configFile}:3:5: `), lines[0]);
    assert.match(lines[0]!, /identity kind "example\/command" is registered by both "tfwrap-plugin-command" and "tfwrap-plugin-copycat"/);
    assert.match(lines[0]!, /\[E_KIND_DUPLICATE\]$/);
  });
});
