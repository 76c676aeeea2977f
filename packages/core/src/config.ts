/**
 * Finding and reading the configuration: cosmiconfig (module name `tfwrap`) searching upward from
 * the working directory, `--config`/`TFWRAP_CONFIG` to name a file, and an Atmos `atmos.yaml`.
 *
 * `atmos.yaml` is project configuration as it is (stacks, components, settings, auth). When a
 * tfwrap configuration file stands in the same directory as an `atmos.yaml`, both are read and
 * merged key by key, the tfwrap file winning: tfwrap-only keys (plugins, hooks, ...) go there and
 * Atmos keeps reading its own file unchanged. See docs/configuration.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as v from 'valibot';
import { AtmosTag, parseAtmosYaml } from './atmos-tags.js';
import { schemaProblems } from './did-you-mean.js';
import { TfwrapError, TfwrapErrors, type SourceLocation } from './errors.js';
import { locateInYaml, parseYaml, type YamlPath } from './yaml.js';

const pluginEntry = v.union([
  v.pipe(v.string(), v.minLength(1)),
  v.tuple([v.pipe(v.string(), v.minLength(1)), v.unknown()]),
  v.looseObject({ plugin: v.pipe(v.string(), v.minLength(1)), options: v.optional(v.unknown()) }),
]);

const identityEntry = v.looseObject({
  kind: v.pipe(v.string('needs a "kind" (for example ambient or aws/ambient)'), v.minLength(1)),
  default: v.optional(v.boolean()),
  via: v.optional(v.looseObject({ identity: v.optional(v.pipe(v.string(), v.minLength(1))) })),
});

/** The sections core reads. Other sections (components, stacks, ...) belong to other packages. */
export const configSchema = v.looseObject({
  plugins: v.optional(v.array(pluginEntry)),
  auth: v.optional(
    v.looseObject({
      identities: v.optional(v.record(v.string(), identityEntry)),
      session: v.optional(
        v.strictObject({
          refresh_margin: v.optional(v.union([v.string(), v.number()])),
          min_remaining: v.optional(v.union([v.string(), v.number()])),
        }, 'auth.session takes refresh_margin and min_remaining'),
      ),
    }),
  ),
});

export type TfwrapConfig = v.InferOutput<typeof configSchema> & Record<string, unknown>;
export type PluginEntry = v.InferOutput<typeof pluginEntry>;

export interface LoadedConfig {
  /** The file read; undefined when no configuration exists. */
  file?: string;
  /** Relative paths in the configuration resolve from here. */
  dir: string;
  source: 'tfwrap' | 'atmos' | 'none';
  config: TfwrapConfig;
  /** The `atmos.yaml` read (alone, or beside the tfwrap file and merged under it). */
  atmosFile?: string;
}

export interface LoadConfigOptions {
  cwd: string;
  /** `--config`, else `TFWRAP_CONFIG`. */
  explicitPath?: string;
}

const MODULE_NAME = 'tfwrap';
const SEARCH_PLACES = [
  'tfwrap.yaml',
  'tfwrap.yml',
  '.tfwraprc',
  '.tfwraprc.yaml',
  '.tfwraprc.yml',
  '.tfwraprc.json',
  '.tfwraprc.js',
  '.tfwraprc.mjs',
  '.tfwraprc.cjs',
  'tfwrap.config.js',
  'tfwrap.config.mjs',
  'tfwrap.config.cjs',
  'tfwrap.config.ts',
  'package.json',
];

const yamlLoader = (file: string, content: string) => parseYaml(content, file) ?? {};

type Found = { filepath: string; config: unknown } | null;

/** cosmiconfig, imported only when the plain-YAML fast path below cannot answer. */
async function explorer() {
  const { cosmiconfig } = await import('cosmiconfig');
  return cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    // cosmiconfig 9 searches only the cwd unless told otherwise; walk up like git does.
    searchStrategy: 'global',
    loaders: { '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader },
    cache: false,
  });
}

/**
 * A plain YAML file read as cosmiconfig would read it; undefined when only cosmiconfig can say
 * (empty, so that cosmiconfig skips it; `$import`; unreadable).
 */
function plainYaml(filepath: string): Found | undefined {
  let content: string;
  try {
    content = readFileSync(filepath, 'utf8');
  } catch {
    return undefined;
  }
  if (content.trim() === '') return undefined;
  const config = yamlLoader(filepath, content);
  if (config !== null && typeof config === 'object' && Object.hasOwn(config, '$import')) return undefined;
  return { filepath, config };
}

