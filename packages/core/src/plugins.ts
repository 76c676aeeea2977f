/**
 * Plugin resolution and loading, after ESLint: short names expand to `tfwrap-plugin-<name>` or
 * `@tfwrap/plugin-<name>`, packages resolve from the configuration file's directory, and every
 * failure names the plugin and the file that asked for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TfwrapError, messageOf, type SourceLocation } from './errors.js';
import { nodeModule } from './lazy-builtins.js';
import type { PluginEntry } from './config.js';
import type { CommandDefinition } from './commands.js';
import type { Tfwrap } from './tfwrap.js';

/** The plugin API this core provides. A plugin declares the one it targets. */
export const PLUGIN_API_VERSION = 1;

export interface TfwrapPlugin<Options = unknown> {
  /** The package name, or another stable name; used in errors and `tfwrap plugins list`. */
  name: string;
  /** The plugin API version the plugin was written for. */
  apiVersion: number;
  /** Register identity kinds and tap hooks. */
  apply(tfwrap: Tfwrap, options: Options): void | Promise<void>;
  /**
   * CLI commands the plugin adds. The CLI registers a built-in plugin's commands from its light
   * `commands` entry, without importing the plugin (docs/plugins.md).
   */
  commands?: readonly CommandDefinition[];
}

/** A plugin as the configuration names it. */
export interface PluginRequest {
  /** As written: `foo`, `@acme/tfwrap-plugin-x`, `./plugins/mine.js`. */
  specifier: string;
  options?: unknown;
  /** The configuration file that asked for it, or `built-in`. */
  requestedBy: string;
  location?: SourceLocation;
  /** Built-in plugins come with their own loader. */
  load?: () => Promise<unknown>;
  /**
   * What the plugin declares it provides, so core can leave it unimported when the configuration
   * uses none of it: identity kinds, and top-level configuration keys that switch it on. Built-in
   * plugins declare them in the CLI's preset; packages in package.json (`"tfwrap": {"kinds": [...],
   * "configKeys": [...]}`). A plugin that declares nothing is always applied.
   */
  kinds?: readonly string[];
  configKeys?: readonly string[];
  /** The module file, once resolved. */
  resolved?: string;
}

export interface LoadedPlugin {
  plugin: TfwrapPlugin;
  request: PluginRequest;
  /** Where the module was found. */
  resolved: string;
}

export function pluginRequestsFrom(entries: readonly PluginEntry[], requestedBy: string): PluginRequest[] {
  return entries.map((entry) => {
    if (typeof entry === 'string') return { specifier: entry, requestedBy };
    if (Array.isArray(entry)) return { specifier: entry[0], options: entry[1], requestedBy };
    return { specifier: entry.plugin, options: entry.options, requestedBy };
  });
}

/** Package names tried for a short name, in order. */
export function candidateNames(specifier: string): string[] {
  if (specifier.startsWith('@')) {
    const [scope, name] = specifier.split('/', 2) as [string, string | undefined];
    if (scope === '@tfwrap' || !name) return name ? [specifier] : [`${scope}/tfwrap-plugin`];
    return name.startsWith('tfwrap-plugin') ? [specifier] : [`${scope}/tfwrap-plugin-${name}`, specifier];
  }
  if (specifier.startsWith('tfwrap-plugin-')) return [specifier];
  return [`tfwrap-plugin-${specifier}`, `@tfwrap/plugin-${specifier}`, specifier];
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}

/** Resolve a plugin request to a file, relative to the directory of the file that named it. */
export function resolvePlugin(request: PluginRequest, baseDir: string): string {
  if (isPathSpecifier(request.specifier)) {
    const file = resolve(baseDir, request.specifier);
    if (!existsSync(file)) {
      throw new TfwrapError('E_PLUGIN_MISSING', `plugin "${request.specifier}" not found: ${file} does not exist (named in ${request.requestedBy})`, {
        location: request.location,
        hint: 'paths in plugins: are relative to the configuration file',
      });
    }
    return file;
  }
  const require = nodeModule().createRequire(join(baseDir, 'noop.js'));
  const tried = candidateNames(request.specifier);
  for (const name of tried) {
    const found = resolvePackage(require, name, baseDir);
    if (found) return found;
  }
  throw new TfwrapError('E_PLUGIN_MISSING', `plugin "${request.specifier}" is not installed (looked for ${tried.join(', ')} from ${baseDir}; named in ${request.requestedBy})`, {
    location: request.location,
    hint: `install it: npm install --save-dev ${tried[0]}`,
  });
}

