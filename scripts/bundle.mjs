#!/usr/bin/env node
// Bundle the built CLI (the tsc output under */dist) into a few ES-module files that
// packages/cli/bin/tfwrap.cjs runs: see docs/adr/005-bundled-cli.md.
//
//   node scripts/bundle.mjs [--metafile FILE | --clean]
//
// Run after `tsc -b` (`npm run build` does both; scripts/run-tests.mjs runs it before e2e tests).
// Writes packages/cli/dist/bundle/, replacing the previous bundle in one step.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'packages/cli/dist/bundle');
const argv = process.argv.slice(2);
const metafileOut = argv[0] === '--metafile' ? argv[1] : undefined;
if (argv[0] === '--clean') {
  rmSync(outdir, { recursive: true, force: true });
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));

/**
 * One id for this build's code, the same in the ES-module chunks and in main.cjs (either may run):
 * a hash of every built file bundled. What tfwrap keeps between runs from its own rules (validate's
 * results) is not used by another build.
 */
function buildId() {
  const hash = createHash('sha256');
  for (const base of ['packages', 'plugins']) {
    for (const name of readdirSync(join(root, base)).sort()) {
      const dist = join(root, base, name, 'dist');
      if (!existsSync(dist)) continue;
      for (const file of readdirSync(dist, { recursive: true }).map(String).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js')).sort()) {
        hash.update(`${base}/${name}/${file}\0`).update(readFileSync(join(dist, file)));
      }
    }
  }
  return hash.digest('hex').slice(0, 20);
}
const defines = { TFWRAP_BUNDLED_VERSION: JSON.stringify(version), TFWRAP_BUILD_ID: JSON.stringify(buildId()) };

/**
 * `await import('cosmiconfig')` of a CommonJS package: Node gives its named exports, an esbuild
 * chunk made from a CommonJS module only a default export. Such imports go through a small ES
 * module that names the exports (found by loading the package here, once, at build time).
 */
const commonJsDynamicImports = {
  name: 'commonjs-dynamic-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === 'real' || args.path.startsWith('node:')) return undefined;
      const real = await build.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, importer: args.importer, pluginData: 'real' });
      const packageDir = real.errors.length || real.external ? undefined : commonJsPackageDir(real.path);
      if (!packageDir) return undefined;
      // One wrapper per installed package and specifier, named so that its chunk says what it
      // holds (cosmiconfig-HASH.js).
      return { path: join(packageDir, args.path), namespace: 'commonjs-wrapper', pluginData: real.path };
    });
    build.onLoad({ filter: /.*/, namespace: 'commonjs-wrapper' }, (args) => {
      const file = args.pluginData;
      const names = Object.keys(createRequire(file)(file)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && n !== '__esModule');
      const contents = [`const m = require(${JSON.stringify(file)});`, 'export default m;', ...names.map((n) => `export const ${n} = m.${n};`)].join('\n');
      return { contents, loader: 'js', resolveDir: dirname(file) };
    });
  },
};

/**
 * fdir (tinyglobby's walker) loads picomatch at its module's start with a require() of its own, for
 * a `.glob()` tinyglobby does not use: the package was read and compiled from node_modules on every
 * run (no code cache; ~8 ms of `describe component`). Here fdir takes the bundled picomatch.
 */
