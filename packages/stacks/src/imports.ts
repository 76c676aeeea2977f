/**
 * `import:` entries: which files they name, and the order in which a manifest's import closure is
 * merged.
 *
 * - Paths are relative to the stacks directory; `./x` and `../x` are relative to the importing file.
 * - `.yaml`/`.yml` may be left out (`catalog/vpc` finds `catalog/vpc.yaml`, else `catalog/vpc.yml`).
 * - Globs (`mixins/*`; `catalog/**` then `/*` for every manifest below) import every matching
 *   manifest in sorted order; a glob never matches the file that contains it. As in Atmos, a glob
 *   without an extension gets `.yaml` (see glob()). A glob with an extension of its own (`catalog/svc-?.*`) is
 *   matched as written, as in Atmos; a match that is not a manifest is an error.
 * - Order: depth-first, each import's own imports first, then the file itself. A file reached twice
 *   (two imports sharing a catalog) is merged where it was last reached: Atmos merges each import's
 *   whole result in turn (stack_processor_utils.go), so the second team file's copy of the catalog
 *   is merged over what the first team file set.
 * - A path holding `{{` is a Go template when templates.settings.enabled (see importPath).
 */
import { realpathSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { TfwrapError, didYouMean } from '@tfwrap/core';
import { ManifestProblem } from './problem.js';
import { NeedsTemplateEngine, render } from './templates.js';
import type { Manifest } from './manifest.js';
import { deepMerge, type Mapping } from './merge.js';

const manifestExtensions = ['.yaml', '.yml'];

export function hasManifestExtension(file: string): boolean {
  return manifestExtensions.includes(path.extname(file));
}

/** Atmos's IsTemplateFile: `.yaml.tmpl` or `.yml.tmpl`. */
function isTemplateFile(file: string): boolean {
  return file.endsWith('.yaml.tmpl') || file.endsWith('.yml.tmpl');
}

/** How a manifest file is rendered before it is parsed: with this import context. */
export interface TemplateImport {
  file: string;
  context: Mapping;
  /** The import (or atmos.yaml) says ignore_missing_template_values: missingkey=default. */
  ignoreMissing: boolean;
  /** The context came from an import (not empty): a failed render is an error, not raw text kept. */
  contextGiven: boolean;
}

/**
 * A manifest's key: its path, or for a file rendered as a template, its path and how it is rendered
 * (one file imported with two contexts is two manifests).
 */
function templateKey(file: string, context: Mapping, ignoreMissing: boolean, contextGiven: boolean): string {
  return `${file}\0${JSON.stringify([context, ignoreMissing, contextGiven])}`;
}

export function templateImportOf(key: string): TemplateImport | undefined {
  const at = key.indexOf('\0');
  if (at < 0) return undefined;
  const [context, ignoreMissing, contextGiven] = JSON.parse(key.slice(at + 1)) as [Mapping, boolean, boolean];
  return { file: key.slice(0, at), context, ignoreMissing, contextGiven };
}

/** The file a manifest key names. */
function fileOfKey(key: string): string {
  const at = key.indexOf('\0');
  return at < 0 ? key : key.slice(0, at);
}

/** Files imported through each other, at most: far beyond real repositories, and within the call stack (closureOf recurses). */
const MAX_IMPORT_DEPTH = 1000;

export class ImportResolver {
  /** Import closure of each manifest, itself last; complete ones only (no cycle below them). */
  private readonly closures = new Map<string, string[]>();
  /** Files matched by an import glob, by directory and pattern. */
  private readonly globMatches = new Map<string, string[]>();

  /** Imports reaching outside the repository, when they are allowed (a warning each). */
  readonly outsideImports: ManifestProblem[] = [];

  /**
   * The import-path context each manifest (by key) inherits from the importer that first reached it:
   * the importer's own, plus the `settings`/`vars`/`env` of the importer's earlier imports.
   */
  private readonly inheritedPathContext = new Map<string, () => Mapping>();

  constructor(
    private readonly stacksBasePath: string,
    private readonly manifestAt: (file: string) => Manifest,
    private readonly outside: { repositoryRoot: string; policy: 'warn' | 'deny' } = { repositoryRoot: path.parse(stacksBasePath).root, policy: 'warn' },
    /** templates.settings.enabled and ignore_missing_template_values, for templated import paths. */
    private readonly templates: { enabled: boolean; ignoreMissing: boolean } = { enabled: false, ignoreMissing: false },
  ) {}

  /** The files merged to build `file`, in merge order; `file` is last. */
  closure(file: string): string[] {
    return [...new Set(this.closureOf(file, []).map(fileOfKey))];
  }

  /**
   * The manifests merged to build `file`, in merge order, as manifest keys: a file rendered as a
   * Go template with an import context is one manifest per context (see templateKey).
   */
  closureKeys(file: string): string[] {
    return this.closureOf(file, []);
  }

  private closureOf(file: string, importers: string[]): string[] {
    const cached = this.closures.get(file);
    if (cached) return cached;

    const manifest = this.manifestAt(file);
    const importChain = [...importers, file];
    const sequence: string[] = [];
    manifest.imports.forEach((_entry, index) => {
      const targets = this.importKeysOf(manifest, index);
      this.checkInsideRepository(manifest, index, targets.map(fileOfKey));
      // What the target's own import paths may refer to (Atmos hands each import its earlier
      // siblings' sections); computed only if one of them holds a template.
      if (this.templates.enabled) {
        let context: Mapping | undefined;
        const pathContext = () => (context ??= this.pathContextBefore(manifest, index));
        for (const target of targets) if (!this.inheritedPathContext.has(target)) this.inheritedPathContext.set(target, pathContext);
      }
      for (const target of targets) {
        if (importChain.length >= MAX_IMPORT_DEPTH) {
          throw new ManifestProblem('E_STACK_INVALID', `imports nested more than ${MAX_IMPORT_DEPTH} files deep (from ${this.displayName(fileOfKey(importChain[0]!))})`, file, ['import', index],
            'import the shared files from fewer levels: a stack file importing its catalogs directly', manifest.text);
        }
        const cycleStart = importChain.indexOf(target);
        if (cycleStart >= 0) {
          const chain = [...importChain.slice(cycleStart), target].map((f) => this.displayName(fileOfKey(f))).join(' -> ');
          throw new ManifestProblem('E_IMPORT_CYCLE', `import cycle: ${chain}`, file, ['import', index],
            'a manifest cannot import itself, directly or through other imports; move the shared part to its own file',
            manifest.text);
        }
        sequence.push(...this.closureOf(target, importChain));
      }
    });
    // Atmos merges each import's whole result in turn, so a file reached again is merged again, over
    // what came between: it counts where it was last reached (for every key, the same last writer).
    const lastAt = new Map<string, number>();
    sequence.forEach((key, position) => lastAt.set(key, position));
    const order = sequence.filter((key, position) => lastAt.get(key) === position);
    order.push(file);
    this.closures.set(file, order);
    return order;
  }

  /**
   * The files named by `manifest.imports[index]`; none found is an E_IMPORT_MISSING problem (none
   * at all for Atmos's `skip_if_missing: true`).
   */
  filesOf(manifest: Manifest, index: number): string[] {
    return this.filesOfEntry(manifest, index);
  }

  /**
   * The manifests `manifest.imports[index]` brings in, as keys. Atmos's rule
   * (stack_processor_utils.go, processYAMLConfigFileWithContextInternal): the import's `context` is
   * merged with the importer's (the importer's wins) and handed down the chain; a file is rendered
   * as a Go template when it is a `.yaml.tmpl`/`.yml.tmpl` or that context is not empty, unless the
   * import says `skip_templates_processing: true`.
   */
  importKeysOf(manifest: Manifest, index: number): string[] {
    const files = this.filesOfEntry(manifest, index);
    const entry = manifest.importEntries[index];
    const context = deepMerge([entry?.context ?? {}, manifest.context ?? {}]);
    const rendered = entry?.skipTemplates !== true;
    return files.map((file) => rendered && (isTemplateFile(file) || Object.keys(context).length > 0)
      ? templateKey(file, context, entry?.ignoreMissingTemplateValues === true, Object.keys(context).length > 0)
      : file);
  }

  /**
   * The import globs of a manifest, as [directory, pattern]: the name cache keeps their listings,
   * since a file new under `catalog/**` may change no directory a merged file sits in.
   */
  globsOf(manifest: Manifest): Array<[string, string]> {
    const globs: Array<[string, string]> = [];
    for (const entry of manifest.imports.map((_entry, index) => this.importPath(manifest, index))) {
      if (entry.includes('{{') || !isDynamicPattern(entry)) continue;
      const relativeToFile = entry.startsWith('./') || entry.startsWith('../');
      globs.push([relativeToFile ? path.dirname(manifest.file) : this.stacksBasePath, entry]);
    }
    return globs;
  }

  /**
   * The path `manifest.imports[index]` names. Atmos's rule (stack_processor_utils.go
   * renderImportPath): a path holding `{{` is rendered as a Go template (Sprig and gomplate's
   * functions, named `import-path(<file>)`) when templates.settings.enabled is true and the import
   * does not say skip_templates_processing. The data is what the manifest's importer handed down,
   * merged with the `settings`, `vars` and `env` of each earlier import of this manifest (as each
   * import's own closure merges them; not the manifest's own sections), and the import's own
   * `context:` over that. A missing value is an error unless ignore_missing_template_values (on the
   * import or in atmos.yaml). With templates off the path stays as written, finds no file and
   * imports nothing, as in Atmos (validate warns about the line).
   */
  importPath(manifest: Manifest, index: number): string {
    const entry = manifest.imports[index] as string;
    const options = manifest.importEntries[index];
    if (!entry.includes('{{') || !this.templates.enabled || options?.skipTemplates === true) return entry;
    const data = deepMerge([this.pathContextBefore(manifest, index), options?.context ?? {}]);
    const name = `import-path(${this.displayName(manifest.file)})`;
    try {
      return render(entry, data, {
        name, delimiters: ['{{', '}}'], sprig: true,
        missingKey: options?.ignoreMissingTemplateValues === true || this.templates.ignoreMissing ? 'default' : 'error',
        where: { what: `import path '${entry}'` },
      });
    } catch (err) {
      if (err instanceof NeedsTemplateEngine || !(err instanceof TfwrapError)) throw err;
      throw new ManifestProblem(err.code, err.message.replace(/^Go template error in /, ''), manifest.file, ['import', index], err.code === 'E_UNSUPPORTED' ? err.hint
        : 'an import path sees the settings, vars and env of the earlier imports (not of its own file) and its context:; or set ignore_missing_template_values: true on the import', manifest.text);
    }
  }

  /** The import-path data before `manifest.imports[index]`: the inherited context, then earlier imports' sections. */
  private pathContextBefore(manifest: Manifest, index: number): Mapping {
    const layers: Mapping[] = [this.inheritedPathContext.get(manifest.key ?? manifest.file)?.() ?? {}];
    for (let earlier = 0; earlier < index; earlier++) {
      for (const target of this.importKeysOf(manifest, earlier)) {
        for (const key of this.closures.get(target) ?? [target]) {
          const globals = this.manifestAt(key).globals;
          const sections: Mapping = {};
          for (const section of ['settings', 'vars', 'env'] as const) if (globals[section] !== undefined) sections[section] = globals[section];
          layers.push(sections);
        }
      }
    }
    return deepMerge(layers);
  }

  private filesOfEntry(manifest: Manifest, index: number): string[] {
    const entry = this.importPath(manifest, index);
    // A path still holding a template (templates off) imports nothing, as in Atmos.
    if (entry.includes('{{')) return [];
    const skipIfMissing = manifest.importEntries[index]?.skipIfMissing === true;
    const relativeToFile = entry.startsWith('./') || entry.startsWith('../');
    const baseDir = relativeToFile ? path.dirname(manifest.file) : this.stacksBasePath;
    const missing = (message: string, hint?: string): ManifestProblem =>
      new ManifestProblem('E_IMPORT_MISSING', message, manifest.file, ['import', index], hint, manifest.text);

    if (isDynamicPattern(entry)) {
      const matches = this.glob(baseDir, entry).filter((file) => file !== manifest.file);
      if (matches.length === 0) {
        if (skipIfMissing) return [];
        throw missing(`import '${entry}' matched no manifest under ${this.displayDir(baseDir)}`,
          'check the pattern; paths are relative to the stacks directory unless they start with ./ or ../');
      }
      // A pattern with its own extension (`svc-?.*`) may match any file; Atmos would parse each as a
      // stack manifest and fail on one that is not.
      const other = matches.find((file) => !hasManifestExtension(file) && !isTemplateFile(file));
      if (other !== undefined) {
        throw new ManifestProblem('E_STACK_INVALID',
          `import '${entry}' matched ${this.displayName(other)}, which is not a stack manifest (.yaml, .yml, .yaml.tmpl or .yml.tmpl)`,
          manifest.file, ['import', index], 'narrow the pattern to the manifests, e.g. end it in .yaml', manifest.text);
      }
      return matches;
    }

    const target = path.resolve(baseDir, entry);
    const candidates = hasManifestExtension(target) || target.endsWith('.tmpl') ? [target] : [...manifestExtensions, '.yaml.tmpl', '.yml.tmpl'].map((ext) => target + ext);
    const found = candidates.find(isFile);
    if (found) return [found];
    if (skipIfMissing) return [];
    throw missing(
      `import '${entry}' found no file (looked for ${candidates.slice(0, 2).map((file) => this.displayName(file)).join(' and ')})`,
      didYouMean(path.basename(entry).replace(/\.ya?ml$/, ''), manifestNamesIn(path.dirname(target)))
        ?? 'paths are relative to the stacks directory unless they start with ./ or ../',
    );
  }

  /**
   * An import must stay in the repository: a stack that reads files from elsewhere on one machine
   * is a different stack (or none) on the next, and a review of the repository does not show them.
   */
  private checkInsideRepository(manifest: Manifest, index: number, targets: string[]): void {
    const entry = manifest.imports[index] as string;
    // The stacks directory counts as inside even when configured elsewhere.
    const roots = [this.realPath(this.outside.repositoryRoot), this.realPath(this.stacksBasePath)];
    const isUnder = (root: string, file: string) => {
      const relative = path.relative(root, file);
      return !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
    };
    const escaping = targets.find((target) => !roots.some((root) => isUnder(root, this.realPath(target))));
    if (!path.isAbsolute(entry) && escaping === undefined) return;
    const deny = this.outside.policy === 'deny';
    const problem = new ManifestProblem('E_IMPORT_OUTSIDE',
      path.isAbsolute(entry)
        ? `import '${entry}' is an absolute path`
        : `import '${entry}' reaches outside the repository (${escaping})`,
      manifest.file, ['import', index],
      deny ? 'stacks.imports_outside_repo is deny: copy the file into the repository and import it by a path relative to the stacks directory'
        : 'import files inside the repository by paths relative to the stacks directory; stacks.imports_outside_repo: deny makes this an error',
      manifest.text);
    if (deny) throw problem;
    this.outsideImports.push(problem);
  }

  /** The manifests an import glob matches (once per run: every stack importing it shares the listing). */
  glob(baseDir: string, pattern: string): string[] {
    const key = `${baseDir}\0${pattern}`;
    let matches = this.globMatches.get(key);
    if (!matches) {
      // Atmos's rule (stack_processor_utils.go, before GetGlobMatches): a pattern with an extension
      // (Go's filepath.Ext: `.yaml`, `.*`, `.y*`) is matched as written; without one, `.yaml` is
      // appended: `mixins/*` is mixins/*.yaml (not .yml), and `catalog/**` is catalog/**.yaml, where a
      // `**` that is not a whole path segment is a `*` (doublestar, and tinyglobby alike): the
      // manifests directly in catalog/; `catalog/**` then `/*` reaches every one below it.
      const withExtension = goExtension(pattern) !== '' ? pattern : `${pattern}.yaml`;
      matches = globSync(withExtension, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false })
        .map((file) => path.resolve(file))
        .sort();
      this.globMatches.set(key, matches);
    }
    return matches;
  }

  /** realpathSync once per path: a thousand stacks import the same catalog. */
  private readonly realPaths = new Map<string, string>();
  private realPath(file: string): string {
    let real = this.realPaths.get(file);
    if (real === undefined) this.realPaths.set(file, (real = realPath(file)));
    return real;
  }

  /** A file as users name it in messages: relative to the stacks directory. */
  displayName(file: string): string {
    const relative = path.relative(this.stacksBasePath, file);
    return relative.startsWith('..') ? file : relative.split(path.sep).join('/');
  }

  private displayDir(dir: string): string {
    const relative = this.displayName(dir);
    return relative === '' ? 'the stacks directory' : `${relative}/`;
  }
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** Go's filepath.Ext: from the last dot of the last path element (`.*` in `catalog/svc-?.*`), else ''. */
function goExtension(pattern: string): string {
  const name = pattern.slice(pattern.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** Manifest names (without extension) in a directory, for "did you mean" hints. */
function manifestNamesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter(hasManifestExtension).map((name) => name.replace(/\.ya?ml$/, ''));
  } catch {
    return [];
  }
}