/**
 * cosmiconfig's upward search for the common case, without loading cosmiconfig (86 KB of
 * JavaScript to compile on every start): the same places in the same order, directory by
 * directory up to the home directory (or the root); when the first place that exists is a
 * tfwrap.yaml/tfwrap.yml, it is the answer. null: no configuration anywhere (on Linux, where the
 * global directory cosmiconfig looks in last is known). undefined: any other form (package.json,
 * .tfwraprc, JS/TS configs, ...), left to cosmiconfig.
 */
function searchPlainYaml(cwd: string): Found | undefined {
  const home = resolve(homedir());
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const first = SEARCH_PLACES.find((place) => existsSync(join(dir, place)));
    if (first !== undefined) return first === 'tfwrap.yaml' || first === 'tfwrap.yml' ? plainYaml(join(dir, first)) : undefined;
    if (dir === home || dirname(dir) === dir) break;
  }
  // cosmiconfig's last place: env-paths' configuration directory, $XDG_CONFIG_HOME/tfwrap on Linux.
  if (process.platform !== 'linux') return undefined;
  const globalDir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), MODULE_NAME);
  return existsSync(globalDir) ? undefined : null;
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  let found: Found;
  if (options.explicitPath) {
    const file = resolve(options.cwd, options.explicitPath);
    if (!existsSync(file)) {
      throw new TfwrapError('E_CONFIG_NOT_FOUND', `configuration file ${file} does not exist`, {
        hint: 'check --config or TFWRAP_CONFIG',
      });
    }
    if (file.endsWith('atmos.yaml')) return { ...(await validate(file, readAtmosYaml(file), 'atmos')), atmosFile: file };
    found = await loadFile(async () => (/\.ya?ml$/.test(file) && basename(file, extname(file)) !== 'package' ? plainYaml(file) : undefined) ?? (await explorer()).load(file), file);
  } else {
    found = await loadFile(async () => {
      const plain = searchPlainYaml(options.cwd);
      return plain !== undefined ? plain : (await explorer()).search(options.cwd);
    }, options.cwd);
  }

  if (found) {
    const beside = join(dirname(found.filepath), 'atmos.yaml');
    if (found.filepath !== beside && existsSync(beside)) {
      const merged = mergeConfig(readAtmosYaml(beside), found.config ?? {});
      return { ...(await validate(found.filepath, merged, 'tfwrap')), atmosFile: beside };
    }
    if (found.filepath === beside) return { ...(await validate(beside, readAtmosYaml(beside), 'atmos')), atmosFile: beside };
    return validate(found.filepath, found.config ?? {}, 'tfwrap');
  }

  const atmos = options.explicitPath ? undefined : findUpward(options.cwd, 'atmos.yaml');
  if (atmos) return { ...(await validate(atmos, readAtmosYaml(atmos), 'atmos')), atmosFile: atmos };
  return { dir: options.cwd, source: 'none', config: {} };
}

/**
 * An `atmos.yaml`, with Atmos's YAML functions allowed: `!env` and `!repo-root` are evaluated here
 * (Atmos evaluates them in atmos.yaml too); other functions stay placeholders, which only the
 * keys that use them notice (`tfwrap validate` names them). A tag never breaks loading.
 */
export function readAtmosYaml(file: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const raw = parseAtmosYaml(readFileSync(file, 'utf8'), file) ?? {};
  const evaluated = evaluateConfigTags(raw, dirname(file));
  const config = evaluated && typeof evaluated === 'object' && !Array.isArray(evaluated) ? (evaluated as Record<string, unknown>) : {};
  return withAtmosEnvironment(config, env);
}

/**
 * The `ATMOS_*` variables Atmos reads over its atmos.yaml (pkg/config/utils.go processEnvVars), for
 * the keys tfwrap acts on; a tfwrap file beside atmos.yaml still wins over them.
 */
