/**
 * Finding and loading stacks.
 *
 * A stack's name is decided as Atmos decides it (internal/exec/utils.go processStackContextPrefix,
 * describe_stacks_component_processor.go resolveStackName): the manifest's `name:`, else
 * `stacks.name_template`, else `stacks.name_pattern` (from the stack's vars), else the file's path
 * under the stacks directory without its extension. When a template or pattern cannot be filled
 * (a var is missing) the stack keeps its path name. Several manifests may give the same name: they
 * form one stack, whose components are the union (a component defined by two of them must resolve
 * to the same configuration, else it is an error, as in Atmos's findComponentInStacks).
 *
 * Without a name template or pattern, loading is targeted: `loadStack('prod/us-east-1')` reads the
 * `name:` lines of the stack manifests and then only the files of that stack and their imports.
 * With one, every stack manifest's import closure is read to learn its vars. Parsed files and
 * import closures are cached for the life of the repository object, so a thousand stacks sharing a
 * catalog parse it once.
 */
import { existsSync, readFileSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
// The codes this module throws (E_STACK_UNKNOWN, ...) exit 2 wherever it is used, not only through the index.
import './error-codes.js';
import { ImportResolver, hasManifestExtension, templateImportOf } from './imports.js';
import { parseManifest, readManifest, scanStackName, type ConfigSections, type Manifest } from './manifest.js';
import { NeedsTemplateEngine, hasTemplate, render } from './templates.js';
import { describedLocals, localsTemplateData } from './locals.js';
import { evaluateFunctions, type FunctionContext } from './yaml-functions.js';
import { ClosureCache } from './closure-cache.js';
import { MergeMemo, deepMerge, mapTags, type Mapping } from './merge.js';
import { TfwrapError, didYouMean, parseAtmosYaml } from '@tfwrap/core';
import { ManifestProblem, hints, toTfwrapError, withLocatedErrors } from './problem.js';
import { isMapping, nameFromPattern, nameFromTemplate, type StacksSettings } from './settings.js';
import { CombinedStack, LoadedStack, type ComponentInstance, type Stack } from './stack.js';

export interface StackEntry {
  name: string;
  /** Absolute path of the stack's manifest (the first, when several give the name). */
  file: string;
  /** Every manifest giving this name, sorted; usually just `file`. */
  files: string[];
}

/**
 * Where a repository reads manifests from (the file system by default), and how it hands out
 * components. `describe affected` reads a base revision as the head's files with the changed ones
 * replaced, sharing the parsed files, and only reads what it resolves.
 */
export interface StackRepositoryOptions {
  /** A manifest's text (for the `name:` scan); readFileSync by default. */
  readText?(file: string): string;
  /** A manifest, parsed and checked; readManifest by default. */
  readManifest?(file: string, functions: FunctionContext): Manifest;
  /** Resolved components may share nested values with the parsed files: the caller never changes them. */
  readOnlyComponents?: boolean;
  /** Where names derived from a template or pattern are kept between runs (closure-cache.ts); no cache without it. */
  cacheDir?: string;
  /**
   * How a kept name is checked against its files: `stat` (default: size and mtime, for describe and
   * runs) or `content` (a hash of each file: `validate`, which must see every edit, as its own
   * results do). Each kind has its own cache file.
   */
  nameStamping?: 'stat' | 'content';
  /** Merges shared with another repository reading the same parsed files (merge.ts); one of its own by default. */
  mergeMemo?: MergeMemo;
  /** The stacks, as another repository object over the same files listed them: not scanned again (validate's workers). */
  stacks?: readonly StackEntry[];
  /**
   * The name a manifest gives when another repository object found it over the same closure
   * (`describe affected`: the head's names for the base's untouched stacks); undefined: find it here.
   */
  knownName?(file: string): FoundName | undefined;
}

/** The stack manifests a scan found, kept in the name cache under a key no file has. */
interface StackListing {
  stackFiles: string[];
}
const stackListingKey = '\0stack-files';

/** How many import paths overridesFor walks before calling the import graph too large. */
const MAX_OVERRIDE_PATHS = 100_000;

/**
 * Every directory under `root`, itself included, or undefined when the tree holds a symbolic link
 * (a linked directory's entries would not change any directory listed here).
 */
function directoriesUnder(root: string): string[] | undefined {
  const dirs: string[] = [];
  const walk = (dir: string): boolean => {
    dirs.push(dir);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) return false;
      if (entry.isDirectory() && !walk(path.join(dir, entry.name))) return false;
    }
    return true;
  };
  return walk(root) ? dirs : undefined;
}

