// The command line behaves the same whichever commands a run loads (issue 12: the CLI imports only
// the module of the command it runs; `--version` imports none, and not the configuration loader).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, runCommand, runTfwrap, tfwrapBin } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

const config = 'auth:\n  identities:\n    passthrough:\n      kind: ambient\n      default: true\n';

describe('CLI start-up: lazily registered commands (e2e)', function () {
  this.timeout(60_000);
  const env = hermeticEnv();

  it('--help lists every command', async () => {
    const result = await runTfwrap(['--help'], { env, cwd: tempDir() });
    assert.equal(result.exitCode, 0);
    for (const name of ['auth', 'plan', 'apply', 'destroy', 'init', 'output', 'validate', 'show', 'terraform', 'describe', 'list', 'plugins', 'schema', 'fmt']) {
      assert.match(result.stdout, new RegExp(`^  ${name}\\b`, 'm'), `tfwrap --help lists ${name}`);
    }
  });

  it('--version prints the version and imports no command and no configuration loader', async () => {
    const cwd = tempDir();
    const trace = join(cwd, 'imports.log');
    const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url.replace('/dist/', '/src/')));
    const result = await runCommand(process.execPath, ['--import', tracer, tfwrapBin, '--version'], { env: hermeticEnv({ TFWRAP_TRACE_IMPORTS: trace }), cwd });
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, version);
    const imported = readFileSync(trace, 'utf8');
    assert.match(imported, /main\.js/, 'the tracer sees the bundle');
    assert.doesNotMatch(imported, /cosmiconfig|\/(auth|terraform|describe|identity-ambient)[-.]/);
  });

  it('root options before the command, with their values, still select the command', async () => {
    const dir = tempDir('tfwrap-startup-');
    writeFileSync(join(dir, 'tfwrap.yaml'), config);
    const elsewhere = tempDir();
    for (const args of [
      ['-C', dir, 'auth', 'list'],
      ['--chdir', dir, 'auth', 'list'],
      [`--chdir=${dir}`, 'auth', 'list'],
      ['--config', join(dir, 'tfwrap.yaml'), '--debug', 'auth', 'list'],
      ['-c', join(dir, 'tfwrap.yaml'), 'auth', 'list'],
    ]) {
      const result = await runTfwrap(args, { env, cwd: elsewhere });
      assert.equal(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^passthrough\s+ambient\s+yes/m, args.join(' '));
    }
  });

  it('a mistyped command is a usage error with a suggestion, exit 64', async () => {
    const result = await runTfwrap(['auht', 'list'], { env, cwd: tempDir() });
    assert.equal(result.exitCode, 64);
    assert.match(result.stderr, /unknown command 'auht'/);
    assert.match(result.stderr, /Did you mean auth\?/);
  });

  it('an unknown option of a command is a usage error, exit 64', async () => {
    const result = await runTfwrap(['auth', 'list', '--nope'], { env, cwd: tempDir() });
    assert.equal(result.exitCode, 64);
    assert.match(result.stderr, /unknown option '--nope'/);
  });
});
