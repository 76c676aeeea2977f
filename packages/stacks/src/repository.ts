/**
 * Finding and loading stacks.
 *
 * Loading is targeted: `loadStack('prod/us-east-1')` first tries `stacks/prod/us-east-1.yaml` (or
 * `.yml`) and reads only that file and its import closure. Only when that file is missing, is not a
 * stack (excluded), or declares another `name:`, are the stack manifests scanned, and the scan reads
 * just each file's `name:` line. Parsed files and import closures are cached for the life of the
 * repository object, so a thousand stacks sharing a catalog parse it once.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
import { ImportResolver, hasManifestExtension } from './imports.js';
import { readManifest, scanStackName, type Manifest } from './manifest.js';
import { ManifestProblem, didYouMean, hints, toTfwrapError, withLocatedErrors } from './problem.js';
import type { TfwrapError } from '@tfwrap/core';
import type { StacksSettings } from './settings.js';
import { LoadedStack, type Stack } from './stack.js';

export interface StackEntry {
  name: string;
  /** Absolute path of the stack's manifest. */
  file: string;
}

export class StackRepository {
  private readonly manifests = new Map<string, Manifest>();
  private scanned: StackEntry[] | undefined;
  private readonly imports: ImportResolver;
  private readonly isIncluded: (relativePath: string) => boolean;
  private readonly isExcluded: (relativePath: string) => boolean;

  constructor(readonly settings: StacksSettings) {
    this.imports = new ImportResolver(settings.stacksBasePath, (file) => this.manifest(file), {
      repositoryRoot: repositoryRootOf(settings.rootDir),
      policy: settings.importsOutsideRepo,
    });
    this.isIncluded = settings.includedPaths.length > 0 ? picomatch(settings.includedPaths) : () => false;
    this.isExcluded = settings.excludedPaths.length > 0 ? picomatch(settings.excludedPaths) : () => false;
  }

  /**
   * Every stack, sorted by name. Reads each included manifest's `name:` line, not the whole file,
   * so a manifest with broken YAML is listed (loading it reports the error). Two manifests
   * giving the same stack name are an E_STACK_INVALID error.
   */
  listStacks(): Promise<StackEntry[]> {
    return withLocatedErrors(() => {
      const entries = this.scanStacks();
      const byName = new Map<string, StackEntry>();
      for (const entry of entries) {
        const other = byName.get(entry.name);
        if (other) throw this.duplicateName(entry.name, [other, entry]);
        byName.set(entry.name, entry);
      }
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  /**
   * Load one stack by name, reading only its manifest and that manifest's imports. Each call
   * returns a new Stack (cheap: the files are cached); its resolved components live as long as it
   * does, so walking a thousand stacks does not keep fifty thousand components in memory.
   */
  loadStack(name: string): Promise<Stack> {
    return withLocatedErrors(() => {
      const wanted = canonicalStackName(name);
      const file = this.findStack(wanted);
      const manifests = this.imports.closure(file).map((closureFile) => this.manifest(closureFile));
      return new LoadedStack(wanted, file, manifests, this.settings.componentsBasePath, { workspacesEnabled: this.settings.workspacesEnabled });
    });
  }

  /**
   * Warnings about the stacks loaded so far (imports reaching outside the repository), each once,
   * located at the import.
   */
  warnings(): Promise<TfwrapError[]> {
    return Promise.all(this.imports.outsideImports.map(toTfwrapError));
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

  /** A parsed, checked manifest, cached. Throws ManifestProblem / TfwrapError. */
  private manifest(file: string): Manifest {
    let manifest = this.manifests.get(file);
    if (!manifest) {
      manifest = readManifest(file);
      this.manifests.set(file, manifest);
    }
    return manifest;
  }

  private findStack(name: string): string {
    let excludedCandidate: string | undefined;
    for (const extension of ['.yaml', '.yml']) {
      const candidate = path.join(this.settings.stacksBasePath, name + extension);
      // The exact spelling: on a case-insensitive disk `Dev` must not become a second name of `dev`.
      if (!isFile(candidate) || !readdirSync(path.dirname(candidate)).includes(path.basename(candidate))) continue;
      if (!this.isStackFile(candidate)) {
        excludedCandidate ??= candidate;
        continue;
      }
      const declared = this.manifest(candidate).name;
      if (declared === undefined || declared === name) return candidate;
    }

    const entries = this.scanStacks();
    const matches = entries.filter((entry) => entry.name === name);
    if (matches.length > 1) throw this.duplicateName(name, matches);
    if (matches[0]) return matches[0].file;

    throw new ManifestProblem('E_STACK_UNKNOWN', `unknown stack '${name}'`, undefined, [],
      hints(
        didYouMean(name, entries.map((entry) => entry.name)),
        excludedCandidate && `${this.relativePath(excludedCandidate)} is not a stack because ${this.whyNotAStack(excludedCandidate)} (it can still be imported)`,
        'Run `tfwrap list stacks` to see the stacks',
      ));
  }

  /**
   * Every stack manifest with its name, unsorted; reads `name:` lines only. Done once per
   * repository object: walking every stack by name (tfwrap validate) must not rescan per stack.
   */
  private scanStacks(): StackEntry[] {
    this.scanned ??= this.scanStackFiles();
    return [...this.scanned];
  }

  private scanStackFiles(): StackEntry[] {
    // Excluded patterns prune the walk; isStackFile still decides (it also tries paths without extension).
    const files = globSync('**/*.{yaml,yml}', {
      cwd: this.settings.stacksBasePath, ignore: this.settings.excludedPaths, absolute: true, onlyFiles: true,
    })
      .map((file) => path.resolve(file))
      .filter((file) => this.isStackFile(file))
      .sort();
    return files.map((file) => {
      // A parsed manifest is at hand when the file was loaded before.
      const parsed = this.manifests.get(file);
      const declared = parsed ? parsed.name : scanStackName(readFileSync(file, 'utf8'), file);
      return { name: declared ?? this.nameFromPath(file), file };
    });
  }

  private duplicateName(name: string, entries: StackEntry[]): ManifestProblem {
    const [first, second] = entries as [StackEntry, StackEntry];
    const declaresName = scanStackName(readFileSync(second.file, 'utf8'), second.file) !== undefined;
    return new ManifestProblem('E_STACK_INVALID',
      `stack name '${name}' is used by both ${this.relativePath(first.file)} and ${this.relativePath(second.file)}`,
      second.file, declaresName ? ['name'] : [], 'give one of them another name: (or rename the file)');
  }

  /** A path relative to the stacks directory, with `/` separators. */
  private relativePath(file: string): string {
    return path.relative(this.settings.stacksBasePath, file).split(path.sep).join('/');
  }
}

/** The git work tree holding the project (the nearest directory with a .git), else the project. */
function repositoryRootOf(projectDir: string): string {
  for (let dir = path.resolve(projectDir); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(projectDir);
  }
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
