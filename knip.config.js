// knip: unused files, exports and dependencies (`npm run lint`; see README "Tests").
//
// Entry points, besides what knip reads itself (each workspace's package.json `exports` and `bin`,
// mapped from dist/ back to src/ through its tsconfig):
// - the unit tests beside the code and the e2e tests (mocha runs them from dist/);
// - the files scripts/bundle.mjs names as bundle entries (lazy chunks and child-process scripts),
//   read from that script so a new entry there needs no edit here;
// - files named in a package.json `tfwrap` field (a plugin's declarations);
// - the scripts/ and bench/ programs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const workspaceDirs = ['packages', 'plugins'].flatMap((d) => readdirSync(join(root, d)).map((n) => `${d}/${n}`));

/** `dist/x.js` (what runs) to `src/x.ts` (what knip should read). */
const toSource = (file) => file.replace(/^(\.\/)?dist\//, 'src/').replace(/\.js$/, '.ts');

/** packages/x/dist/y.js strings in scripts/bundle.mjs, grouped by workspace. */
function bundleEntries() {
  const text = readFileSync(join(root, 'scripts/bundle.mjs'), 'utf8');
  const byWorkspace = new Map();
  for (const [, ws, file] of text.matchAll(/'((?:packages|plugins)\/[\w.-]+)\/(dist\/[\w./-]+\.js)'/g)) {
    byWorkspace.set(ws, [...(byWorkspace.get(ws) ?? []), toSource(file)]);
  }
  return byWorkspace;
}

/** Relative file paths anywhere in a package.json `tfwrap` field. */
function tfwrapFieldEntries(ws) {
  const manifest = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  const out = [];
  const walk = (v) => {
    if (typeof v === 'string' && /^\.\/.+\.[cm]?js$/.test(v)) out.push(toSource(v.slice(2)));
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(manifest.tfwrap);
  return out;
}

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
    entry: ['src/**/*.test.ts', ...(fromBundle.get(ws) ?? []), ...tfwrapFieldEntries(ws)],
    project: ['src/**'],
  };
}

export default {
  workspaces,
  // Examples are separate packages a user copies (tested end to end), not workspaces.
  ignore: ['examples/**'],
};
