#!/usr/bin/env node
// Check that the docs point at things that exist.
//
//   node scripts/check-docs.mjs [ROOT]
//
// - every relative Markdown link (inline `[t](x)` and reference `[r]: x`) in README.md,
//   docs/**/*.md, packages/*/README.md, plugins/*/README.md and examples/**/*.md resolves to an
//   existing file or directory, and its `#anchor` to a heading of the target (GitHub slug rules);
// - every repository path named in docs/**/*.md (ADRs included) exists: quoted in backticks
//   (`packages/core/src/tfwrap.ts`, `bench/README.md`, `scripts/x.mjs:12`), inside a quoted
//   command (`node bench/x.mjs`) or in plain prose. A path counts as a repository path when its
//   first segment is a top-level entry of ROOT (or `adr/`, which the ADRs use for docs/adr/);
//   placeholders (`<x>`, `*`, `$VAR`, `...`) and build output (dist/) are not checked;
// - every `docs/...md` or `bench/...` file named in the sources (packages/*/src, plugins/*/src,
//   scripts, bench; tests excluded), where comments and hints point readers at the docs.
//
// Prints each finding as `file:line: message` and exits 1 if there are any. Hand-written on
// purpose: a Markdown parser would be a dependency for what is a line scan plus GitHub's slug rule.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.terraform']);

function walkMarkdown(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkMarkdown(p));
    else if (entry.name.endsWith('.md')) out.push(p);
  }
  return out;
}

function readmesIn(dir) {
  const base = join(root, dir);
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(base, e.name, 'README.md'))
    .filter((p) => existsSync(p));
}

const docsDir = join(root, 'docs');
const files = [
  ...[join(root, 'README.md')].filter((p) => existsSync(p)),
  ...walkMarkdown(docsDir),
  ...readmesIn('packages'),
  ...readmesIn('plugins'),
  ...walkMarkdown(join(root, 'examples')),
];

/** Lines of a Markdown file with fenced code blocks blanked (links there are code, not links). */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const m = /^\s*(```+|~~~+)/.exec(line);
    if (m) {
      if (fence === null) fence = m[1][0];
      else if (m[1][0] === fence) fence = null;
      return '';
    }
    return fence === null ? line : '';
  });
}

/** GitHub's heading anchors: lower-case, drop punctuation, spaces to hyphens, -1/-2 for repeats. */
const anchorCache = new Map();
function anchorsOf(file) {
  if (anchorCache.has(file)) return anchorCache.get(file);
  const seen = new Map();
  const anchors = new Set();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    const explicit = [...line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)].map((x) => x[1]);
    explicit.forEach((a) => anchors.add(a));
    if (!m) continue;
    const text = m[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links keep their text
      .replace(/<[^>]+>/g, '') // inline HTML
      .replace(/[`*~]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

const findings = [];
const report = (file, line, msg) => findings.push(`${relative(root, file).split(sep).join('/')}:${line}: ${msg}`);

function checkLink(file, lineNo, target) {
  target = target.trim().replace(/^<(.*)>$/, '$1');
  if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return; // URLs, mailto:
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const dest = pathPart === '' ? file : pathPart.startsWith('/') ? join(root, pathPart) : resolve(dirname(file), pathPart);
  if (!existsSync(dest)) {
    report(file, lineNo, `broken link: ${target} (no file ${relative(root, dest).split(sep).join('/')})`);
    return;
  }
  if (anchor && statSync(dest).isFile() && dest.endsWith('.md') && !anchorsOf(dest).has(anchor.toLowerCase())) {
    report(file, lineNo, `broken link: ${target} (no heading #${anchor} in ${relative(root, dest).split(sep).join('/')})`);
  }
}

const topLevel = new Set(readdirSync(root).filter((n) => !SKIP_DIRS.has(n)));

function checkQuotedPath(file, lineNo, span) {
  if (!/^[\w.@-]+(\/[\w.@-]+)*\/?$/.test(span) || !span.includes('/')) return; // not a plain path
  const first = span.split('/')[0];
  if (first === '.' || first === '..') return; // relative to something the text names, not to the file
  if (span.split('/').some((seg) => SKIP_DIRS.has(seg))) return; // build output: absent from a clean clone
  const candidates = [];
  if (first === 'adr') candidates.push(join(docsDir, span));
  else if (topLevel.has(first)) candidates.push(join(root, span), resolve(dirname(file), span));
  else return;
  if (!candidates.some((c) => existsSync(c))) report(file, lineNo, `no such file: \`${span}\``);
}

/**
 * Path-like words (`a/b`, `a/b/c.md`) in prose or in a quoted command such as
 * `node bench/x.mjs`; not those running into a placeholder (`plugins/identity-*`, `dir/<name>`)
 * or part of a URL or a longer path. A trailing `:LINE` and sentence punctuation are dropped.
 */
function pathWords(text) {
  return [...text.matchAll(/(?<![\w./@$<>*{}:-])((?:[\w@-][\w.@-]*\/)+[\w.@-]+\/?)(?![\w./@*<>${}-])/g)].map((m) =>
    m[1].replace(/[.]+$/, ''),
  );
}

for (const file of files) {
  const inDocs = file.startsWith(docsDir + sep);
  proseLines(readFileSync(file, 'utf8')).forEach((line, i) => {
    const lineNo = i + 1;
    const spans = [];
    // Inline code is not a link; take it out, keeping the spans for the path check.
    const prose = line.replace(/(`+)(.+?)\1/g, (_, _ticks, code) => {
      spans.push(code.trim());
      return '';
    });
    const linkRe = /!?\[(?:[^\]]|\][^(])*?\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g;
    for (const m of prose.matchAll(linkRe)) checkLink(file, lineNo, m[1]);
    const ref = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (ref) checkLink(file, lineNo, ref[1]);
    if (!inDocs) return;
    // Paths named without a link: quoted, in a quoted command, or in plain prose.
    for (const s of spans) {
      if (/\s/.test(s)) pathWords(s).forEach((w) => checkQuotedPath(file, lineNo, w));
      else checkQuotedPath(file, lineNo, s.replace(/:\d+$/, ''));
    }
    const text = ref ? '' : prose.replace(linkRe, (m) => m.replace(/\]\(.*$/s, ']'));
    pathWords(text).forEach((w) => checkQuotedPath(file, lineNo, w));
  });
}

function walkSources(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkSources(p));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !/\.test\.[mc]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
const sourceDirs = ['packages', 'plugins'].flatMap((d) =>
  existsSync(join(root, d)) ? readdirSync(join(root, d)).map((n) => join(root, d, n, 'src')) : [],
);
const self = fileURLToPath(import.meta.url);
for (const file of [...sourceDirs, join(root, 'scripts'), join(root, 'bench')].flatMap(walkSources).filter((f) => f !== self)) {
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/(?<![\w./-])((?:docs\/[\w.-]+(?:\/[\w.-]+)*\.md)|(?:bench\/[\w.-]+\.(?:md|mjs)))/g)) {
      if (!existsSync(join(root, m[1]))) report(file, i + 1, `no such file: ${m[1]}`);
    }
  });
}

for (const f of findings) console.log(f);
if (findings.length > 0) {
  console.error(`check-docs: ${findings.length} finding(s)`);
  process.exit(1);
}
console.log(`check-docs: ${files.length} Markdown files, no findings`);
