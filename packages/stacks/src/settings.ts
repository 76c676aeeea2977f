/**
 * Where stacks and components live and how stacks are named, taken from the project configuration
 * (`tfwrap.yaml`, or Atmos's `atmos.yaml`, which uses the same keys):
 *
 *   base_path: .                      # the root the other paths are relative to
 *   components: { terraform: { base_path: components/terraform, workspaces_enabled: true } }
 *   stacks: { base_path: stacks, included_paths: ["**\/*"], excluded_paths: [], name_pattern: "{stage}" }
 *   settings: { list_merge_strategy: replace }
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
  /** `stacks.name_pattern`: `{tenant}-{environment}-{stage}` tokens filled from each stack's vars. */
  namePattern?: string;
  /**
   * `stacks.name_template`, when it is a template tfwrap can evaluate without a template engine
   * (text and `{{ .vars.x }}` lookups); any other template is an E_UNSUPPORTED error at load.
   */
  nameTemplate?: string;
  /** `settings.list_merge_strategy`: how a later list meets an earlier one (default replace). */
  listMergeStrategy: ListMergeStrategy;
  /** `components.terraform.workspaces_enabled` (default true); false: every component in `default`. */
  workspacesEnabled: boolean;
  /**
   * `stacks.imports_outside_repo`: what an import reaching outside the repository (an absolute
   * path, or `../` past its top) is. `warn` (default): a `tfwrap validate` warning; `deny`: an error.
   */
  importsOutsideRepo: 'warn' | 'deny';
}

const listMergeStrategies = ['replace', 'append', 'merge'] as const;
export type ListMergeStrategy = (typeof listMergeStrategies)[number];

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

  const optionalString = (value: unknown, key: string, example: string): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw invalid(key, 'a string', `${key}: "${example}"`);
    return value;
  };
  const settings = config.settings ?? {};
  if (!isMapping(settings)) throw invalid('settings', 'a mapping');
  const strategy = optionalString(settings.list_merge_strategy, 'settings.list_merge_strategy', 'replace') ?? 'replace';
  if (!(listMergeStrategies as readonly string[]).includes(strategy)) {
    throw invalid('settings.list_merge_strategy', `one of ${listMergeStrategies.join(', ')}, not "${strategy}"`, 'settings.list_merge_strategy: replace');
  }
  const nameTemplate = optionalString(stacks.name_template, 'stacks.name_template', '{{ .vars.stage }}');
  if (nameTemplate !== undefined && !isSimpleNameTemplate(nameTemplate)) {
    throw new TfwrapError('E_UNSUPPORTED', `stacks.name_template needs Go template support, which tfwrap does not have yet: ${JSON.stringify(nameTemplate)}`, {
      location: options.configFile === undefined ? undefined : { file: options.configFile },
      hint: 'tfwrap evaluates only text and {{ .vars.<name> }} lookups; use stacks.name_pattern (such as "{tenant}-{environment}-{stage}") or give each stack manifest a name:',
    });
  }

  // `base_path` (Atmos) is the root the other paths hang from; relative to the configuration file.
  const root = path.resolve(rootDir, stringAt(config.base_path, 'base_path', '.'));
  return {
    rootDir: root,
    namePattern: optionalString(stacks.name_pattern, 'stacks.name_pattern', '{tenant}-{environment}-{stage}'),
    nameTemplate,
    listMergeStrategy: strategy as ListMergeStrategy,
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

/** `{{ .vars.stage }}`-style actions: a dotted lookup with optional `-` trimming, nothing else. */
const simpleAction = /\{\{(-?)\s*((?:\.[A-Za-z_][\w-]*)+)\s*(-?)\}\}/g;

/** Whether a name template is text and simple lookups only (see nameFromTemplate). */
function isSimpleNameTemplate(template: string): boolean {
  return !template.replace(simpleAction, '').includes('{{');
}

/**
 * Evaluate a simple name template against `context` (`{ vars, settings, ... }`) the way Go's
 * text/template does for these actions: `{{- x -}}` trims the whitespace beside it; a missing
 * value is undefined here (Atmos errors on it, then names the stack by its file).
 */
export function nameFromTemplate(template: string, context: Record<string, unknown>): string | undefined {
  for (const match of template.matchAll(simpleAction)) {
    const value = lookup(context, match[2] as string);
    if (value === undefined || value === null) return undefined;
  }
  const name = trimTemplate(template, context);
  return name === '' ? undefined : name;
}

function lookup(context: Record<string, unknown>, dotted: string): unknown {
  let value: unknown = context;
  for (const key of dotted.slice(1).split('.')) value = isMapping(value) ? value[key] : undefined;
  return value;
}

function trimTemplate(template: string, context: Record<string, unknown>): string {
  const parts: string[] = [];
  let last = 0;
  let trimNextText = false;
  for (const match of template.matchAll(simpleAction)) {
    let text = template.slice(last, match.index);
    if (trimNextText) text = text.trimStart();
    if (match[1] === '-') text = text.trimEnd();
    parts.push(text);
    const value = lookup(context, match[2] as string);
    parts.push(typeof value === 'object' ? JSON.stringify(value) : String(value));
    trimNextText = match[3] === '-';
    last = (match.index as number) + match[0].length;
  }
  let tail = template.slice(last);
  if (trimNextText) tail = tail.trimStart();
  parts.push(tail);
  return parts.join('');
}

/**
 * A stack's name from `stacks.name_pattern`, as Atmos's GetContextPrefix (pkg/config/utils.go)
 * computes it: the pattern is split on `-`; each part that is exactly `{namespace}`, `{tenant}`,
 * `{environment}` or `{stage}` contributes that var, the others nothing; the contributions are
 * joined with `-`. A token whose var is missing or empty gives undefined (Atmos: an error, and the
 * stack keeps its file name).
 */
export function nameFromPattern(pattern: string, vars: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  for (const part of pattern.split('-')) {
    const token = /^\{(namespace|tenant|environment|stage)\}$/.exec(part)?.[1];
    if (!token) continue;
    const value = vars[token];
    if (typeof value !== 'string' || value === '') return undefined;
    parts.push(value);
  }
  return parts.join('-');
}
