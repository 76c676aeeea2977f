/**
 * Which (stack, component) pairs a change between two git revisions affects.
 *
 * The changed files come from `git diff`. A changed manifest whose parsed content is the same at
 * both revisions (whitespace, comments, flow style) counts as unchanged: it affects nothing. A stack
 * is compared component by component, on the resolved configuration, only when a file of its import
 * closure (at either revision) changed in content, its manifests or name changed, or the project
 * configuration changed. A component is also affected when a file under its Terraform directory,
 * or under a local module that directory uses (`source = "./..."` or `"../..."` in its .tf files,
 * followed recursively), changed, and when a file or folder its dependencies name changed (Atmos's
 * `file:` / `folder:` entries of `settings.depends_on`, `dependencies.files` / `folders`).
 *
 * Reading the base revision: when only the content of existing manifests changed (the usual pull
 * request), the base is the head's files with those manifests replaced by their base text (one
 * `git cat-file --batch`), and both sides share every unchanged parsed file. Otherwise (manifests
 * added or deleted, the configuration or another file under the stacks directory changed) the base
 * revision is exported to a temporary directory (git-revision.ts) and read as a project of its own.
 *
 * Reasons, per component: `stack.<section>` (vars, env, settings, depends_on, backend, auth, hooks,
 * providers, metadata) for a resolved section that differs; `component.added`, `component.deleted`;
 * `component.dir`; `module:<path>`; `file:<path>`, `folder:<path>`; with dependents, `dependency:<component>`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AtmosTag, mergeConfig, parseAtmosYaml, parseYaml, readAtmosYaml } from '@tfwrap/core';
import { changedFiles, exportTree, isClean, openGitRepository, readFilesAt, resolveCommit, type ExportedTree } from './git-revision.js';
import jsYaml from 'js-yaml';
import picomatch from 'picomatch';
import { isDynamicPattern } from 'tinyglobby';
import { ImportResolver, hasManifestExtension } from './imports.js';
import { parseManifest, type ComponentSection, type Manifest } from './manifest.js';
import { MergeMemo } from './merge.js';
import { StackRepository, type StackRepositoryOptions } from './repository.js';
import { stacksSettingsFrom } from './settings.js';
import { LoadedStack, pathDependenciesOf, type ComponentAuth, type ComponentInstance, type Stack } from './stack.js';
import type { FunctionContext } from './yaml-functions.js';

export interface AffectedOptions {
  /** The project directory (where the configuration file is), inside a git work tree. */
  projectDir: string;
  /** The configuration file, absolute; undefined when the project has none. */
  configFile?: string;
  /** The `atmos.yaml` read with it (beside it, merged under it) or alone, absolute. */
  atmosFile?: string;
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

interface Change {
  /** Relative to the project directory, `/` separators. */
  path: string;
  status: 'added' | 'deleted' | 'modified';
}