function resolvePackage(require: NodeRequire, name: string, baseDir: string): string | undefined {
  try {
    return require.resolve(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND') return undefined;
    // An ESM-only package exports only an `import` condition, which require.resolve cannot see.
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return resolveEsmEntry(name, baseDir);
    throw err;
  }
}

function resolveEsmEntry(name: string, baseDir: string): string | undefined {
  for (let dir = baseDir; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    const manifest = join(pkgDir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const entry = pickImportEntry(pkg.exports) ?? pkg.main ?? 'index.js';
      return join(pkgDir, entry);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function pickImportEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const root = (exports as Record<string, unknown>)['.'] ?? exports;
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object') {
    const conditions = root as Record<string, unknown>;
    for (const key of ['import', 'node', 'default']) {
      const value = conditions[key];
      if (typeof value === 'string') return value;
      const nested = pickImportEntry(value);
      if (nested) return nested;
    }
  }
  return undefined;
}

/** `tfwrap.kinds`/`tfwrap.configKeys` from the package.json of a resolved plugin module, if any. */
export function readDeclarations(resolved: string): Pick<PluginRequest, 'kinds' | 'configKeys'> {
  for (let dir = dirname(resolved); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const declared = (JSON.parse(readFileSync(manifest, 'utf8')) as { tfwrap?: { kinds?: unknown; configKeys?: unknown } }).tfwrap;
      const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined);
      return { kinds: strings(declared?.kinds), configKeys: strings(declared?.configKeys) };
    }
    if (dirname(dir) === dir || dir.endsWith('node_modules')) return {};
  }
}

/** Whether a plugin must be applied for this configuration (see PluginRequest.kinds). */
export function isPluginNeeded(request: Pick<PluginRequest, 'kinds' | 'configKeys'>, usedKinds: ReadonlySet<string>, configKeys: ReadonlySet<string>): boolean {
  if (!request.kinds && !request.configKeys) return true;
  return (request.kinds ?? []).some((kind) => usedKinds.has(kind)) || (request.configKeys ?? []).some((key) => configKeys.has(key));
}

/** Import a plugin module and check its shape and API version. */
export async function loadPlugin(request: PluginRequest, baseDir: string): Promise<LoadedPlugin> {
  const resolved = request.load ? request.specifier : (request.resolved ?? resolvePlugin(request, baseDir));
  let mod: unknown;
  try {
    mod = request.load ? await request.load() : await import(pathToFileURL(resolved).href);
  } catch (err) {
    throw new TfwrapError('E_PLUGIN_LOAD', `plugin "${request.specifier}" failed to load: ${messageOf(err)} (named in ${request.requestedBy})`, {
      location: request.location,
      plugin: request.specifier,
      hint: 'reinstall it, or run with --debug',
      cause: err,
    });
  }
  const plugin = (mod as { default?: unknown }).default ?? mod;
  if (!isPlugin(plugin)) {
    throw new TfwrapError('E_PLUGIN_INVALID', `plugin "${request.specifier}" does not export a tfwrap plugin (named in ${request.requestedBy})`, {
      location: request.location,
      plugin: request.specifier,
      hint: 'the default export must be an object with name, apiVersion and apply(tfwrap, options); see docs/plugins.md',
    });
  }
  if (plugin.apiVersion !== PLUGIN_API_VERSION) {
    throw new TfwrapError('E_PLUGIN_API_VERSION', `plugin "${plugin.name}" targets plugin API ${String(plugin.apiVersion)}, but this tfwrap provides API ${PLUGIN_API_VERSION} (named in ${request.requestedBy})`, {
      location: request.location,
      plugin: plugin.name,
      hint: plugin.apiVersion > PLUGIN_API_VERSION ? 'upgrade tfwrap' : `upgrade the plugin to one built for API ${PLUGIN_API_VERSION}`,
    });
  }
  return { plugin, request, resolved };
}

function isPlugin(value: unknown): value is TfwrapPlugin {
  if (!value || typeof value !== 'object') return false;
  const candidate = value as Partial<TfwrapPlugin>;
  return typeof candidate.name === 'string' && typeof candidate.apply === 'function' && 'apiVersion' in candidate;
}
