#!/usr/bin/env node
// Run the mocha suite on built JS (run `tsc -b` first; `npm test` does). Unless --unit, it first
// bundles the CLI from that build (scripts/bundle.mjs, well under a second) so that the e2e tests
// run what users run: packages/cli/bin/tfwrap.cjs and its bundle, never a stale one.
//
//   node scripts/run-tests.mjs [--unit] [--grep PATTERN] [--jobs N] [--with COMMAND] [--save-timings]
//
// --unit           only packages/*/dist and plugins/*/dist specs (no e2e)
// --grep PATTERN   (or TFWRAP_TEST_GREP) run only tests whose full title matches (regex)
// --jobs N         (or TFWRAP_TEST_JOBS; default 2) run the spec files in N mocha processes at
//                  once. Most of an e2e test is waiting for terraform, moto or a child, so two
//                  processes roughly halve the wall time on two cores. Each process has its own
//                  moto and temp dirs; its output is printed, whole, when it ends. Files are
//                  dealt to the processes by their last measured time (test/timings.json).
// --with COMMAND   also run this shell command while the tests run (npm test: the linters, which
//                  are CPU-bound and fill the cores the e2e tests leave idle while they wait); its
//                  output is printed when it ends, and its failure fails the run.
// --save-timings   write each spec file's wall time to test/timings.json (commit it when the
//                  suite's shape changed: it only balances the shards, never decides a result).
//                  Every full run also writes them to test/dist/last-timings.json.
//
// Spec globs, timeout and root-hook files come from .mocharc.json. As root on Linux the run
// re-executes itself inside `unshare -n` so only loopback exists and nothing can reach real
// AWS; set TFWRAP_TEST_NETNS to anything to skip that. Ends with a plain summary line
// `N passed, N failed[, N skipped]` and a non-zero exit status if anything failed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const NETNS_MARK = 'TFWRAP_TEST_NETNS';

function usage(msg) {
  console.error(`run-tests: ${msg}\nusage: node scripts/run-tests.mjs [--unit] [--grep PATTERN] [--jobs N] [--with COMMAND] [--save-timings]`);
  process.exit(2);
}