export async function describeAffected(options: AffectedOptions): Promise<AffectedReport> {
  const repo = await openGitRepository(options.projectDir);
  // Independent git processes run side by side (each costs a process start); their failures are
  // reported in the order they were checked one after the other before.
  const [base, head] = settled(await Promise.allSettled([resolveCommit(repo, options.base, '--base'), resolveCommit(repo, options.head ?? 'HEAD', '--head')]));
  const headIsWorkTree = (options.head ?? 'HEAD') === 'HEAD';
  const [changesResult, cleanResult] = await Promise.allSettled([changedFiles(repo, base, head), headIsWorkTree ? isClean(repo) : Promise.resolve(false)]);
  const [changes] = settled([changesResult]);
  const report: AffectedReport = { base, head, components: [] };
  if (changes.length === 0) return report;
  const [clean] = settled([cleanResult]);

  const trees: ExportedTree[] = [];
  try {
    // A clean work tree at the head commit (as in CI) is read in place; otherwise head is exported too.
    const inPlace = headIsWorkTree && clean;
    const headTree = inPlace ? { projectDir: options.projectDir, remove: async () => {} } : await exportTree(repo, head);
    trees.push(headTree);
    const relative = (file: string | undefined) => (file === undefined ? undefined : path.relative(options.projectDir, file).split(path.sep).join('/'));
    const configRelative: ConfigPaths = { file: relative(options.configFile), atmos: relative(options.atmosFile) };
    // Changed paths relative to the project directory.
    const prefix = repo.prefix === '' ? '' : `${repo.prefix}/`;
    const changed: Change[] = changes.map((change) => ({ ...change, path: change.path.slice(prefix.length) }));
    // Both revisions share one merge memo (ADR 011): where they share parsed files, the base's
    // merges of unchanged layers are the head's.
    const merges = new MergeMemo();
    const headSide = openSide(headTree.projectDir, configRelative, new CachedSource(), merges);
    const stacksDir = relativeTo(headSide.projectDir, headSide.repository.settings.stacksBasePath);
    const underStacks = (file: string) => stacksDir === '' || file.startsWith(`${stacksDir}/`);

    // The base text of every changed manifest, in one git process.
    const changedManifests = changed.filter((change) => underStacks(change.path) && hasManifestExtension(change.path));
    const baseTexts = await readFilesAt(repo, base, changedManifests.filter((change) => change.status !== 'added').map((change) => prefix + change.path));
    const baseTextOf = (relative: string) => baseTexts.get(prefix + relative);
    // Changes that can change a resolved value: all but manifests whose parsed content is the same.
    const effective = changed.filter((change) => change.status !== 'modified' || !hasManifestExtension(change.path)
      || !underStacks(change.path) || !sameDocument(baseTextOf(change.path), headSide.readText(path.join(headSide.projectDir, change.path))));

    // A change to either configuration file can rename every stack or change every component.
    const configChanged = changed.some((change) => change.path === configRelative.file || change.path === configRelative.atmos);
    const overlay = !configChanged && !changed.some((change) => underStacks(change.path) && (change.status !== 'modified' || !hasManifestExtension(change.path)));
    let baseSide: Side;
    if (overlay) {
      const contentChanged = new Set(effective.map((change) => path.join(headSide.projectDir, change.path)));
      const baseTextByFile = new Map(changedManifests.map((change) => [path.join(headSide.projectDir, change.path), baseTextOf(change.path)]));
      // A stack whose closure has no changed file gives the same name at both revisions: the base
      // takes the head's instead of loading its closure again.
      const headName = (file: string) => (headSide.closureTouches(file, contentChanged) === false ? headSide.repository.foundName(file) : undefined);
      baseSide = openSide(headSide.projectDir, configRelative, new OverlaySource(headSide.source as CachedSource, (file) => baseTextByFile.get(file), contentChanged), merges, headName);
    } else {
      const baseTree = await exportTree(repo, base);
      trees.push(baseTree);
      baseSide = openSide(baseTree.projectDir, configRelative, new CachedSource(), merges);
    }
    report.components = await compare(baseSide, headSide, changed, effective, configChanged, options.includeDependents === true);
    return report;
  } finally {
    await Promise.all(trees.map((tree) => tree.remove()));
  }
}

/** The values of settled promises; the first failure, in list order, is thrown. */
function settled<T extends readonly PromiseSettledResult<unknown>[]>(results: T): { [K in keyof T]: T[K] extends PromiseSettledResult<infer V> ? V : never } {
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: T[K] extends PromiseSettledResult<infer V> ? V : never };
}

/** Manifests read from disk once, texts and parsed files cached. */
class CachedSource implements StackRepositoryOptions {
  private readonly texts = new Map<string, string>();
  readonly manifests = new Map<string, Manifest>();

  readText(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) this.texts.set(file, (text = readFileSync(file, 'utf8')));
    return text;
  }

  readManifest(file: string, functions: FunctionContext): Manifest {
    let manifest = this.manifests.get(file);
    if (!manifest) this.manifests.set(file, (manifest = parseManifest(this.readText(file), file, functions)));
    return manifest;
  }
}

/**
 * The base revision seen through the head's files: a changed manifest reads as its base text;
 * every other file is the head's, parsed once for both sides (so their layers are the same objects).
 */
class OverlaySource implements StackRepositoryOptions {
  private readonly manifests = new Map<string, Manifest>();

  constructor(
    private readonly head: CachedSource,
    private readonly baseText: (file: string) => string | undefined,
    /** Files whose parsed content differs at the base. */
    private readonly contentChanged: ReadonlySet<string>,
  ) {}

  readText(file: string): string {
    return this.baseText(file) ?? this.head.readText(file);
  }

