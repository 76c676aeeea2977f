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
import { defaultTemplatesSettings, hasTemplate, render, type TemplatesSettings } from './templates.js';

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
  /** `stacks.name_template`: a Go template over the stack's sections (`{{ .vars.stage }}`). */
  nameTemplate?: string;
  /** `templates.settings` (Go templates in stack manifests). */
  templates: TemplatesSettings;
  /** `settings.list_merge_strategy`: how a later list meets an earlier one (default replace). */
  listMergeStrategy: ListMergeStrategy;
  /** `components.terraform.workspaces_enabled` (default true); false: every component in `default`. */
  workspacesEnabled: boolean;
  /** `stacks.inherit.metadata` (default true, as in Atmos): a component's metadata includes its bases'. */
  inheritMetadata: boolean;
  /** atmos.yaml's `integrations.github`: under every component's `settings.integrations.github`, as in Atmos. */
  githubIntegration?: Record<string, unknown>;
  /** atmos.yaml's `integrations.atlantis.project_templates`: what `settings.atlantis.project_template_name` names. */
  atlantisProjectTemplates?: Record<string, unknown>;
  /**
   * `stacks.imports_outside_repo`: what an import reaching outside the repository (an absolute
   * path, or `../` past its top) is. `warn` (default): a `tfwrap validate` warning; `deny`: an error.
   */
  importsOutsideRepo: 'warn' | 'deny';
  /**
   * `components.terraform.command` (default `terraform`; a path is made absolute against the
   * configuration's directory): the first of the places a component's command comes from (stack.ts).
   */
  terraformCommand: string;
}

const listMergeStrategies = ['replace', 'append', 'merge'] as const;
export type ListMergeStrategy = (typeof listMergeStrategies)[number];

export const defaultStacksBasePath = 'stacks';
export const defaultComponentsBasePath = 'components/terraform';
export const defaultIncludedPaths: readonly string[] = ['**/*'];
export const defaultExcludedPaths: readonly string[] = [];
/** What runs a component that no configuration names a command for (Atmos: the component type). */
export const defaultTerraformCommand = 'terraform';

/** `components.terraform.command` as tfwrap runs it; E_CONFIG_INVALID when it is not text. */
export function terraformCommandFrom(configDir: string, projectConfig: unknown, configFile?: string): string {
  const components = isMapping(projectConfig) ? projectConfig.components : undefined;
  const terraform = isMapping(components) ? components.terraform : undefined;
  const command = isMapping(terraform) ? terraform.command : undefined;
  if (command === undefined || command === null) return defaultTerraformCommand;
  if (typeof command !== 'string' || command.trim() === '') {
    throw new TfwrapError('E_CONFIG_INVALID', 'components.terraform.command must be a command name or path', {
      configPath: ['components', 'terraform', 'command'],
      location: configFile === undefined ? undefined : { file: configFile },
      hint: 'for example command: terraform (or tofu)',
    });
  }
  return command.includes('/') || command.includes('\\') ? path.resolve(configDir, command) : command;
}

