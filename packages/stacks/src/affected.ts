/**
 * Which (stack, component) pairs a change between two git revisions affects.
 *
 * Both revisions are exported to temporary directories (git-revision.ts) and their stacks loaded
 * as usual. A stack is compared component by component, on the resolved configuration, only when a
 * file of its import closure (at either revision) or the project configuration changed: a
 * whitespace-only edit to a catalog resolves to the same values and affects nothing. A component
 * is also affected when a file under its Terraform directory, or under a local module that
 * directory uses (`source = "./..."` or `"../..."` in its .tf files, followed recursively), changed.
 *
 * Reasons, per component: `stack.<section>` (vars, env, settings, depends_on, backend, auth, hooks,
 * metadata) for a resolved section that differs; `component.added`, `component.deleted`;
 * `component.dir`; `module:<path>`; with dependents, `dependency:<component>`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseYaml } from '@tfwrap/core';
import { changedFiles, exportTree, isClean, openGitRepository, resolveCommit, type ExportedTree } from './git-revision.js';
import jsYaml from 'js-yaml';
import { ImportResolver } from './imports.js';
import { readManifest, type Manifest } from './manifest.js';
import { StackRepository } from './repository.js';
import { stacksSettingsFrom } from './settings.js';
import type { ComponentAuth, ComponentInstance, Stack } from './stack.js';

export interface AffectedOptions {
  /** The project directory (where the configuration file is), inside a git work tree. */
  projectDir: string;
  /** The configuration file, absolute; undefined when the project has none. */
  configFile?: string;
  base: string;
  /** Default: HEAD. */
  head?: string;
  includeDependents?: boolean;
}

export interface AffectedComponent {
  stack: string;
  /** The component's name in the stack. */
  component: string;
  /** The Terraform directory relative to the project directory (`components/terraform/vpc`). */
  componentPath: string;
  /** The component's resolved `auth:` at the head revision (absent when deleted or unset). */
  auth?: ComponentAuth;
  deleted: boolean;
  reasons: string[];
}

export interface AffectedReport {
  base: string;
  head: string;
  components: AffectedComponent[];
}

export async function describeAffected(options: AffectedOptions): Promise<AffectedReport> {
  const repo = await openGitRepository(options.projectDir);
  const base = await resolveCommit(repo, options.base, '--base');
  const head = await resolveCommit(repo, options.head ?? 'HEAD', '--head');
  const changes = await changedFiles(repo, base, head);
  const report: AffectedReport = { base, head, components: [] };
  if (changes.length === 0) return report;

  const trees: ExportedTree[] = [];
  try {
    // A clean work tree at the head commit (as in CI) is read in place; otherwise head is exported too.
    const inPlace = (options.head ?? 'HEAD') === 'HEAD' && await isClean(repo);
    const [baseTree, headTree] = await Promise.all([
      exportTree(repo, base),
      inPlace ? { projectDir: options.projectDir, remove: async () => {} } : exportTree(repo, head),
    ]);
    trees.push(baseTree, headTree);
    const configRelative = options.configFile ? path.relative(options.projectDir, options.configFile) : undefined;
    const baseSide = openSide(baseTree.projectDir, configRelative);
    const headSide = openSide(headTree.projectDir, configRelative);
    // Changed paths relative to the project directory.
    const prefix = repo.prefix === '' ? '' : `${repo.prefix}/`;
    const changed = changes.map((change) => ({ ...change, path: change.path.slice(prefix.length) }));
    report.components = await compare(baseSide, headSide, changed, configRelative, options.includeDependents === true);
    return report;
  } finally {
    await Promise.all(trees.map((tree) => tree.remove()));
  }
}

interface Side {
  projectDir: string;
  repository: StackRepository;
  /** The files of a stack's import closure, found by reading only its `import:` block when possible. */
  closureOf(stackFile: string): string[] | undefined;
}

function openSide(projectDir: string, configRelative: string | undefined): Side {
  const configFile = configRelative === undefined ? undefined : path.join(projectDir, configRelative);
  const config = configFile && existsSync(configFile) ? parseYaml(readFileSync(configFile, 'utf8'), configFile) : undefined;
  const settings = stacksSettingsFrom(projectDir, config, { configFile });
  const manifests = new Map<string, Manifest>();
  const manifestAt = (file: string) => {
    let manifest = manifests.get(file);
    if (!manifest) manifests.set(file, (manifest = readManifest(file)));
    return manifest;
  };
  const resolver = new ImportResolver(settings.stacksBasePath, manifestAt);
  return {
    projectDir,
    repository: new StackRepository(settings),
    closureOf(stackFile) {
      const text = readFileSync(stackFile, 'utf8');
      const imports = scanImports(text);
      if (imports === undefined) return undefined;
      const stub: Manifest = { file: stackFile, text, imports, importEntries: imports.map((importPath) => ({ path: importPath, skipIfMissing: false })), overrides: {}, templateLines: [], document: undefined, globals: {}, terraform: {}, components: new Map() };
      try {
        const files = new Set<string>();
        imports.forEach((_entry, index) => {
          for (const target of resolver.filesOf(stub, index)) for (const file of resolver.closure(target)) files.add(file);
        });
        files.add(stackFile);
        return [...files];
      } catch {
        return undefined; // loading the stack reports the problem
      }
    },
  };
}