  readManifest(file: string, functions: FunctionContext): Manifest {
    if (!this.contentChanged.has(file)) return this.head.readManifest(file, functions);
    let manifest = this.manifests.get(file);
    if (!manifest) this.manifests.set(file, (manifest = parseManifest(this.readText(file), file, functions)));
    return manifest;
  }
}

/** A set of files, or a test of each file (read only through `has`). */
type FileSet = Pick<ReadonlySet<string>, 'has'>;

interface Side {
  projectDir: string;
  source: CachedSource | OverlaySource;
  repository: StackRepository;
  readText(file: string): string;
  /**
   * Whether a file of a stack manifest's import closure (itself included) is in `changed`, the
   * closure found by reading only its `import:` block; undefined when that is not enough.
   */
  closureTouches(stackFile: string, changed: FileSet): boolean | undefined;
}

/** The configuration files, relative to the project directory. */
interface ConfigPaths {
  file?: string;
  atmos?: string;
}

/** The configuration at one revision: the tfwrap file over the `atmos.yaml` beside it, as loadConfig reads them. */
function configAt(projectDir: string, paths: ConfigPaths): { config: unknown; configFile?: string } {
  const at = (relative: string | undefined) => (relative === undefined ? undefined : path.join(projectDir, relative));
  const configFile = at(paths.file);
  const atmosFile = at(paths.atmos);
  const atmos = atmosFile && existsSync(atmosFile) ? readAtmosYaml(atmosFile) : undefined;
  if (configFile === atmosFile) return { config: atmos, configFile };
  const own = configFile && existsSync(configFile) ? parseYaml(readFileSync(configFile, 'utf8'), configFile) : undefined;
  return { config: atmos === undefined ? own : mergeConfig(atmos, own ?? {}), configFile };
}

function openSide(projectDir: string, configPaths: ConfigPaths, source: CachedSource | OverlaySource, mergeMemo: MergeMemo, knownName?: StackRepositoryOptions['knownName']): Side {
  const { config, configFile } = configAt(projectDir, configPaths);
  const settings = stacksSettingsFrom(projectDir, config, { configFile });
  const functions: FunctionContext = { rootDir: settings.rootDir, env: process.env };
  const resolver = new ImportResolver(settings.stacksBasePath, (file) => source.readManifest(file, functions));
  /** The files an import list brings in (closures of its targets), by the list. */
  const importedByList = new Map<string, string[]>();
  /** Whether such a list of files holds a changed file, by list (shared by the stacks of one list) and set of changed files. */
  const touchedByList = new Map<FileSet, WeakMap<string[], boolean>>();
  return {
    projectDir,
    source,
    repository: new StackRepository(settings, process.env, { readText: (file) => source.readText(file), readManifest: (file, functions) => source.readManifest(file, functions), readOnlyComponents: true, mergeMemo, knownName }),
    readText: (file) => source.readText(file),
    closureTouches(stackFile, changed) {
      const text = source.readText(stackFile);
      const imports = scanImports(text);
      if (imports === undefined) return undefined;
      // Stacks mostly share their import lists: one closure per list, unless an entry depends on
      // where the stack is (`./x`, or a glob, which never matches the file that contains it).
      const shared = imports.every((entry) => !entry.startsWith('./') && !entry.startsWith('../') && !isDynamicPattern(entry));
      const key = imports.join('\0');
      let imported = shared ? importedByList.get(key) : undefined;
      if (imported === undefined) {
        const stub: Manifest = { file: stackFile, text, imports, importEntries: imports.map((importPath) => ({ path: importPath, skipIfMissing: false })), overrides: {}, templateLines: [], document: undefined, globals: {}, terraform: {}, components: new Map() };
        try {
          const files = new Set<string>();
          imports.forEach((_entry, index) => {
            for (const target of resolver.filesOf(stub, index)) for (const file of resolver.closure(target)) files.add(file);
          });
          imported = [...files];
        } catch {
          return undefined; // loading the stack reports the problem
        }
        if (shared) importedByList.set(key, imported);
      }
      // A templated import path (rendered only with templates on) may name different files per
      // stack and context: then only loading the stack finds its closure.
      if (settings.templates.enabled && [...imported, stackFile].some((file) => source.readText(file).includes('{{'))) return undefined;
      if (changed.has(stackFile)) return true;
      let touched = touchedByList.get(changed);
      if (!touched) touchedByList.set(changed, (touched = new WeakMap()));
      let found = touched.get(imported);
      if (found === undefined) touched.set(imported, (found = imported.some((file) => changed.has(file))));
      return found;
    },
  };
}