export interface StacksSettingsOptions {
  /** The configuration file, named in error messages. */
  configFile?: string;
  /** Where `ATMOS_EDITION` is read (default: the process's environment). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Settings from the project configuration object, with defaults for what is missing. A value of the
 * wrong type is an E_CONFIG_INVALID error naming its key.
 */
export function stacksSettingsFrom(rootDir: string, projectConfig: unknown, options: StacksSettingsOptions = {}): StacksSettings {
  const invalid = (key: string, expected: string, example?: string): TfwrapError =>
    new TfwrapError('E_CONFIG_INVALID', `${key} must be ${expected}`, {
      configPath: key === 'the project configuration' ? [] : key.split('.'),
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
  // Atmos: ATMOS_EDITION wins over atmos.yaml's edition (pkg/config/edition.go).
  const editionVariable = (options.env ?? process.env).ATMOS_EDITION?.trim();
  const edition = editionVariable
    ? editionOf(editionVariable, () => new TfwrapError('E_CONFIG_INVALID', `ATMOS_EDITION must be a date anchor: "YYYY", "YYYY-MM" or "YYYY-MM-DD", not ${JSON.stringify(editionVariable)}`, {
      hint: 'for example ATMOS_EDITION=2026-01, or unset it to use edition: in atmos.yaml',
    }))
    : editionOf(config.edition, invalid);
  const inherit = stacks.inherit ?? {};
  if (!isMapping(inherit)) throw invalid('stacks.inherit', 'a mapping', 'stacks.inherit: { metadata: true }');
  const nameTemplate = optionalString(stacks.name_template, 'stacks.name_template', '{{ .vars.stage }}');
  const templates = templatesSettingsFrom(config.templates, invalid);

  const integrations = config.integrations ?? {};
  if (!isMapping(integrations)) throw invalid('integrations', 'a mapping', 'integrations: { github: { gitops: { ... } } }');
  const githubIntegration = integrations.github ?? undefined;
  if (githubIntegration !== undefined && !isMapping(githubIntegration)) throw invalid('integrations.github', 'a mapping', 'integrations: { github: { gitops: { ... } } }');
  const atlantis = integrations.atlantis ?? {};
  const atlantisProjectTemplates = isMapping(atlantis) && isMapping(atlantis.project_templates) ? atlantis.project_templates : undefined;

  // `base_path` (Atmos) is the root the other paths hang from; relative to the configuration file.
  const root = path.resolve(rootDir, stringAt(config.base_path, 'base_path', '.'));
  return {
    rootDir: root,
    namePattern: optionalString(stacks.name_pattern, 'stacks.name_pattern', '{tenant}-{environment}-{stage}'),
    nameTemplate,
    templates,
    listMergeStrategy: strategy as ListMergeStrategy,
    stacksBasePath: path.resolve(root, stringAt(stacks.base_path, 'stacks.base_path', defaultStacksBasePath)),
    includedPaths: globsAt(stacks.included_paths, 'stacks.included_paths', defaultIncludedPaths),
    excludedPaths: globsAt(stacks.excluded_paths, 'stacks.excluded_paths', defaultExcludedPaths),
    componentsBasePath: path.resolve(
      root,
      stringAt(terraform.base_path, 'components.terraform.base_path', defaultComponentsBasePath),
    ),
    workspacesEnabled: booleanAt(terraform.workspaces_enabled, 'components.terraform.workspaces_enabled', true),
    inheritMetadata: booleanAt(inherit.metadata, 'stacks.inherit.metadata', edition === undefined || edition >= METADATA_INHERITED_SINCE),
    importsOutsideRepo: choiceAt(stacks.imports_outside_repo, 'stacks.imports_outside_repo', ['warn', 'deny'] as const, 'warn'),
    terraformCommand: terraformCommandFrom(rootDir, config, options.configFile),
    ...(githubIntegration && Object.keys(githubIntegration).length > 0 ? { githubIntegration } : {}),
    ...(atlantisProjectTemplates ? { atlantisProjectTemplates } : {}),
  };
}

/** The Atmos edition in which `stacks.inherit.metadata` became true: a project pinned before it keeps it false. */
const METADATA_INHERITED_SINCE = '2025-12-06';

/**
 * Atmos's `edition`: a date anchor for defaults, `"YYYY"`, `"YYYY-MM"` or `"YYYY-MM-DD"`, rounded to
 * the end of the period it names (`"2025-09"` is 2025-09-30), as `YYYY-MM-DD`; undefined when unset.
 */
function editionOf(value: unknown, invalid: (key: string, expected: string, example?: string) => TfwrapError): string | undefined {
  if (value === undefined || value === null) return undefined;
  // Unquoted in YAML, `2026` is a number and `2025-09-01` a date.
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(typeof value === 'number' || typeof value === 'string' ? String(value).trim() : '');
  const [year, month, day] = [Number(match?.[1]), Number(match?.[2] ?? 12), match?.[3] === undefined ? undefined : Number(match[3])];
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!match || month < 1 || month > 12 || (day !== undefined && (day < 1 || day > lastDay))) {
    throw invalid('edition', 'a date anchor: "YYYY", "YYYY-MM" or "YYYY-MM-DD"', 'edition: "2026-01"');
  }
  return `${match[1]}-${String(month).padStart(2, '0')}-${String(day ?? lastDay).padStart(2, '0')}`;
}

/** Globs match paths relative to the stacks directory: `./dev/*` means `dev/*`. */
function normalizeGlob(glob: string): string {
  return glob.trim().replace(/^(\.\/)+/, '');
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `templates.settings` of atmos.yaml: `enabled`, `evaluations`, `ignore_missing_template_values`,
 * `delimiters`, `sprig.enabled`, `gomplate.enabled` (Atmos's defaults with an atmos.yaml: all off).
 */
function templatesSettingsFrom(value: unknown, invalid: (key: string, expected: string, example?: string) => TfwrapError): TemplatesSettings {
  if (value === undefined || value === null) return defaultTemplatesSettings;
  if (!isMapping(value)) throw invalid('templates', 'a mapping', 'templates: { settings: { enabled: true } }');
  const settings = value.settings ?? {};
  if (!isMapping(settings)) throw invalid('templates.settings', 'a mapping', 'templates: { settings: { enabled: true } }');
  const flag = (raw: unknown, key: string): boolean => {
    if (raw === undefined || raw === null) return false;
    if (typeof raw !== 'boolean') throw invalid(key, 'true or false', `${key}: true`);
    return raw;
  };
  const enabledOf = (raw: unknown, key: string): boolean => {
    if (raw === undefined || raw === null) return false;
    if (!isMapping(raw)) throw invalid(key, 'a mapping', `${key}: { enabled: true }`);
    return flag(raw.enabled, `${key}.enabled`);
  };
  const evaluations = settings.evaluations ?? 1;
  if (typeof evaluations !== 'number' || !Number.isInteger(evaluations) || evaluations < 0 || evaluations > 100) {
    throw invalid('templates.settings.evaluations', 'a whole number from 0 to 100', 'templates.settings.evaluations: 2');
  }
  let delimiters: [string, string] = ['{{', '}}'];
  if (settings.delimiters !== undefined && settings.delimiters !== null) {
    const d = settings.delimiters;
    if (!Array.isArray(d) || d.length !== 2 || !d.every((x) => typeof x === 'string' && x !== '')) {
      throw invalid('templates.settings.delimiters', 'two non-empty strings, the left and right delimiter', 'templates.settings.delimiters: ["{{", "}}"]');
    }
    delimiters = [d[0], d[1]];
  }
  return {
    enabled: flag(settings.enabled, 'templates.settings.enabled'),
    evaluations: evaluations === 0 ? 1 : evaluations, // Atmos: lo.Coalesce(evaluations, 1)
    ignoreMissingTemplateValues: flag(settings.ignore_missing_template_values, 'templates.settings.ignore_missing_template_values'),
    delimiters,
    sprig: enabledOf(settings.sprig, 'templates.settings.sprig'),
    gomplate: enabledOf(settings.gomplate, 'templates.settings.gomplate'),
    ...(settings.env === undefined || settings.env === null ? {} : { env: templateEnvOf(settings.env, 'templates.settings.env', invalid) }),
  };
}

/** `templates.settings.env`: variables set while templates render (their `env` function reads them). */
function templateEnvOf(value: unknown, key: string, invalid: (key: string, expected: string, example?: string) => TfwrapError): Record<string, string> {
  if (!isMapping(value)) throw invalid(key, 'a mapping of variable names to values', `${key}: { AWS_PROFILE: dev }`);
  const env: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') throw invalid(`${key}.${name}`, 'a string, number or boolean', `${key}: { ${name}: value }`);
    env[name] = String(item);
  }
  return env;
}

/**
 * A stack's name from `stacks.name_template`, rendered as Atmos's ProcessTmpl renders it (Sprig
 * functions; not gated by templates.settings.enabled) over `context` (`{ vars, settings, env }`).
 * A missing value is an error in Atmos (`missingkey=error`, unless
 * templates.settings.ignore_missing_template_values): the stack keeps its file name, undefined here.
 */
export function nameFromTemplate(template: string, context: Record<string, unknown>, templates: TemplatesSettings = defaultTemplatesSettings): string | undefined {
  if (!hasTemplate(template, ['{{', '}}'])) return template === '' ? undefined : template;
  let name: string;
  try {
    name = render(template, context, {
      name: 'name-template', missingKey: templates.ignoreMissingTemplateValues ? 'default' : 'error', delimiters: ['{{', '}}'], sprig: true,
      where: { what: 'stacks.name_template' },
    });
  } catch (err) {
    if (err instanceof TfwrapError && err.code === 'E_STACK_INVALID' && /map has no entry|nil pointer/.test(err.message)) return undefined;
    throw err;
  }
  return name === '' ? undefined : name;
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