let unit = false;
let grep = process.env.TFWRAP_TEST_GREP || undefined;
let jobs = Number(process.env.TFWRAP_TEST_JOBS || 2);
const alongside = [];
let saveTimings = false;
/** Set in a shard process: the spec files it runs, and where it writes its stats. */
const shardFiles = process.env.TFWRAP_TEST_SHARD_FILES?.split('\n');
const shardStats = process.env.TFWRAP_TEST_SHARD_STATS;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--unit') unit = true;
  else if (a === '--with') alongside.push(argv[++i] ?? usage('--with needs a command'));
  else if (a === '--save-timings') saveTimings = true;
  else if (a === '--jobs') jobs = Number(argv[++i] ?? usage('--jobs needs a number'));
  else if (a === '--grep') grep = argv[++i] ?? usage('--grep needs a pattern');
  else if (a.startsWith('--grep=')) grep = a.slice('--grep='.length);
  else usage(`unknown argument ${a}`);
}
if (!Number.isInteger(jobs) || jobs < 1) usage('--jobs needs a whole number from 1');

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/** Re-exec inside a fresh network namespace; returns false if that is not possible here. */
function runIsolated() {
  if (process.platform !== 'linux' || process.env[NETNS_MARK]) return false;
  if (process.getuid?.() !== 0 || !onPath('unshare')) {
    console.log('note: not root or no unshare: running without network isolation');
    return false;
  }
  const setup = 'ip link set lo up';
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', setup], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `status ${probe.status}`).trim().split('\n')[0];
    console.log(`note: unshare -n failed (${why}): running without network isolation`);
    return false;
  }
  // "$@" keeps arguments intact: nothing is pasted into the shell string.
  const child = spawn('unshare', ['-n', 'sh', '-c', `${setup} && exec "$@"`, 'sh', process.execPath, self, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [NETNS_MARK]: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
  return true;
}

/** Minimal glob: `*` within a segment, `**` for any depth; skips node_modules. */
function expand(pattern) {
  const parts = pattern.split('/');
  const out = [];
  const toRe = (seg) => new RegExp('^' + seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '$');
  const walk = (dir, i) => {
    if (i === parts.length) return;
    const seg = parts[i];
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (seg === '**') {
      walk(dir, i + 1);
      for (const e of entries) if (e.isDirectory() && e.name !== 'node_modules') walk(join(dir, e.name), i);
      return;
    }
    const re = toRe(seg);
    for (const e of entries) {
      if (!re.test(e.name)) continue;
      const p = join(dir, e.name);
      if (i === parts.length - 1) {
        if (e.isFile()) out.push(p);
      } else if (e.isDirectory()) walk(p, i + 1);
    }
  };
  walk(root, 0);
  return out;
}

const toList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function specFiles() {
  const rc = JSON.parse(readFileSync(join(root, '.mocharc.json'), 'utf8'));
  let specs = toList(rc.spec);
  if (unit) specs = specs.filter((s) => /^(packages|plugins)\//.test(s));
  return [...new Set(specs.flatMap(expand))].sort();
}

const timingsFile = join(root, 'test/timings.json');

/** The arguments a shard process gets: the same, minus what only the parent does. */
function shardArgv() {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--with') i++;
    else if (argv[i] !== '--save-timings') out.push(argv[i]);
  }
  return out;
}

/**
 * Each spec file's expected run time: its last measured wall time (test/timings.json, seconds by
 * path), else its size at the measured files' median seconds per byte. Only the shards' balance
 * depends on it.
 */
function expectedSeconds(files) {
  let known = {};
  try {
    known = JSON.parse(readFileSync(timingsFile, 'utf8'));
  } catch {
    // none yet: sizes alone
  }
  const sized = files.map((file) => ({ file, bytes: statSync(file).size, seconds: known[relative(root, file)] }));
  const rates = sized.filter((f) => typeof f.seconds === 'number' && f.bytes > 0).map((f) => f.seconds / f.bytes).sort((a, b) => a - b);
  const rate = rates.length ? rates[Math.floor(rates.length / 2)] : 1;
  return sized.map(({ file, bytes, seconds }) => ({ file, weight: typeof seconds === 'number' ? seconds : bytes * rate }));
}

/** A shell command run alongside the shards; prints its output, resolves to null or what failed. */
function runAlongside(command) {
  return new Promise((done) => {
    const child = spawn('sh', ['-c', command], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.on('close', (code, signal) => {
      process.stdout.write(`\n===== ${command}: ${code === 0 ? 'passed' : `FAILED (${signal ?? `status ${code}`})`} =====\n`);
      const text = Buffer.concat(out);
      process.stdout.write(text);
      done(code === 0 ? null : `${command}: ${signal ?? `status ${code}`}\n      ${text.toString().trimEnd().split('\n').slice(-15).join('\n      ')}`);
    });
  });
}

/**
 * Deal the spec files to `n` shards by expected run time (the longest first, each to the
 * lightest shard) and run them as `n` processes of this script at once, with the `--with`
 * commands beside them; stats are summed. Output is kept per process and printed as each ends.
 */
async function runShards(files, n) {
  const checks = Promise.all(alongside.map(runAlongside));
  const shards = Array.from({ length: n }, () => ({ files: [], weight: 0 }));
  const weighed = expectedSeconds(files).sort((a, b) => b.weight - a.weight);
  for (const { file, weight } of weighed) {
    const lightest = shards.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.files.push(file);
    lightest.weight += weight;
  }
  const statsDir = mkdtempSync(join(tmpdir(), 'tfwrap-test-shards-'));
  try {
    const results = await Promise.all(shards.filter((shard) => shard.files.length > 0).map((shard, i) => new Promise((done) => {
      const statsFile = join(statsDir, `${i}.json`);
      const child = spawn(process.execPath, [self, ...shardArgv()], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, [NETNS_MARK]: process.env[NETNS_MARK] ?? 'sharded', TFWRAP_TEST_SHARD_FILES: shard.files.sort().join('\n'), TFWRAP_TEST_SHARD_STATS: statsFile },
      });
      const out = [];
      child.stdout.on('data', (chunk) => out.push(chunk));
      child.stderr.on('data', (chunk) => out.push(chunk));
      child.on('close', (code) => {
        process.stdout.write(`\n===== shard ${i + 1} of ${n}: ${shard.files.length} files =====\n`);
        process.stdout.write(Buffer.concat(out));
        let stats = { passes: 0, failures: 1, pending: 0 };
        try {
          stats = JSON.parse(readFileSync(statsFile, 'utf8'));
        } catch {
          console.error(`run-tests: shard ${i + 1} ended (status ${code}) without its stats`);
        }
        done(stats);
      });
    })));
    const fileMs = Object.assign({}, ...results.map((s) => s.fileMs ?? {}));
    const failedChecks = (await checks).filter(Boolean);
    results.push({ failures: failedChecks.length, failed: failedChecks });
    const failed = results.flatMap((s) => s.failed ?? []);
    return results.reduce((sum, s) => ({ ...sum, passes: sum.passes + (s.passes ?? 0), failures: sum.failures + (s.failures ?? 0), pending: sum.pending + (s.pending ?? 0) }), { passes: 0, failures: 0, pending: 0, fileMs, failed });
  } finally {
    rmSync(statsDir, { recursive: true, force: true });
  }
}