/** Whether two texts of a manifest parse to the same document (an unparsable one differs). */
function sameDocument(before: string | undefined, after: string): boolean {
  if (before === undefined) return false;
  if (before === after) return true;
  try {
    return sameData(parseAtmosYaml(before, 'base'), parseAtmosYaml(after, 'head'));
  } catch {
    return false;
  }
}

/**
 * Deep equality of parsed YAML data (mappings, lists, scalars, dates, Atmos function tags, which
 * are equal when their tag and argument are: where they stand in the file does not matter).
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof AtmosTag || b instanceof AtmosTag) return a instanceof AtmosTag && b instanceof AtmosTag && a.tag === b.tag && a.argument === b.argument;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key) || !sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function relativeTo(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/');
}

/**
 * A stack file's `import:` list without parsing the whole file (a thousand stacks of fifty
 * components each are most of the parsing): the root-level `import:` block only. Undefined when
 * the file is not plainly written that way (flow-style root, anchors), so the caller loads it whole.
 */
function scanImports(text: string): string[] | undefined {
  if (/^\s*[{[]/.test(text.replace(/^(\s*#.*\n)*/, ''))) return undefined;
  // The first line starting with `import:`, and the lines after it that are indented, list items,
  // comments or empty (found without splitting the whole file into lines).
  let start = -1;
  for (const match of text.matchAll(/^(?:import|"import"|'import')[ \t]*:/gm)) {
    if (match.index === 0 || text[match.index - 1] === '\n') {
      start = match.index;
      break;
    }
  }
  if (start < 0) return [];
  let end = text.indexOf('\n', start);
  while (end >= 0 && continuesBlock(text.charAt(end + 1))) end = text.indexOf('\n', end + 1);
  const block = end < 0 ? text.slice(start) : text.slice(start, end);
  let imports = importBlocks.get(block);
  if (!importBlocks.has(block)) importBlocks.set(block, (imports = parseImportBlock(block)));
  return imports === undefined ? undefined : [...imports];
}

/** Whether a line starting with `first` (empty: the line is empty) belongs to the block above it. */
function continuesBlock(first: string): boolean {
  return first === '' || first === '\n' || first === ' ' || first === '\t' || first === '-' || first === '#';
}

/** Parsed `import:` blocks by text: a thousand stacks have a handful of different ones. */
const importBlocks = new Map<string, readonly string[] | undefined>();

function parseImportBlock(block: string): string[] | undefined {
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

/** Each reason's comparison of the two resolved instances of a component: whether they are the same. */
const sections: Array<[string, (a: ComponentInstance, b: ComponentInstance) => boolean]> = [
  ['vars', (a, b) => sameData(a.vars, b.vars)],
  ['env', (a, b) => sameData(a.env, b.env)],
  // depends_on is a reason of its own.
  ['settings', (a, b) => sameDataExcept(a.settings, b.settings, 'depends_on')],
  ['depends_on', (a, b) => sameData(a.dependsOn, b.dependsOn) && sameData(a.crossStackDependsOn, b.crossStackDependsOn)
    && sameData(a.fileDependencies, b.fileDependencies) && sameData(a.folderDependencies, b.folderDependencies)],
  ['backend', (a, b) => a.backendType === b.backendType && a.remoteStateBackendType === b.remoteStateBackendType
    && sameData(a.backend, b.backend) && sameData(a.remoteStateBackend, b.remoteStateBackend)],
  ['auth', (a, b) => sameData(a.auth, b.auth)],
  ['hooks', (a, b) => sameData(a.hooks, b.hooks)],
  ['providers', (a, b) => sameData(a.providers, b.providers)],
  ['metadata', (a, b) => a.component === b.component && a.type === b.type && a.locked === b.locked && a.enabled === b.enabled
    && a.workspace === b.workspace && a.command === b.command && sameData(a.inherits, b.inherits)],
];

/** sameData of two mappings, one key left out (as if absent from both). */
function sameDataExcept(a: Record<string, unknown>, b: Record<string, unknown>, ignored: string): boolean {
  if (a === b) return true;
  const keys = Object.keys(a).filter((key) => key !== ignored);
  if (keys.length !== Object.keys(b).filter((key) => key !== ignored).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key) || !sameData(a[key], b[key])) return false;
  }
  return true;
}

async function compare(
  baseSide: Side, headSide: Side, changes: Change[], effective: Change[], configChanged: boolean, includeDependents: boolean,
): Promise<AffectedComponent[]> {
  // Absolute paths, per side, of the files whose change can change a resolved value.
  const changedAt = (side: Side) => new Set(effective.map((change) => path.join(side.projectDir, change.path)));
  const headChanged = changedAt(headSide);
  const baseChanged = baseSide.projectDir === headSide.projectDir ? headChanged : changedAt(baseSide);
  // Without added or deleted manifests, an untouched closure is the same file list at both revisions.
  const manifestsAddedOrDeleted = changes.some((change) => change.status !== 'modified' && hasManifestExtension(change.path));
  const stacksDir = relativeTo(headSide.projectDir, headSide.repository.settings.stacksBasePath);
  const directoryReasons = new DirectoryReasons(headSide.projectDir, changes.map((change) => change.path), stacksDir);
  // Every changed path counts (Atmos reads git's list as is): a reformatted manifest too.
  const pathReasons = new PathDependencyReasons(headSide.projectDir, changes.map((change) => change.path));
  // Manifests that may declare a file or folder dependency, told from their text; a stack none of
  // whose files does cannot have one (its components are not resolved to find out).
  const declaringByFile = new Map<string, boolean>();
  const declaring: FileSet = {
    has(file) {
      let found = declaringByFile.get(file);
      if (found === undefined) declaringByFile.set(file, (found = PATH_DEPENDENCY_KEY.test(headSide.readText(file))));
      return found;
    },
  };
  const mayDeclarePaths = async (name: string, files: readonly string[], stack: Stack | undefined): Promise<{ may: boolean; stack?: Stack }> => {
    if (!stack) {
      const found = files.map((file) => headSide.closureTouches(file, declaring));
      if (found.every((value) => value !== undefined)) return { may: found.includes(true) };
      stack = await headSide.repository.loadStack(name);
    }
    return { may: stack.files.some((file) => declaring.has(file)), stack };
  };

  const baseStacks = new Map((await baseSide.repository.listStacks()).map((entry) => [entry.name, entry]));
  const headStacks = new Map((await headSide.repository.listStacks()).map((entry) => [entry.name, entry]));
  const result = new Map<string, AffectedComponent>();
  // Fifty components of a hundred stacks use a few directories: path.relative once per directory.
  const componentPaths = new Map<string, string>();
  const componentPathOf = (dir: string) => {
    let relative = componentPaths.get(dir);
    if (relative === undefined) componentPaths.set(dir, (relative = relativeTo(headSide.projectDir, dir)));
    return relative;
  };
  const add = (stack: string, component: string, instance: Pick<ComponentInstance, 'componentDir' | 'auth'> | undefined, reasons: string[], deleted = false) => {
    if (reasons.length === 0) return;
    const key = `${stack}\0${component}`;
    const existing = result.get(key);
    if (existing) {
      existing.reasons.push(...reasons.filter((reason) => !existing.reasons.includes(reason)));
      return;
    }
    result.set(key, {
      stack, component,
      componentPath: instance ? componentPathOf(instance.componentDir) : '',
      ...(instance?.auth ? { auth: instance.auth } : {}),
      deleted, reasons: [...reasons],
    });
  };
  // Abstract components are never deployed: not resolved at all.
  const realNames = (stack: Stack) => stack.componentNames().filter((name) => !stack.isAbstract(name));
  const real = (stack: Stack) => Promise.all(realNames(stack).map((name) => stack.component(name)));
  const headStackObjects = new Map<string, Stack>();
  // Whether a file of the closure of any of a stack's manifests changed; loads the stack when the
  // closure cannot be found from the import block alone.
  const closureChanged = async (side: Side, changedFiles: ReadonlySet<string>, name: string, files: readonly string[]): Promise<{ changed: boolean; stack?: Stack }> => {
    if (changedFiles.size === 0) return { changed: false };
    const touched = files.map((file) => side.closureTouches(file, changedFiles));
    if (touched.every((found) => found !== undefined)) return { changed: touched.includes(true) };
    const stack = await side.repository.loadStack(name);
    return { changed: stack.files.some((file) => changedFiles.has(file)), stack };
  };

  for (const [name] of baseStacks) {
    if (headStacks.has(name)) continue;
    for (const instance of await real(await baseSide.repository.loadStack(name))) {
      add(name, instance.name, undefined, ['component.deleted'], true);
    }
  }

  for (const [name, entry] of headStacks) {
    const baseEntry = baseStacks.get(name);
    let touched = !baseEntry || configChanged || !sameFileList(headSide, entry.files, baseSide, baseEntry.files);
    let headStack: Stack | undefined;
    if (!touched) ({ changed: touched, stack: headStack } = await closureChanged(headSide, headChanged, name, entry.files));
    let baseStack: Stack | undefined;
    if (!touched && manifestsAddedOrDeleted) ({ changed: touched, stack: baseStack } = await closureChanged(baseSide, baseChanged, name, baseEntry!.files));
    const declared = await mayDeclarePaths(name, entry.files, headStack);
    const declaresPaths = declared.may;
    headStack = declared.stack;
    if (!touched && !directoryReasons.any && !declaresPaths) continue;
    headStack ??= await headSide.repository.loadStack(name);
    // Kept only when needed: a thousand resolved stacks held at once cost more in GC than loading again.
    if (includeDependents) headStackObjects.set(name, headStack);
    if (!baseEntry) {
      for (const instance of await real(headStack)) add(name, instance.name, instance, ['component.added', ...pathReasons.of(instance)]);
      continue;
    }
    if (!touched) {
      for (const instance of await real(headStack)) add(name, instance.name, instance, [...directoryReasons.of(instance.componentDir), ...pathReasons.of(instance)]);
      continue;
    }
    baseStack ??= await baseSide.repository.loadStack(name);
    const baseReal = new Set(realNames(baseStack));
    for (const component of realNames(headStack)) {
      if (!baseReal.delete(component)) {
        const instance = await headStack.component(component);
        add(name, component, instance, ['component.added', ...pathReasons.of(instance)]);
        continue;
      }
      // Most components of a touched stack differ in a section or two, or not at all: told from
      // what they merge where that is enough, else from both resolved.
      const fromInputs = reasonsFromInputs(headStack, baseStack, component);
      if (fromInputs !== undefined) {
        const head = headStack as LoadedStack;
        // Without templates or functions (else fromInputs is undefined), the merged sections are the resolved ones.
        const paths = declaresPaths ? pathReasons.of(pathDependenciesOf(head.mergedSection(component, 'settings'), head.mergedSection(component, 'dependencies'))) : [];
        if (fromInputs.length > 0 || directoryReasons.any || paths.length > 0) {
          const auth = head.mergedSection(component, 'auth');
          const where = { componentDir: head.componentDirOf(component), ...(Object.keys(auth).length > 0 ? { auth: auth as ComponentAuth } : {}) };
          add(name, component, where, [...fromInputs, ...(directoryReasons.any ? directoryReasons.of(where.componentDir) : []), ...paths]);
        }
      }
      if (fromInputs !== undefined) continue;
      const [before, instance] = await Promise.all([baseStack.component(component), headStack.component(component)]);
      const reasons = sections.filter(([, same]) => !same(before, instance)).map(([section]) => `stack.${section}`);
      add(name, component, instance, [...reasons, ...(directoryReasons.any ? directoryReasons.of(instance.componentDir) : []), ...pathReasons.of(instance)]);
    }
    for (const componentName of baseReal) add(name, componentName, undefined, ['component.deleted'], true);
  }

  if (includeDependents) await addDependents(result, headStackObjects, add);
  return [...result.values()].sort((a, b) => compareText(a.stack, b.stack) || compareText(a.component, b.component));
}

/**
 * A component's `stack.*` reasons told from what it merges at both revisions, without resolving
 * it: nothing when every layer is the same, `stack.vars` when only layers' vars differ and their
 * merge does. Undefined when only resolving both tells: other sections differ, the layers are
 * not the same list, or LoadedStack.mergeInputs cannot say.
 */
function reasonsFromInputs(head: Stack, base: Stack, name: string): string[] | undefined {
  if (!(head instanceof LoadedStack) || !(base instanceof LoadedStack)) return undefined;
  const after = head.mergeInputs(name);
  const before = base.mergeInputs(name);
  if (!after || !before || after.layers.length !== before.layers.length) return undefined;
  let varsDiffer = false;
  for (let i = 0; i < after.layers.length; i++) {
    const a = after.layers[i]!;
    const b = before.layers[i]!;
    if (a === b) continue;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ComponentSection>) {
      if (a[key] === b[key]) continue;
      if (key !== 'vars') return undefined;
      varsDiffer = true;
    }
  }
  if (!varsDiffer) return [];
  if (after.varsDecideMore || before.varsDecideMore) return undefined;
  return sameData(head.mergedSection(name, 'vars'), base.mergedSection(name, 'vars')) ? [] : ['stack.vars'];
}

/** Whether a stack is made of the same manifests (by path in the project) at both revisions. */
function sameFileList(headSide: Side, headFiles: readonly string[], baseSide: Side, baseFiles: readonly string[]): boolean {
  if (headFiles.length !== baseFiles.length) return false;
  // One directory for both (the base overlaid on the head): the same absolute paths.
  if (headSide.projectDir === baseSide.projectDir) return headFiles.every((file, i) => file === baseFiles[i]);
  return headFiles.every((file, i) => relativeTo(headSide.projectDir, file) === relativeTo(baseSide.projectDir, baseFiles[i]!));
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
    const stack = stacks.get(stackName)!;
    const instances = await Promise.all(stack.componentNames().filter((name) => !stack.isAbstract(name)).map((name) => stack.component(name)));
    // Who depends on each component, in component order: one pass, not one per affected component
    // (a chain of thousands was quadratic).
    const dependents = new Map<string, ComponentInstance[]>();
    for (const instance of instances) {
      for (const dependency of new Set(instance.dependsOn)) {
        let list = dependents.get(dependency);
        if (!list) dependents.set(dependency, (list = []));
        list.push(instance);
      }
    }
    const queue = [...affected];
    for (let next = 0; next < queue.length; next++) {
      const dependency = queue[next]!;
      for (const instance of dependents.get(dependency) ?? []) {
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

/** A key a file or folder dependency is written with (`file:`, `folders:`, ...), in a manifest's text. */
const PATH_DEPENDENCY_KEY = /\b(?:file|folder)s?["']?\s*:/;

/**
 * Atmos's file and folder dependencies (internal/exec/describe_affected_utils_optimized.go
 * isComponentDependentFolderOrFileChangedIndexed): `file:<path>` when that file changed,
 * `folder:<path>` when a file under that folder changed. Atmos resolves the paths from its working
 * directory, the project directory here, and matches them as globs (doublestar): so does this.
 */
class PathDependencyReasons {
  private readonly cache = new Map<string, boolean>();

  constructor(private readonly projectDir: string, private readonly changed: readonly string[]) {}

  of(dependencies: { files: readonly string[]; folders: readonly string[] } | Pick<ComponentInstance, 'fileDependencies' | 'folderDependencies'>): string[] {
    const [files, folders] = 'files' in dependencies ? [dependencies.files, dependencies.folders] : [dependencies.fileDependencies, dependencies.folderDependencies];
    return [
      ...files.filter((file) => this.changedAt(file, false)).map((file) => `file:${file}`),
      ...folders.filter((folder) => this.changedAt(folder, true)).map((folder) => `folder:${folder}`),
    ];
  }

  private changedAt(written: string, folder: boolean): boolean {
    const key = `${folder ? 'd' : 'f'}${written}`;
    let found = this.cache.get(key);
    if (found === undefined) {
      const relative = path.relative(this.projectDir, path.resolve(this.projectDir, written)).split(path.sep).join('/');
      const pattern = folder ? (relative === '' ? '**' : `${relative}/**`) : relative;
      // doublestar's syntax: no extglobs or negation; `*` matches dot files.
      const isMatch = picomatch(pattern, { dot: true, noextglob: true, nonegate: true });
      found = pattern !== '' && this.changed.some((file) => isMatch(file));
      this.cache.set(key, found);
    }
    return found;
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