const fdirBundledPicomatch = {
  name: 'fdir-bundled-picomatch',
  setup(build) {
    build.onLoad({ filter: /[\\/]fdir[\\/]dist[\\/]index\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const runtimeRequire = /try \{\s*__require\.resolve\("picomatch"\);\s*pm = __require\("picomatch"\);\s*\} catch \{\}/;
      if (!runtimeRequire.test(source)) {
        console.warn(`bundle.mjs: ${args.path} no longer loads picomatch as expected; left as it is`);
        return undefined;
      }
      return { contents: `import __bundledPicomatch from "picomatch";\n${source.replace(runtimeRequire, 'pm = __bundledPicomatch;')}`, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** The built-in plugins (plugins/<dir>) and the packages the commands import only when they need them. */
function lazyEntries() {
  const entries = {
    stacks: 'packages/stacks/dist/index.js',
    terraform: 'packages/terraform/dist/index.js',
    aws: 'packages/aws/dist/index.js',
    'json-schema': 'packages/plugin-kit/dist/json-schema.js',
    'identity-aws-user-store': 'plugins/identity-aws-user/dist/store.js',
  };
  for (const dir of readdirSync(join(root, 'plugins'))) {
    if (existsSync(join(root, 'plugins', dir, 'dist/index.js'))) entries[dir] = `plugins/${dir}/dist/index.js`;
  }
  return entries;
}

/**
 * The directory of the package.json that owns a CommonJS file (a .cjs file, or a .js file whose
 * package.json does not say "type": "module"); undefined for an ES module.
 */
function commonJsPackageDir(file) {
  if (!file.endsWith('.js') && !file.endsWith('.cjs')) return undefined;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    return file.endsWith('.cjs') || pkg.type !== 'module' ? dir : undefined;
  }
  return undefined;
}

// Built beside the old bundle, then swapped in: a test or a run using the old one meanwhile
// never sees half a bundle.
const staging = `${outdir}.${process.pid}.tmp`;
rmSync(staging, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    main: 'packages/cli/dist/main.js',
    // What the CLI imports lazily, by name (a trace of imports or a profile then says what loaded).
    ...lazyEntries(),
    // Scripts tfwrap starts as child processes by path, `new URL('./x.js', import.meta.url)`:
    // they sit beside the chunks that name them.
    'credential-process': 'packages/aws/dist/credential-process.js',
    'keychain-child': 'plugins/identity-aws-user/dist/keychain-child.js',
    // Threads `tfwrap validate` starts the same way.
    'validation-worker': 'packages/stacks/dist/validation-worker.js',
  },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: '[name]-[hash]',
  external: [
    // Heavy, loaded only when an AWS identity calls AWS, and resolved from node_modules as before.
    '@aws-sdk/*',
    '@smithy/*',
    // Native: loaded only inside the keychain helper.
    '@napi-rs/keyring',
    // cosmiconfig's TypeScript config loader requires it only for a tfwrap.config.ts.
    'typescript',
  ],
  // cosmiconfig requires js-yaml's CommonJS build, core imports its ES build: one copy, not two.
  alias: { 'js-yaml': './node_modules/js-yaml/dist/js-yaml.mjs' },
  define: defines,
  // CommonJS dependencies (commander, tapable, cosmiconfig) call require() for node builtins.
  banner: { js: "import { createRequire as __tfwrapCreateRequire } from 'node:module'; const require = __tfwrapCreateRequire(import.meta.url);" },
  plugins: [commonJsDynamicImports, fdirBundledPicomatch],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: metafileOut !== undefined,
});
if (metafileOut) writeFileSync(metafileOut, JSON.stringify(result.metafile));

// The same CLI as one CommonJS script, main.cjs, for Nodes without module.enableCompileCache
// (Node 20): bin/tfwrap.cjs compiles it with vm.Script and V8's code cache, which ES modules cannot
// use there. One file, because esbuild splits only ES modules and two copies of core in one
// process would not share state. Its first line names its content hash (the code cache's key).
// The child scripts (credential-process.js, keychain-child.js) stay the ES-module entries above,
// found beside it by `new URL('./x.js', import.meta.url)`.
const hot = await build({
  absWorkingDir: root,
  entryPoints: ['packages/cli/dist/main.js'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  external: ['@aws-sdk/*', '@smithy/*', '@napi-rs/keyring', 'typescript'],
  alias: { 'js-yaml': './node_modules/js-yaml/dist/js-yaml.mjs' },
  define: { ...defines, 'import.meta.url': '__tfwrapImportMetaUrl' },
  plugins: [fdirBundledPicomatch],
  // bin/tfwrap.cjs runs the script as a function with this parameter (the file's URL) and
  // __tfwrapImport (below).
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
});
// import() inside a script from V8's code cache fails on Node 20 ("A dynamic import callback was
// not specified": the deserialized script loses vm's importModuleDynamically), so each one calls
// a function the bin passes in, whose import() is its own. All of them are `await import(`; a new
// form stops the build rather than be rewritten blindly (a string that says "import(", say).
const dynamicImport = /(?<![\w$.])import\(/g;
const hotText = hot.outputFiles[0].text.replace(dynamicImport, (match, offset, text) => {
  if (text.slice(offset - 6, offset) !== 'await ') throw new Error(`bundle.mjs: main.cjs has an import( that is not \`await import(\`: ${JSON.stringify(text.slice(offset - 60, offset + 40))}`);
  return '__tfwrapImport(';
});
const hotHash = createHash('sha256').update(hotText).digest('hex').slice(0, 20);
writeFileSync(join(staging, 'main.cjs'), `// tfwrap-bundle ${hotHash}\n${hotText}`);
const old = `${outdir}.${process.pid}.old`;
if (existsSync(outdir)) renameSync(outdir, old);
renameSync(staging, outdir);
rmSync(old, { recursive: true, force: true });
