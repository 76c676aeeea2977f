// The command line behaves the same whichever commands a run loads (issue 12: the CLI imports only
// the module of the command it runs; `--version` imports none, and not the configuration loader).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import module from 'node:module';
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

// Node 20 has no compile cache for ES modules: bin/tfwrap.cjs runs the CLI as one CommonJS script
// with V8's code cache, kept per command in tfwrap's cache directory (docs/adr/005-bundled-cli.md).
describe('CLI start-up: the code cache (e2e)', function () {
  this.timeout(120_000);
  const plugin = `import { appendFileSync } from 'node:fs';
export default {
  name: 'tfwrap-plugin-startup-log',
  apiVersion: 1,
  apply(tfwrap) {
    tfwrap.hooks.beforeExec.tap('log', (request) => {
      appendFileSync(process.env.STARTUP_LOG, 'exec ' + request.phase + '\\n');
    });
  },
};
`;

  before(function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip(); // Node 22.1+: Node's own cache
  });

  function project() {
    const dir = tempDir('tfwrap-startup-');
    writeFileSync(join(dir, 'tfwrap.yaml'), `plugins:\n  - ./log.mjs\n${config}`);
    writeFileSync(join(dir, 'log.mjs'), plugin);
    const log = join(dir, 'exec.log');
    const env = hermeticEnv({ STARTUP_LOG: log });
    const cacheDir = join(env.XDG_CACHE_HOME!, 'tfwrap/code-cache');
    const cacheFile = () => {
      const files = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('-auth.v8')) : [];
      assert.ok(files.length <= 1, files.join(' '));
      return files[0] === undefined ? undefined : join(cacheDir, files[0]);
    };
    const exec = async () => {
      const result = await runTfwrap(['auth', 'exec', '--', 'sh', '-c', 'echo ran'], { env, cwd: dir });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stdout, 'ran');
      assert.equal(result.stderr, '', 'no warning, no noise');
      return result;
    };
    return { dir, log, env, cacheDir, cacheFile, exec };
  }

  it('the second run of a command writes its cache (0600 in a 0700 directory), later runs use it; a plugin loads the same every time', async () => {
    const { log, cacheDir, cacheFile, exec } = project();
    await exec();
    const file = cacheFile();
    assert.ok(file, 'the first run marks the command');
    assert.equal(statSync(file).size, 0);
    await exec();
    const written = statSync(file);
    assert.ok(written.size > 100_000, `a cache of ${written.size} bytes`);
    assert.equal(written.mode & 0o777, 0o600);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    await exec();
    await exec();
    const used = statSync(file);
    assert.equal(used.mtimeMs, written.mtimeMs, 'an accepted cache is not written again');
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['exec main', 'exec main', 'exec main', 'exec main'], 'the plugin ran in every run');
  });

  it('a damaged cache is replaced; errors and usage errors read the same with a cache', async () => {
    const { dir, env, cacheFile, exec } = project();
    await exec();
    await exec();
    const file = cacheFile()!;
    const size = statSync(file).size;
    writeFileSync(file, Buffer.alloc(size, 7));
    await exec();
    assert.notDeepEqual(readFileSync(file), Buffer.alloc(size, 7), 'rewritten');
    await exec();
    const unknown = await runTfwrap(['auth', 'exec', '-i', 'nope', '--', 'true'], { env, cwd: dir });
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /^tfwrap: error: identity "nope" is not defined\. Hint: did you mean "passthrough"\?/);
    const usage = await runTfwrap(['auth', 'exec', '--nope'], { env, cwd: dir });
    assert.equal(usage.exitCode, 64);
    assert.match(usage.stderr, /unknown option '--nope'/);
  });

  it('a cache directory that others can write is not used', async () => {
    const { cacheDir, cacheFile, exec } = project();
    mkdirSync(cacheDir, { recursive: true });
    chmodSync(cacheDir, 0o777);
    await exec();
    await exec();
    assert.equal(cacheFile(), undefined, 'nothing written there');
  });

  it("a new build's first run removes the caches of older builds but the latest other one, and stale temporary files", async () => {
    const { cacheDir, exec } = project();
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const plant = (name: string, ageDays: number) => {
      writeFileSync(join(cacheDir, name), 'x', { mode: 0o600 });
      const when = new Date(Date.now() - ageDays * 86_400_000);
      utimesSync(join(cacheDir, name), when, when);
    };
    const old = `0a1b2c3d4e5f0a1b-${process.version}-${process.arch}`;
    const recent = `9f8e7d6c5b4a9f8e-${process.version}-${process.arch}`;
    plant(`${old}-auth.v8`, 40);
    plant(`${old}-plan.v8`, 30);
    plant(`${recent}-auth.v8`, 20);
    plant(`${recent}-plan.v8`, 2);
    plant(`${recent}-auth.v8.4242.tmp`, 1);
    await exec();
    const left = readdirSync(cacheDir);
    const own = left.filter((name) => !name.startsWith(recent));
    assert.equal(own.length, 1, left.join(' '));
    assert.match(own[0]!, /-auth\.v8$/, 'this build marked its command');
    assert.deepEqual(left.sort(), [own[0]!, `${recent}-auth.v8`, `${recent}-plan.v8`].sort());
  });
});