/**
 * A stack file's `import:` list without parsing the whole file (a thousand stacks of fifty
 * components each are most of the parsing): the root-level `import:` block only. Undefined when
 * the file is not plainly written that way (flow-style root, anchors), so the caller loads it whole.
 */
function scanImports(text: string): string[] | undefined {
  if (/^\s*[{[]/.test(text.replace(/^(\s*#.*\n)*/, ''))) return undefined;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^(?:import|"import"|'import')[ \t]*:/.test(line));
  if (start < 0) return [];
  let end = start + 1;
  while (end < lines.length && /^([ \t-]|#|$)/.test(lines[end]!)) end++;
  const block = lines.slice(start, end).join('\n');
  if (/[&*<]/.test(block.replace(/#.*$/gm, '').replace(/"[^"]*"|'[^']*'/g, ''))) return undefined;
  let parsed: unknown;
  try {
    parsed = jsYaml.load(block);
  } catch {
    return undefined;
  }
  const value = (parsed as { import?: unknown } | null)?.import;
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) return undefined;
  return value.map((entry: string) => entry.trim());
}

const sections: Array<[string, (instance: ComponentInstance) => unknown]> = [
  ['vars', (i) => i.vars],
  ['env', (i) => i.env],
  ['settings', (i) => ({ ...i.settings, depends_on: undefined })],
  ['depends_on', (i) => i.dependsOn],
  ['backend', (i) => [i.backendType, i.backend]],
  ['auth', (i) => i.auth],
  ['hooks', (i) => i.hooks],
  ['metadata', (i) => [i.component, i.type, i.locked, i.inherits]],
];

async function compare(
  baseSide: Side, headSide: Side,
  changes: Array<{ path: string; status: string }>,
  configRelative: string | undefined, includeDependents: boolean,
): Promise<AffectedComponent[]> {
  const changedPaths = new Set(changes.map((change) => change.path));
  const configChanged = configRelative !== undefined && changedPaths.has(configRelative.split(path.sep).join('/'));
  const fileChanged = (side: Side, file: string) => changedPaths.has(path.relative(side.projectDir, file).split(path.sep).join('/'));
  // Without added or deleted manifests, an untouched closure is the same file list at both revisions.
  const manifestsAddedOrDeleted = changes.some((change) => change.status !== 'modified' && /\.ya?ml$/.test(change.path));
  const stacksDir = path.relative(headSide.projectDir, headSide.repository.settings.stacksBasePath).split(path.sep).join('/');
  const directoryReasons = new DirectoryReasons(headSide.projectDir, changes.map((change) => change.path), stacksDir);

  const baseStacks = new Map((await baseSide.repository.listStacks()).map((entry) => [entry.name, entry]));
  const headStacks = new Map((await headSide.repository.listStacks()).map((entry) => [entry.name, entry]));
  const result = new Map<string, AffectedComponent>();
  const add = (stack: string, component: string, instance: ComponentInstance | undefined, reasons: string[], deleted = false) => {
    if (reasons.length === 0) return;
    const key = `${stack}\0${component}`;
    const existing = result.get(key);
    if (existing) {
      existing.reasons.push(...reasons.filter((reason) => !existing.reasons.includes(reason)));
      return;
    }
    result.set(key, {
      stack, component,
      componentPath: instance ? path.relative(headSide.projectDir, instance.componentDir).split(path.sep).join('/') : '',
      ...(instance?.auth ? { auth: instance.auth } : {}),
      deleted, reasons: [...reasons],
    });
  };
  const real = async (stack: Stack) => (await stack.components()).filter((instance) => instance.type === 'real');
  const headStackObjects = new Map<string, Stack>();

  for (const [name] of baseStacks) {
    if (headStacks.has(name)) continue;
    for (const instance of await real(await baseSide.repository.loadStack(name))) {
      add(name, instance.name, undefined, ['component.deleted'], true);
    }
  }

  for (const [name, entry] of headStacks) {
    const baseEntry = baseStacks.get(name);
    let touched = !baseEntry || configChanged
      || path.relative(headSide.projectDir, entry.file) !== path.relative(baseSide.projectDir, baseEntry.file);
    // Which files make the stack: from its import block when it can be read alone, else by loading it.
    let headStack: Stack | undefined;
    const headFiles = touched ? [] : headSide.closureOf(entry.file) ?? (headStack = await headSide.repository.loadStack(name)).files;
    touched ||= headFiles.some((file) => fileChanged(headSide, file));
    let baseStack: Stack | undefined;
    if (!touched && manifestsAddedOrDeleted) {
      const baseFiles = baseSide.closureOf(baseEntry!.file) ?? (baseStack = await baseSide.repository.loadStack(name)).files;
      touched = baseFiles.some((file) => fileChanged(baseSide, file));
    }
    if (!touched && !directoryReasons.any) continue;
    headStack ??= await headSide.repository.loadStack(name);
    // Kept only when needed: a thousand resolved stacks held at once cost more in GC than loading again.
    if (includeDependents) headStackObjects.set(name, headStack);
    if (!baseEntry) {
      for (const instance of await real(headStack)) add(name, instance.name, instance, ['component.added']);
      continue;
    }
    if (!touched) {
      if (!directoryReasons.any) continue;
      for (const instance of await real(headStack)) add(name, instance.name, instance, directoryReasons.of(instance.componentDir));
      continue;
    }
    baseStack ??= await baseSide.repository.loadStack(name);
    const baseComponents = new Map((await real(baseStack)).map((instance) => [instance.name, instance]));
    for (const instance of await real(headStack)) {
      const before = baseComponents.get(instance.name);
      baseComponents.delete(instance.name);
      if (!before) {
        add(name, instance.name, instance, ['component.added']);
        continue;
      }
      const reasons = sections.filter(([, pick]) => !isDeepStrictEqual(pick(before), pick(instance))).map(([section]) => `stack.${section}`);
      add(name, instance.name, instance, [...reasons, ...(directoryReasons.any ? directoryReasons.of(instance.componentDir) : [])]);
    }
    for (const [componentName] of baseComponents) add(name, componentName, undefined, ['component.deleted'], true);
  }

  if (includeDependents) await addDependents(result, headStackObjects, add);
  return [...result.values()].sort((a, b) => compareText(a.stack, b.stack) || compareText(a.component, b.component));
}

/** Components that depend (directly or through others) on an affected one, in the same stack. */
async function addDependents(
  result: Map<string, AffectedComponent>, stacks: Map<string, Stack>,
  add: (stack: string, component: string, instance: ComponentInstance, reasons: string[]) => void,
): Promise<void> {
  const byStack = new Map<string, Set<string>>();
  for (const entry of result.values()) {
    if (entry.deleted) continue;
    let names = byStack.get(entry.stack);
    if (!names) byStack.set(entry.stack, (names = new Set()));
    names.add(entry.component);
  }
  for (const [stackName, affected] of byStack) {
    const instances = (await stacks.get(stackName)!.components()).filter((instance) => instance.type === 'real');
    const queue = [...affected];
    while (queue.length > 0) {
      const dependency = queue.shift()!;
      for (const instance of instances) {
        if (!instance.dependsOn.includes(dependency)) continue;
        add(stackName, instance.name, instance, [`dependency:${dependency}`]);
        if (!affected.has(instance.name)) {
          affected.add(instance.name);
          queue.push(instance.name);
        }
      }
    }
  }
}

/**
 * Why a Terraform directory counts as changed: `component.dir` for a change under it, and
 * `module:<path>` for a change under a local module it uses (recursively). Read at the head revision.
 */
class DirectoryReasons {
  private readonly cache = new Map<string, string[]>();
  private readonly modulesCache = new Map<string, string[]>();
  /** Some changed file is not a stack manifest: directories need checking at all. */
  readonly any: boolean;

  constructor(private readonly projectDir: string, private readonly changed: string[], stacksDir: string) {
    this.any = changed.some((file) => !file.startsWith(`${stacksDir}/`));
  }

  of(componentDir: string): string[] {
    let reasons = this.cache.get(componentDir);
    if (!reasons) {
      reasons = [];
      if (this.hasChangeUnder(componentDir)) reasons.push('component.dir');
      for (const module of this.modulesOf(componentDir, new Set([componentDir]))) {
        if (this.hasChangeUnder(module)) reasons.push(`module:${this.relative(module)}`);
      }
      this.cache.set(componentDir, reasons);
    }
    return reasons;
  }

  private relative(dir: string): string {
    return path.relative(this.projectDir, dir).split(path.sep).join('/');
  }

  private hasChangeUnder(dir: string): boolean {
    const prefix = `${this.relative(dir)}/`;
    return this.changed.some((file) => file.startsWith(prefix));
  }

  /** Local module directories `dir` uses, recursively, sorted; `seen` guards against loops. */
  private modulesOf(dir: string, seen: Set<string>): string[] {
    const cached = this.modulesCache.get(dir);
    if (cached) return cached;
    const found = new Set<string>();
    for (const module of localModuleSources(dir)) {
      if (seen.has(module)) continue;
      seen.add(module);
      found.add(module);
      for (const nested of this.modulesOf(module, seen)) found.add(nested);
    }
    const modules = [...found].sort();
    this.modulesCache.set(dir, modules);
    return modules;
  }
}

/** `source = "./x"` / `"../x"` of the module blocks in a directory's .tf files, as absolute paths. */
function localModuleSources(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.tf'));
  } catch {
    return [];
  }
  const sources = new Set<string>();
  for (const name of names) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    for (const match of text.matchAll(/^\s*source\s*=\s*"(\.\.?\/[^"]*)"/gm)) {
      sources.add(path.resolve(dir, match[1]!.replace(/\/\/.*$/, '')));
    }
  }
  return [...sources];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