const atmosVariables: ReadonlyArray<[variable: string, path: string[], kind: 'text' | 'list' | 'bool']> = [
  ['ATMOS_BASE_PATH', ['base_path'], 'text'],
  ['ATMOS_STACKS_BASE_PATH', ['stacks', 'base_path'], 'text'],
  ['ATMOS_STACKS_INCLUDED_PATHS', ['stacks', 'included_paths'], 'list'],
  ['ATMOS_STACKS_EXCLUDED_PATHS', ['stacks', 'excluded_paths'], 'list'],
  ['ATMOS_STACKS_NAME_PATTERN', ['stacks', 'name_pattern'], 'text'],
  ['ATMOS_STACKS_NAME_TEMPLATE', ['stacks', 'name_template'], 'text'],
  ['ATMOS_COMPONENTS_TERRAFORM_COMMAND', ['components', 'terraform', 'command'], 'text'],
  ['ATMOS_COMPONENTS_TERRAFORM_BASE_PATH', ['components', 'terraform', 'base_path'], 'text'],
  ['ATMOS_COMPONENTS_TERRAFORM_APPLY_AUTO_APPROVE', ['components', 'terraform', 'apply_auto_approve'], 'bool'],
  ['ATMOS_COMPONENTS_TERRAFORM_DEPLOY_RUN_INIT', ['components', 'terraform', 'deploy_run_init'], 'bool'],
  ['ATMOS_COMPONENTS_TERRAFORM_INIT_RUN_RECONFIGURE', ['components', 'terraform', 'init_run_reconfigure'], 'bool'],
  ['ATMOS_COMPONENTS_TERRAFORM_AUTO_GENERATE_BACKEND_FILE', ['components', 'terraform', 'auto_generate_backend_file'], 'bool'],
  ['ATMOS_SETTINGS_LIST_MERGE_STRATEGY', ['settings', 'list_merge_strategy'], 'text'],
];

function withAtmosEnvironment(config: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  let result = config;
  for (const [variable, keys, kind] of atmosVariables) {
    const text = env[variable];
    if (!text) continue;
    let value: unknown = text;
    if (kind === 'list') value = text.split(',');
    if (kind === 'bool') {
      // Go's strconv.ParseBool.
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) value = true;
      else if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) value = false;
      else throw new TfwrapError('E_CONFIG_INVALID', `${variable} must be true or false, not ${JSON.stringify(text)}`, { hint: `for example ${variable}=true, or unset it` });
    }
    result = mergeConfig(result, keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value)) as Record<string, unknown>;
  }
  return result;
}

function evaluateConfigTags(value: unknown, dir: string): unknown {
  if (value instanceof AtmosTag) {
    const [name, ...rest] = value.argument.split(/\s+/);
    const fallback = rest.join(' ').replace(/^(["'])(.*)\1$/, '$2');
    if (value.tag === '!env' && name) return process.env[name] ?? fallback;
    if (value.tag === '!repo-root') return findRepoRoot(dir) ?? (value.argument.replace(/^(["'])(.*)\1$/, '$2') || dir);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluateConfigTags(item, dir));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = evaluateConfigTags(item, dir);
    return result;
  }
  return value;
}

/** The directory holding `.git`, from `start` upward. */
export function findRepoRoot(start: string): string | undefined {
  const git = findUpward(start, '.git');
  return git === undefined ? undefined : dirname(git);
}

/** `base` with `over` merged in: mappings key by key, anything else from `over` replacing. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date);
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) result[key] = mergeConfig(base[key], value);
  return result;
}

async function loadFile<T>(load: () => Promise<T>, where: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof TfwrapError) throw err;
    throw new TfwrapError('E_CONFIG_SYNTAX', `cannot read configuration: ${(err as Error).message}`, {
      location: { file: where },
      cause: err,
    });
  }
}

function findUpward(start: string, name: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

async function validate(file: string, raw: unknown, source: 'tfwrap' | 'atmos'): Promise<LoadedConfig> {
  const result = v.safeParse(configSchema, raw);
  if (!result.success) {
    const errors = await Promise.all(
      schemaProblems(configSchema, result.issues).map(async ({ path, message }) => {
        return new TfwrapError('E_CONFIG_INVALID', `${path.length ? path.join('.') : 'configuration'}: ${message}`, {
          configPath: path,
          location: await locate(file, path),
          hint: 'see docs/configuration.md',
        });
      }),
    );
    throw errors.length === 1 ? errors[0]! : new TfwrapErrors(errors);
  }
  return { file, dir: dirname(file), source, config: result.output as TfwrapConfig };
}

/** The key path of a valibot issue: `['auth', 'identities', 'x', 'kind']`. */
export function issuePath(issue: v.BaseIssue<unknown>): YamlPath {
  return (issue.path ?? []).map((item) => item.key as string | number);
}

/** The line of a value in a configuration file; YAML only, other formats give the file. */
export async function locate(file: string | undefined, path: YamlPath): Promise<SourceLocation | undefined> {
  if (!file) return undefined;
  const ext = extname(file);
  if (ext === '.yaml' || ext === '.yml' || file.endsWith('.tfwraprc')) return locateInYaml(file, path);
  return { file };
}
