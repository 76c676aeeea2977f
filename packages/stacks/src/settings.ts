/**
 * Where stacks and components live, taken from the project configuration (`tfwrap.yaml`):
 *
 *   components: { terraform: { base_path: components/terraform } }
 *   stacks: { base_path: stacks, included_paths: ["**\/*"], excluded_paths: [] }
 *
 * The configuration file is parsed elsewhere; this module validates only the keys it uses.
 */
import path from 'node:path';
import { TfwrapError } from '@tfwrap/core';

export interface StacksSettings {
  /** The project root; relative base paths are resolved against it. Absolute. */
  rootDir: string;
  /** Absolute directory of the stack manifests; imports are relative to it. */
  stacksBasePath: string;
  /** Globs (relative to stacksBasePath) of the manifests that are stacks. */
  includedPaths: string[];
  /** Globs of manifests that are never stacks (catalogs, mixins); they can still be imported. */
  excludedPaths: string[];
  /** Absolute directory holding one directory per Terraform component. */
  componentsBasePath: string;
  /** `components.terraform.workspaces_enabled` (default true); false: every component in `default`. */
  workspacesEnabled: boolean;
  /**
   * `stacks.imports_outside_repo`: what an import reaching outside the repository (an absolute
   * path, or `../` past its top) is. `warn` (default): a `tfwrap validate` warning; `deny`: an error.
   */
  importsOutsideRepo: 'warn' | 'deny';
}

export const defaultStacksBasePath = 'stacks';
export const defaultComponentsBasePath = 'components/terraform';
export const defaultIncludedPaths: readonly string[] = ['**/*'];
export const defaultExcludedPaths: readonly string[] = [];

export interface StacksSettingsOptions {
  /** The configuration file, named in error messages. */
  configFile?: string;
}

/**
 * Settings from the project configuration object, with defaults for what is missing. A value of the
 * wrong type is an E_CONFIG_INVALID error naming its key.
 */
export function stacksSettingsFrom(rootDir: string, projectConfig: unknown, options: StacksSettingsOptions = {}): StacksSettings {
  const invalid = (key: string, expected: string, example?: string): TfwrapError =>
    new TfwrapError('E_CONFIG_INVALID', `${key} must be ${expected}`, {
      location: options.configFile === undefined ? undefined : { file: options.configFile },
      hint: example === undefined ? undefined : `for example ${example}`,
    });

  const config = projectConfig ?? {};
  if (!isMapping(config)) throw invalid('the project configuration', 'a mapping');
  const stacks = config.stacks ?? {};
  if (!isMapping(stacks)) throw invalid('stacks', 'a mapping');
  const components = config.components ?? {};
  if (!isMapping(components)) throw invalid('components', 'a mapping');
  const terraform = components.terraform ?? {};
  if (!isMapping(terraform)) throw invalid('components.terraform', 'a mapping');

  const stringAt = (value: unknown, key: string, fallback: string): string => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || value.trim() === '') throw invalid(key, 'a non-empty string (a directory)', `${key}: ${fallback}`);
    return value;
  };
  const globsAt = (value: unknown, key: string, fallback: readonly string[]): string[] => {
    if (value === undefined || value === null) return [...fallback];
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && entry.trim() !== '')) {
      throw invalid(key, 'a list of glob strings', `${key}: ["**/*"]`);
    }
    return value.map(normalizeGlob);
  };

  const booleanAt = (value: unknown, key: string, fallback: boolean): boolean => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw invalid(key, 'true or false', `${key}: ${fallback}`);
    return value;
  };
  const choiceAt = <const T extends string>(value: unknown, key: string, choices: readonly T[], fallback: T): T => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) throw invalid(key, `one of ${choices.join(', ')}`, `${key}: ${fallback}`);
    return value as T;
  };

  const root = path.resolve(rootDir);
  return {
    rootDir: root,
    stacksBasePath: path.resolve(root, stringAt(stacks.base_path, 'stacks.base_path', defaultStacksBasePath)),
    includedPaths: globsAt(stacks.included_paths, 'stacks.included_paths', defaultIncludedPaths),
    excludedPaths: globsAt(stacks.excluded_paths, 'stacks.excluded_paths', defaultExcludedPaths),
    componentsBasePath: path.resolve(
      root,
      stringAt(terraform.base_path, 'components.terraform.base_path', defaultComponentsBasePath),
    ),
    workspacesEnabled: booleanAt(terraform.workspaces_enabled, 'components.terraform.workspaces_enabled', true),
    importsOutsideRepo: choiceAt(stacks.imports_outside_repo, 'stacks.imports_outside_repo', ['warn', 'deny'] as const, 'warn'),
  };
}

/** Globs match paths relative to the stacks directory: `./dev/*` means `dev/*`. */
function normalizeGlob(glob: string): string {
  return glob.trim().replace(/^(\.\/)+/, '');
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
