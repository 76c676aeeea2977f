#!/usr/bin/env node
// Runs the bundled CLI (dist/bundle, built by scripts/bundle.mjs; see docs/adr/005-bundled-cli.md).
// Only node builtins are loaded here: start-up time is part of every command. CommonJS, not an ES
// module: an ES-module entry makes node set up its module loader first (about 18 M instructions,
// a fifth of `node -e 0`), and the bundle it runs on Node 20 is a script.
'use strict';
const { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const env = process.env;
// tfwrap's own cache directory (the same rule as core's paths.ts).
const cacheDir = env.TFWRAP_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'tfwrap');

/** main.ts's top-level commands; a word not listed here only shares the `other` cache. */
const COMMANDS = new Set(['auth', 'plan', 'apply', 'destroy', 'init', 'output', 'validate', 'show', 'terraform', 'describe', 'list', 'plugins', 'schema', 'fmt']);

// An error nothing caught rejects this promise: node prints it and exits 1, as for the ES-module entry.
void (async () => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 1)) {
    // Node 22.1+ keeps compiled ES modules between runs itself (0700, in tfwrap's cache directory).
    // (node:module is loaded only here: loading it sets up node's ES-module loader.)
    if (!env.NODE_COMPILE_CACHE) {
      try {
        const dir = join(cacheDir, 'node-compile-cache');
        makeDir(dir);
        require('node:module').enableCompileCache(dir);
      } catch {
        // A cache that cannot be written only costs speed.
      }
    }
    await runModules();
  } else if (!(await runWithCodeCache())) {
    await runModules();
  }
})();

/** The ES-module bundle: main.js and the chunks it imports as needed. */
async function runModules() {
  const bundle = join(__dirname, '../dist/bundle/main.js');
  let run;
  try {
    ({ run } = await import(pathToFileURL(bundle).href));
  } catch (err) {
    if (existsSync(bundle)) throw err;
    process.stderr.write(`tfwrap: internal error: ${bundle} is missing. Hint: run npm run build (tsc -b and the bundle step) [E_INTERNAL]\n`);
    process.exit(70);
  }
  await run();
}

/**
 * Node 20 has no compile cache for ES modules, and compiling the bundle was most of tfwrap's
 * start-up. The same CLI as one CommonJS script (main.cjs) compiled with vm.Script can use V8's
 * code cache: one file per bundle, Node version and command word, written after a run (so that it
 * holds what that command compiled), 0600 in a 0700 directory of tfwrap's cache. The first run of a
 * command only marks it (an empty file) and runs the ES modules: compiling the whole script costs
 * more than the modules one command needs, so it is paid only for commands that run again.
 * Returns false when the ES modules should run instead (first run, no main.cjs, a cache directory
 * that is not private).
 */
async function runWithCodeCache() {
  const filename = join(__dirname, '../dist/bundle/main.cjs');
  // Only its first line to begin with: a first run does not need the 1.8 MB.
  let head;
  try {
    const fd = openSync(filename, 'r');
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, readSync(fd, head, 0, 64, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const hash = /^\/\/ tfwrap-bundle (\w+)\n/.exec(head)?.[1];
  if (!hash) return false;
  const dir = join(cacheDir, 'code-cache');
  const file = join(dir, `${hash}-${process.version}-${process.arch}-${cacheWord(process.argv.slice(2))}.v8`);
  // Code from a directory someone else can write would run as tfwrap: only our own 0700 one.
  const isPrivate = () => {
    const st = statSync(dir);
    return st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
  };
  let cachedData;
  try {
    cachedData = readFileSync(file);
    if (!isPrivate()) return false;
  } catch {
    try {
      makeDir(dir);
      if (isPrivate()) {
        writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
        pruneOtherBuilds(dir, hash);
      }
    } catch {
      // Unwritable: no cache, only speed lost.
    }
    return false;
  }
  let source;
  try {
    source = readFileSync(filename, 'utf8');
  } catch {
    return false;
  }
  const compiled = new vm.Script(`(function (exports, require, module, __filename, __dirname, __tfwrapImportMetaUrl, __tfwrapImport) {${source}\n})`, {
    filename,
    cachedData: cachedData.length > 0 ? cachedData : undefined,
  });
  if (cachedData.length === 0 || compiled.cachedDataRejected) {
    // Written on the way out, with every function this run compiled; a stale or damaged cache
    // (V8 checks the source, its flags and version) is replaced the same way.
    process.once('exit', () => {
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, compiled.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // Only speed lost.
      }
    });
  }
  const mod = { exports: {} };
  // The script's import() calls (plugins, the AWS SDK) are this module's: scripts/bundle.mjs says why.
  const importFromBundle = (specifier) => import(specifier);
  compiled.runInThisContext()(mod.exports, module.constructor.createRequire(filename), mod, filename, dirname(filename), pathToFileURL(filename).href, importFromBundle);
  await mod.exports.run();
  return true;
}

/**
 * Each build of tfwrap (each upgrade) has caches of its own: when a build marks its first command,
 * the caches of older builds go, but for the most recent other one (two installs used in turn, a
 * global one and a project's, keep theirs), and so do temporary files a killed run left behind.
 */
function pruneOtherBuilds(dir, hash) {
  try {
    const others = [];
    const newest = new Map();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (name.endsWith('.tmp')) {
        if (Date.now() - stat.mtimeMs > 60_000) unlinkSync(path);
        continue;
      }
      const build = name.slice(0, name.indexOf('-'));
      if (build === hash) continue;
      others.push([path, build]);
      newest.set(build, Math.max(newest.get(build) ?? 0, stat.mtimeMs));
    }
    const kept = [...newest].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const [path, build] of others) if (build !== kept) unlinkSync(path);
  } catch {
    // Another run removed them first, or they cannot be removed: only disk space lost.
  }
}

/**
 * mkdir -p with mode 0700. Not mkdirSync's recursive option: on Node 20 it never returns for a
 * directory that cannot be made (under /proc, for one), where this throws.
 */
function makeDir(dir) {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (err.code === 'EEXIST') return;
    if (err.code !== 'ENOENT' || dirname(dir) === dir) throw err;
    makeDir(dirname(dir));
    mkdirSync(dir, { mode: 0o700 });
  }
}

/**
 * The command word a cache is kept for (`auth`, `plan`, ...; `-` for none), skipping the root's
 * options and their values as main.ts's commandWord does. Anything else shares one cache, so that
 * a typo makes no file of its own.
 */
function cacheWord(args) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') return COMMANDS.has(arg) ? arg : 'other';
    if (arg === '-C' || arg === '--chdir' || arg === '-c' || arg === '--config') i++;
  }
  return '-';
}