/** The name a stack manifest gives: undefined when the manifest is not a stack (it defines no component). */
export interface FoundName {
  name?: string;
  /** The name came from the file's path. */
  byPath: boolean;
}

/** One stack manifest and the name it gives. */
interface NamedFile {
  name: string;
  file: string;
  /** The name came from the file's path (no name:, template or pattern gave one). */
  byPath: boolean;
}

export class StackRepository {
  private readonly manifests = new Map<string, Manifest>();
  private scanned: NamedFile[] | undefined;
  /** What scanning found for each manifest it named (stacks and manifests that are not stacks). */
  private readonly foundNames = new Map<string, FoundName>();
  private readonly functions: FunctionContext;
  private readonly imports: ImportResolver;
  private readonly isIncluded: (relativePath: string) => boolean;
  private readonly isExcluded: (relativePath: string) => boolean;

  /** Merges shared by the stacks loaded from this repository (merge.ts MergeMemo). */
  private readonly mergeMemo: MergeMemo;

  /** Names derived from a template or pattern, kept between runs (see closure-cache.ts); off unless a cache directory is given. */
  private readonly nameCache: ClosureCache<FoundName | StackListing> | undefined;

  constructor(readonly settings: StacksSettings, env: NodeJS.ProcessEnv = process.env, private readonly source: StackRepositoryOptions = {}) {
    this.functions = { rootDir: settings.rootDir, env };
    this.mergeMemo = source.mergeMemo ?? new MergeMemo();
    const derived = settings.nameTemplate !== undefined || settings.namePattern !== undefined;
    this.nameCache = derived && this.source.cacheDir !== undefined
      ? new ClosureCache<FoundName | StackListing>(
        ClosureCache.fileFor(this.source.cacheDir, source.nameStamping === 'content' ? 'stack-names-by-content' : 'stack-names', settings.stacksBasePath,
          [1, settings.nameTemplate, settings.namePattern, settings.templates, settings.includedPaths, settings.excludedPaths]),
        (dir, pattern) => this.imports.glob(dir, pattern), source.nameStamping ?? 'stat')
      : undefined;
    this.imports = new ImportResolver(settings.stacksBasePath, (file) => this.manifest(file), {
      repositoryRoot: repositoryRootOf(settings.rootDir),
      policy: settings.importsOutsideRepo,
    }, { enabled: settings.templates.enabled, ignoreMissing: settings.templates.ignoreMissingTemplateValues });
    this.isIncluded = settings.includedPaths.length > 0 ? picomatch(settings.includedPaths) : () => false;
    this.isExcluded = settings.excludedPaths.length > 0 ? picomatch(settings.excludedPaths) : () => false;
    if (source.stacks) this.scanned = source.stacks.flatMap((entry) => entry.files.map((file) => ({ name: entry.name, file, byPath: false })));
  }

