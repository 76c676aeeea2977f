// knip: unused files, exports and dependencies (`npm run lint`; see README "Tests").
//
// Entry points, besides what knip reads itself (each workspace's package.json `exports` and `bin`,
// mapped from dist/ back to src/ through its tsconfig):
// - the unit tests beside the code and the e2e tests (mocha runs them from dist/);
// - the files scripts/bundle.mjs names as bundle entries (lazy chunks and child-process scripts),
//   read from that script so a new entry there needs no edit here;
// - files named in a package.json `tfwrap` field (a plugin's declarations) or run by its scripts;
// - the scripts/ and bench/ programs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const workspaceDirs = ['packages', 'plugins'].flatMap((d) => readdirSync(join(root, d)).map((n) => `${d}/${n}`));

/** `dist/x.js` (what runs) to `src/x.ts` (what knip should read). */
const toSource = (file) => file.replace(/^(\.\/)?dist\//, 'src/').replace(/\.js$/, '.ts');

/** Every string in a JSON value. */
const strings = (v) => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);

/** packages/x/dist/y.js strings in scripts/bundle.mjs, grouped by workspace (not those it exports). */
function bundleEntries() {
  const text = readFileSync(join(root, 'scripts/bundle.mjs'), 'utf8');
  const byWorkspace = new Map();
  for (const [, ws, file] of text.matchAll(/'((?:packages|plugins)\/[\w.-]+)\/(dist\/[\w./-]+\.js)'/g)) {
    const manifest = join(root, ws, 'package.json');
    if (existsSync(manifest) && strings(JSON.parse(readFileSync(manifest, 'utf8')).exports).includes(`./${file}`)) continue;
    byWorkspace.set(ws, [...(byWorkspace.get(ws) ?? []), toSource(file)]);
  }
  return byWorkspace;
}

/** Relative file paths anywhere in a package.json `tfwrap` field, and dist files its scripts run. */
function manifestEntries(ws) {
  const manifest = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  const run = Object.values(manifest.scripts ?? {}).flatMap((cmd) => [...cmd.matchAll(/(?<![\w/.-])dist\/[\w./-]+\.js/g)].map((m) => m[0]));
  const declared = strings(manifest.tfwrap).filter((v) => /^\.\/.+\.[cm]?js$/.test(v)).map((v) => v.slice(2));
  return [...run, ...declared].map(toSource);
}

/** Whether a directory holds a unit test (an entry pattern that matches nothing is a knip hint). */
const hasTests = (dir) =>
  existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.test.ts'));

const fromBundle = bundleEntries();
const workspaces = {
  '.': {
    entry: ['scripts/*.mjs', 'bench/*.mjs', 'bench/support/*.{mjs,cjs}'],
    project: ['scripts/**', 'bench/**', '*.js'],
  },
  test: {
    entry: ['src/**/*.test.ts', 'src/support/hooks.ts', 'src/support/*.mjs'],
    project: ['src/**'],
  },
};
for (const ws of workspaceDirs) {
  if (!existsSync(join(root, ws, 'package.json'))) continue;
  workspaces[ws] = {
    entry: [...(hasTests(join(root, ws, 'src')) ? ['src/**/*.test.ts'] : []), ...(fromBundle.get(ws) ?? []), ...manifestEntries(ws)],
    project: ['src/**'],
  };
}

export default {
  workspaces,
  // Run by the tests and benchmarks when present, from the system (util-linux, strace).
  ignoreBinaries: ['unshare', 'strace'],
  // The release tool (lerna.json), run by hand: `npx lerna version`; and the HCL converter, whose
  // WebAssembly stacks' include-parsers.ts loads by path (require.resolve of its package.json).
  ignoreDependencies: ['lerna', '@cdktn/hcl2json'],
};