async function runMocha() {
  const rc = JSON.parse(readFileSync(join(root, '.mocharc.json'), 'utf8'));
  const all = shardFiles ?? specFiles();
  const sharded = !grep && jobs > 1 && all.length > 1;
  if (!shardFiles && (sharded || alongside.length > 0)) return runShards(all, sharded ? jobs : 1);
  const files = all;

  const rootHooks = { beforeAll: [], beforeEach: [], afterAll: [], afterEach: [] };
  for (const req of toList(rc.require)) {
    const mod = await import(pathToFileURL(resolve(root, req)).href);
    for (const [k, v] of Object.entries(mod.mochaHooks ?? {})) rootHooks[k].push(...toList(v));
  }

  const Mocha = (await import('mocha')).default;
  const mocha = new Mocha({ timeout: rc.timeout ?? 60000, rootHooks, ...(grep ? { grep } : {}) });
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();
  return new Promise((done) => {
    // Each failure again, briefly, for the end of the log: CI shows only its tail, and a shard's
    // own report is printed whole in the middle of the output.
    const failed = [];
    const runner = mocha.run(() => done({ ...runner.stats, fileMs, failed }));
    runner.on('fail', (test, err) => {
      const where = test.file ? relative(root, test.file) : '(no file)';
      const lines = String(err?.stack ?? err?.message ?? err).split('\n').slice(0, 12).join('\n      ');
      failed.push(`${where}: ${test.fullTitle()}\n      ${lines}`);
    });
    // Wall time per spec file (its top-level suites), printed at the end: where CI time goes.
    const fileMs = {};
    const started = new Map();
    runner.on('suite', (suite) => {
      if (suite.parent?.root && suite.file) started.set(suite, Date.now());
    });
    runner.on('suite end', (suite) => {
      if (!started.has(suite)) return;
      const file = relative(root, suite.file);
      fileMs[file] = (fileMs[file] ?? 0) + Date.now() - started.get(suite);
    });
  });
}

function summary({ passes = 0, failures = 0, pending = 0 }) {
  return `${passes} passed, ${failures} failed` + (pending ? `, ${pending} skipped` : '');
}

if (!unit && !process.env[NETNS_MARK]) {
  const bundled = spawnSync(process.execPath, [join(root, 'scripts/bundle.mjs')], { stdio: 'inherit' });
  if (bundled.status !== 0) {
    console.error('run-tests: the bundle step failed (did tsc -b run?)');
    process.exit(1);
  }
}

if (!runIsolated()) {
  process.chdir(root);
  let stats;
  try {
    stats = await runMocha();
  } catch (err) {
    console.error(err);
    stats = { failures: 1 };
  }
  if (shardStats) writeFileSync(shardStats, JSON.stringify({ passes: stats.passes ?? 0, failures: stats.failures ?? 0, pending: stats.pending ?? 0, fileMs: stats.fileMs, failed: stats.failed }));
  else if (stats.fileMs && Object.keys(stats.fileMs).length > 1) {
    const seconds = Object.fromEntries(Object.entries(stats.fileMs).sort(([a], [b]) => a.localeCompare(b)).map(([file, ms]) => [file, Math.round(ms / 100) / 10]));
    // Every run leaves its times beside the built tests (a CI clone's can be copied over test/timings.json).
    writeFileSync(join(root, 'test/dist/last-timings.json'), JSON.stringify(seconds, null, 2) + '\n');
    if (saveTimings) {
      writeFileSync(timingsFile, JSON.stringify(seconds, null, 2) + '\n');
      console.log(`run-tests: wrote ${relative(root, timingsFile)}`);
    }
    const slowest = Object.entries(stats.fileMs).filter(([, ms]) => ms >= 100).sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log('\nslowest spec files (wall time, s):');
    for (const [file, ms] of slowest) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)}  ${file}`);
  }
  if (!shardStats && stats.failed?.length) {
    console.log(`\nfailed (${stats.failed.length}):`);
    for (const f of stats.failed) console.log(`  ${f}`);
  }
  console.log(summary(stats));
  process.exitCode = stats.failures ? 1 : 0;
  // Tests must stop what they start. If something still holds the event loop, fail loudly
  // instead of hanging CI; the timer is unref'd, so a clean run exits at once.
  setTimeout(() => {
    console.error(`run-tests: still running 10 s after the last test; open handles: ${process.getActiveResourcesInfo().join(', ')}`);
    console.log(summary({ ...stats, failures: (stats.failures ?? 0) + 1 }));
    process.exit(1);
  }, 10_000).unref();
}