  /**
   * Every stack, sorted by name. Without a name template or pattern only each manifest's `name:`
   * line is read, so a manifest with broken YAML is listed (loading it reports the error).
   */
  listStacks(): Promise<StackEntry[]> {
    return withLocatedErrors(() => {
      const byName = new Map<string, StackEntry>();
      for (const named of this.scanStacks()) {
        const entry = byName.get(named.name);
        if (entry) entry.files.push(named.file);
        else byName.set(named.name, { name: named.name, file: named.file, files: [named.file] });
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  /**
   * Load one stack by name, reading only its manifest and that manifest's imports. Each call
   * returns a new Stack (cheap: the files are cached); its resolved components live as long as it
   * does, so walking a thousand stacks does not keep fifty thousand components in memory.
   */
  loadStack(name: string): Promise<Stack> {
    return withLocatedErrors(() => {
      return this.loadStackSync(name);
    });
  }

  /** loadStack without the error translation (for atmos.Component, which runs inside a load). */
  private loadStackSync(name: string): LoadedStack | CombinedStack {
    const wanted = canonicalStackName(name);
    const files = this.findStack(wanted);
    const stacks = files.map((file) => this.loadFile(wanted, file));
    return stacks.length === 1 ? stacks[0]! : new CombinedStack(wanted, stacks, (file) => this.relativePath(file));
  }

  /** A component of another stack, for `atmos.Component` in templates (one stack object per name, so each resolves once). */
  private readonly stacksForTemplates = new Map<string, LoadedStack | CombinedStack>();
  private componentForTemplates(stack: string, component: string): ComponentInstance {
    let loaded = this.stacksForTemplates.get(stack);
    if (!loaded) this.stacksForTemplates.set(stack, (loaded = this.loadStackSync(stack)));
    return loaded.resolveSync(component);
  }

  /**
   * Warnings about the stacks loaded so far (imports reaching outside the repository), each once,
   * located at the import; with `files`, those of imports written in these files.
   */
  warnings(files?: ReadonlySet<string>): Promise<TfwrapError[]> {
    return Promise.all(this.imports.outsideImports.filter((problem) => !files || (problem.file !== undefined && files.has(problem.file))).map(toTfwrapError));
  }

  /** One stack manifest with its imports, as stack `name`. */
  private loadFile(name: string, file: string): LoadedStack {
    const manifests = this.imports.closureKeys(file).map((key) => this.manifest(key));
    const overrides = manifests.some((manifest) => Object.keys(manifest.overrides).length > 0) ? this.overridesFor(file) : new Map<string, ConfigSections>();
    return new LoadedStack(name, file, manifests, this.settings, overrides, (stack, component) => this.componentForTemplates(stack, component), this.source.readOnlyComponents !== true, this.mergeMemo,
      (overridesOf) => this.overridesFor(file, overridesOf));
  }

  /**
   * The overrides that apply to the components each file of `root`'s closure defines, as Atmos's
   * processYAMLConfigFileWithContextInternal computes them (internal/exec/stack_processor_utils.go).
   * A file's inline overrides are its own `overrides` then `terraform.overrides` under its
   * importer's inline ones (the importer wins). Its imports are processed entry by entry; each is
   * given those inline overrides and the overrides the entries before it handed back (so a mixin
   * of overrides imported before a catalog applies to it, one imported after does not), and hands
   * back its own handed-back and inline overrides. A file's components get what its imports handed
   * back under its inline overrides. A file reached on several paths (two team files importing one
   * catalog) gets each path's, the later path's winning, as Atmos merges the results in order.
   * `overridesOf`: a file's own overrides (a component's `!env` values in them: stack.ts).
   */
  private overridesFor(root: string, overridesOf: (manifest: Manifest) => ConfigSections = (manifest) => manifest.overrides): Map<string, ConfigSections> {
    const result = new Map<string, ConfigSections>();
    // Every path is walked, as Atmos does; an import lattice made to explode is an error, not a hang.
    let visits = 0;
    const onPath = new Set<string>();
    const visit = (file: string, parentInline: Mapping, handedDown: Mapping): { inline: Mapping; handedBack: Mapping } => {
      if (++visits > MAX_OVERRIDE_PATHS) {
        throw new ManifestProblem('E_STACK_INVALID', `the imports of ${this.relativePath(root)} reach its files on more than ${MAX_OVERRIDE_PATHS} paths, too many to apply overrides along each`,
          root, ['import'], 'import shared catalogs once, from the stack or one mixin, rather than from every file that needs them');
      }
      const manifest = this.manifest(file);
      const inline = deepMerge([overridesOf(manifest) as Mapping, parentInline]);
      let handedBack = handedDown;
      onPath.add(file);
      manifest.imports.forEach((_entry, index) => {
        // The files one entry matches (a glob) are processed side by side, then merged in order.
        const given = handedBack;
        const results = this.imports.importKeysOf(manifest, index)
          .filter((target) => !onPath.has(target)) // (cycles were reported by closure())
          .map((target) => visit(target, inline, given));
        for (const imported of results) handedBack = deepMerge([handedBack, imported.handedBack, imported.inline]);
      });
      onPath.delete(file);
      const final = deepMerge([handedBack, inline]);
      const earlier = result.get(file);
      result.set(file, (earlier === undefined ? final : deepMerge([earlier as Mapping, final])) as ConfigSections);
      return { inline, handedBack };
    };
    visit(root, {}, {});
    return result;
  }

  /** Whether a manifest (absolute path) is a stack: included and not excluded. */
  isStackFile(file: string): boolean {
    if (!hasManifestExtension(file)) return false;
    return this.whyNotAStack(file) === undefined;
  }

  /** Why a manifest is not a stack, or undefined when it is one. */
  private whyNotAStack(file: string): string | undefined {
    const relative = this.relativePath(file);
    if (relative.startsWith('../')) return 'it is outside the stacks directory';
    // `prod/*` and `prod/*.yaml` both work: patterns are tried with and without the extension.
    const withoutExtension = relative.replace(/\.ya?ml$/, '');
    const matches = (test: (p: string) => boolean) => test(relative) || test(withoutExtension);
    if (!matches(this.isIncluded)) return 'it matches no pattern of stacks.included_paths';
    if (matches(this.isExcluded)) return 'it matches stacks.excluded_paths';
    return undefined;
  }

  /** A stack's name from its path: `prod/us-east-1.yaml` is `prod/us-east-1`. */
  private nameFromPath(file: string): string {
    return this.relativePath(file).replace(/\.ya?ml$/, '');
  }

  private readText(file: string): string {
    return this.source.readText ? this.source.readText(file) : readFileSync(file, 'utf8');
  }

  /** A parsed, checked manifest by key (imports.ts templateKey), cached. Throws ManifestProblem / TfwrapError. */
  private manifest(key: string): Manifest {
    let manifest = this.manifests.get(key);
    if (!manifest) {
      const template = templateImportOf(key);
      manifest = template ? this.renderedManifest(key, template) : (this.source.readManifest ?? readManifest)(key, this.functions);
      this.manifests.set(key, manifest);
    }
    return manifest;
  }

  /**
   * A manifest rendered as a Go template before it is parsed (Atmos's ProcessTmpl: Sprig functions,
   * the import context and the file's locals as data, `missingkey=error` unless ignore_missing_template_values). A
   * `.tmpl` file imported without a context that fails to render is kept as written: its templates
   * wait for the component pass, as in Atmos.
   */
  private renderedManifest(key: string, template: NonNullable<ReturnType<typeof templateImportOf>>): Manifest {
    // Through the source: `describe affected` reads the base revision's text here, not the work tree's.
    const text = this.readText(template.file);
    let rendered = text;
    if (hasTemplate(text)) {
      const name = this.relativePath(template.file);
      try {
        // The file's own locals are in the data too (Atmos resolves them before this render).
        rendered = render(text, localsTemplateData(text, template.file, template.context) ?? template.context, {
          name, delimiters: ['{{', '}}'], sprig: true,
          missingKey: template.ignoreMissing || this.settings.templates.ignoreMissingTemplateValues ? 'default' : 'error',
          where: { file: template.file, what: `${name}${template.contextGiven ? ' (imported with context:)' : ''}` },
        });
      } catch (err) {
        // Atmos would render a gomplate function here: keeping the text raw would hide it.
        if (template.contextGiven || err instanceof NeedsTemplateEngine || (err instanceof TfwrapError && err.code === 'E_UNSUPPORTED')) throw err;
      }
    }
    return { ...parseManifest(rendered, template.file, this.functions), key, context: template.context };
  }

  /**
   * Atmos's `describe locals` (internal/exec/describe_locals.go): the locals of the manifest of
   * stack `name` (its logical name or its file's path, as Atmos matches either; the first manifest
   * when several give the stack), `{ locals, terraform: { locals } }`. With a component: the root,
   * `terraform:` and component locals merged, as `{ components: { terraform: { <c>: { locals } } } }`.
   * No locals at all is E_LOCALS_NONE (Atmos: ErrStackHasNoLocals).
   */
  describeLocals(name: string, component?: string): Promise<Mapping> {
    return withLocatedErrors(() => {
      const file = this.stackFileFor(name);
      const text = readFileSync(file, 'utf8');
      const found = describedLocals(evaluateFunctions(parseAtmosYaml(text, file) ?? {}, file, this.functions), file, text);
      // A deferred function (!terraform.state, !store) is shown as written, as Atmos reads it as text.
      const described = found && (mapTags(found, (tag) => `${tag.tag} ${tag.argument}`.trim()) as Mapping);
      const none = () => new ManifestProblem('E_LOCALS_NONE', `stack '${name}' has no locals${component === undefined ? '' : ` for component '${component}'`}`, undefined, [],
        `locals are defined with locals: at the root of ${this.relativePath(file)}, in its terraform: section, or in a component`);
      if (component === undefined) {
        if (!described) throw none();
        return described;
      }
      const own = this.loadStackSync(name).resolveSync(component).locals;
      if (!described && !own) throw none();
      const terraform = isMapping(described?.terraform) && isMapping(described.terraform.locals) ? described.terraform.locals : {};
      const locals = deepMerge([isMapping(described?.locals) ? described.locals : {}, terraform, own ?? {}]);
      return { components: { terraform: { [component]: { locals } } } };
    });
  }

  /** The (first) manifest of stack `name`, found by its name or, as Atmos's describe locals does, by its file's path. */
  private stackFileFor(name: string): string {
    const wanted = canonicalStackName(name);
    try {
      return this.findStack(wanted)[0]!;
    } catch (err) {
      if (!(err instanceof ManifestProblem) || err.code !== 'E_STACK_UNKNOWN') throw err;
      const byFile = this.scanStacks().find((entry) => this.nameFromPath(entry.file) === wanted);
      if (byFile) return byFile.file;
      throw err;
    }
  }

  /** The manifests giving stack `name`; none is E_STACK_UNKNOWN with suggestions. */
  private findStack(name: string): string[] {
    // Without a name template or pattern, `dev` is usually stacks/dev.yaml: take it without reading
    // every manifest's name: line (the scale target). Another manifest declaring `name: dev` then
    // joins the stack only in list/validate/describe stacks, which scan.
    if (this.settings.nameTemplate === undefined && this.settings.namePattern === undefined && this.scanned === undefined) {
      for (const extension of ['.yaml', '.yml']) {
        const candidate = path.join(this.settings.stacksBasePath, name + extension);
        if (isExactFile(candidate) && this.isStackFile(candidate) && (this.manifest(candidate).name ?? name) === name) return [candidate];
      }
    }
    const named = this.scanStacks();
    // By name, once: validate looks up every stack, and a scan per lookup is quadratic.
    this.filesByName ??= groupFiles(named);
    const files = this.filesByName.get(name) ?? [];
    if (files.length > 0) return files;
    // A manifest that does not load has no derived name: it may be the stack asked for, so its
    // problem is the answer (a broken mixin breaks every stack importing it alike).
    const [unnamed] = this.unnamedByError.values();
    if (unnamed !== undefined) throw unnamed;

    let excludedCandidate: string | undefined;
    for (const extension of ['.yaml', '.yml']) {
      const candidate = path.join(this.settings.stacksBasePath, name + extension);
      if (isFile(candidate) && !this.isStackFile(candidate)) excludedCandidate ??= candidate;
    }
    // A file's path when its stack is named otherwise: say what it is called.
    const byFile = named.find((entry) => this.nameFromPath(entry.file) === name);
    throw new ManifestProblem('E_STACK_UNKNOWN', `unknown stack '${name}'`, undefined, [],
      hints(
        byFile ? `${this.relativePath(byFile.file)} is stack '${byFile.name}'` : didYouMean(name, new Set(named.map((entry) => entry.name))),
        excludedCandidate && `${this.relativePath(excludedCandidate)} is not a stack because ${this.whyNotAStack(excludedCandidate)} (it can still be imported)`,
        'Run `tfwrap list stacks` to see the stacks',
      ));
  }

  private filesByName: Map<string, string[]> | undefined;
  /** Why a manifest could not be named from its vars, by file (it is listed by its path). */
  private readonly unnamedByError = new Map<string, Error>();

  /**
   * Every stack manifest with the name it gives, unsorted. Done once per repository object:
   * walking every stack by name (tfwrap validate) must not rescan per stack.
   */
  private scanStacks(): NamedFile[] {
    this.scanned ??= this.scanStackFiles();
    return this.scanned;
  }

  /** The name a manifest gives, as this repository's listing found it (undefined: not listed by a scan here). */
  foundName(file: string): FoundName | undefined {
    this.scanStacks();
    return this.foundNames.get(file);
  }

  /** Every stack manifest, sorted; kept with the names (a warm run stats the directories instead of walking and matching). */
  private listStackFiles(): string[] {
    const kept = this.nameCache?.lookup(stackListingKey);
    if (kept && 'stackFiles' in kept) return kept.stackFiles;
    // Excluded patterns prune the walk; isStackFile still decides (it also tries paths without extension).
    const stackFiles = globSync('**/*.{yaml,yml}', {
      cwd: this.settings.stacksBasePath, ignore: this.settings.excludedPaths, absolute: true, onlyFiles: true,
    })
      .map((file) => path.resolve(file))
      .filter((file) => this.isStackFile(file))
      .sort();
    if (this.nameCache) {
      const dirs = directoriesUnder(this.settings.stacksBasePath);
      if (dirs) this.nameCache.storeForDirectories(stackListingKey, { stackFiles }, dirs);
    }
    return stackFiles;
  }

  private scanStackFiles(): NamedFile[] {
    const files = this.listStackFiles();
    const derived = this.settings.nameTemplate !== undefined || this.settings.namePattern !== undefined;
    const named: NamedFile[] = [];
    /** What a manifest gives: kept for foundName, and listed when it is a stack. */
    const found = (file: string, name: string | undefined, byPath: boolean) => {
      this.foundNames.set(file, { name, byPath });
      if (name !== undefined) named.push({ name, file, byPath });
    };
    for (const file of files) {
      // Another repository's answer for the same closure, or a warm name cache (it checks the
      // file's stamp), answers without reading the manifest.
      const kept = derived ? this.source.knownName?.(file) ?? this.nameCache?.lookup(file) : undefined;
      const cached = kept && 'byPath' in kept ? kept : undefined;
      if (cached) {
        found(file, cached.name, cached.byPath);
        continue;
      }
      // A parsed manifest is at hand when the file was loaded before.
      const parsed = this.manifests.get(file);
      const declared = parsed ? parsed.name : scanStackName(this.readText(file), file);
      if (declared !== undefined) {
        found(file, declared, false);
        this.nameCache?.store(file, { name: declared, byPath: false }, [file]);
        continue;
      }
      if (!derived) {
        found(file, this.nameFromPath(file), true);
        continue;
      }
      let stack: LoadedStack;
      try {
        stack = this.loadFile(this.nameFromPath(file), file);
      } catch (err) {
        if (err instanceof NeedsTemplateEngine) throw err;
        // A broken manifest is listed by its path; loading it reports the problem.
        named.push({ name: this.nameFromPath(file), file, byPath: true });
        this.unnamedByError.set(file, err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      // Atmos names stacks from their components; a manifest defining none is not a stack.
      const entry: NamedFile | undefined = stack.componentNames().length === 0 ? undefined : (() => {
        const fromVars = this.nameFromVars(stack.nameContext());
        return fromVars === undefined ? { name: this.nameFromPath(file), file, byPath: true } : { name: fromVars, file, byPath: false };
      })();
      found(file, entry?.name, entry?.byPath ?? true);
      if (this.nameCache && this.cacheable(stack)) {
        const globs = this.imports.closureKeys(file).flatMap((key) => this.imports.globsOf(this.manifest(key)));
        this.nameCache.store(file, { name: entry?.name, byPath: entry?.byPath ?? true }, stack.files, globs);
      }
    }
    this.nameCache?.save();
    return named;
  }

  /** A name may be kept between runs when it depends on files only (not on the environment or a command). */
  private cacheable(stack: LoadedStack): boolean {
    if (this.settings.nameTemplate !== undefined && /\benv\b|expandenv/.test(this.settings.nameTemplate)) return false;
    return stack.files.every((file) => this.fileOnly(file));
  }

  /**
   * The files (and import globs) a stack's closure (closureManifests) is made of, when its components depend on
   * them alone, so that what validate found may be kept between runs (validation.ts); undefined when
   * a function or template reads the environment, runs a command, includes another file or reads
   * another stack (atmos.Component).
   */
  closureDependencies(manifests: readonly Manifest[]): { files: string[]; globs: Array<[string, string]> } | undefined {
    const files = [...new Set(manifests.map((manifest) => manifest.file))];
    const otherStacks = (file: string) => this.settings.templates.enabled && (this.manifests.get(file)?.text ?? this.readText(file)).includes('atmos.Component');
    if (!files.every((file) => this.fileOnly(file) && !otherStacks(file))) return undefined;
    return { files, globs: manifests.flatMap((manifest) => this.imports.globsOf(manifest)) };
  }

  /** The manifests an import glob matches (the listing imports use). */
  importGlob(baseDir: string, pattern: string): string[] {
    return this.imports.glob(baseDir, pattern);
  }

  /** The manifests merged into the stack `entry` names, each once, in merge order. */
  closureManifests(entry: StackEntry): Manifest[] {
    return [...new Set(entry.files.flatMap((file) => this.imports.closureKeys(file)))].map((key) => this.manifest(key));
  }

  private fileOnly(file: string): boolean {
    let fileOnly = this.fileOnlyCache.get(file);
    if (fileOnly === undefined) {
      // A file imported with a context is kept under another key: read its text then.
      const text = this.manifests.get(file)?.text ?? this.readText(file);
      fileOnly = !/!(env|exec|include|repo-root)\b/.test(text) && !/\b(env|expandenv)\b/.test(hasTemplate(text) ? text : '');
      this.fileOnlyCache.set(file, fileOnly);
    }
    return fileOnly;
  }

  /** Whether a manifest's values come from its file alone (no function or template reads the environment), by file: a catalog is in every closure. */
  private readonly fileOnlyCache = new Map<string, boolean>();

  /** The name `stacks.name_template` or `stacks.name_pattern` gives a stack with these stack-wide sections. */
  private nameFromVars(context: { vars: Mapping; settings: Mapping; env: Mapping }): string | undefined {
    if (this.settings.nameTemplate !== undefined) return nameFromTemplate(this.settings.nameTemplate, context, this.settings.templates);
    if (this.settings.namePattern !== undefined) return nameFromPattern(this.settings.namePattern, context.vars) || undefined;
    return undefined;
  }

  /**
   * Stack manifests that name no stack although a name template or pattern is set (a var is
   * missing), for `tfwrap validate` to warn about: they are listed by their path.
   */
  unnamedByPattern(): Promise<string[]> {
    return withLocatedErrors(() => {
      if (this.settings.nameTemplate === undefined && this.settings.namePattern === undefined) return [];
      return this.scanStacks().filter((entry) => entry.byPath).map((entry) => entry.file);
    });
  }

  /** Every manifest read so far (for validate's checks of what tfwrap leaves alone). */
  loadedManifests(): Manifest[] {
    return [...this.manifests.values()];
  }

  /** A path relative to the stacks directory, with `/` separators. */
  private relativePath(file: string): string {
    return path.relative(this.settings.stacksBasePath, file).split(path.sep).join('/');
  }
}

/** The git work tree holding the project (the nearest directory with a .git), else the project. */
/** A file, spelled exactly so: on a case-insensitive disk `Dev` must not become a second name of `dev`. */
function isExactFile(file: string): boolean {
  return isFile(file) && readdirSync(path.dirname(file)).includes(path.basename(file));
}

function repositoryRootOf(projectDir: string): string {
  for (let dir = path.resolve(projectDir); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(projectDir);
  }
}

function groupFiles(named: readonly NamedFile[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const entry of named) {
    const files = byName.get(entry.name);
    if (files) files.push(entry.file);
    else byName.set(entry.name, [entry.file]);
  }
  return byName;
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * A stack name as typed, in the one spelling that names the stack: `./dev`, `dev.yaml`, `dev/`
 * and `dev/../dev` are `dev`. Each spelling would otherwise be a workspace of its own, with an
 * empty state. A name that leaves the stacks directory is refused.
 */
export function canonicalStackName(typed: string): string {
  const trimmed = typed.trim();
  const normalized = path.posix.normalize(trimmed.replace(/\\/g, '/')).replace(/\/+$/, '').replace(/\.ya?ml$/, '');
  if (normalized === '' || normalized === '.' || normalized === '..' || normalized.startsWith('../') || path.posix.isAbsolute(normalized)) {
    const why = normalized === '' || normalized === '.' ? 'it names no manifest' : 'it points outside the stacks directory';
    throw new ManifestProblem('E_STACK_UNKNOWN', `'${trimmed}' is not a stack name: ${why}`, undefined, [],
      'name the stack as `tfwrap list stacks` shows it, such as prod/us-east-1');
  }
  return normalized;
}
