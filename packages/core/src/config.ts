/**
 * Finding and reading the configuration: cosmiconfig (module name `tfwrap`) searching upward from
 * the working directory, `--config`/`TFWRAP_CONFIG` to name a file, and an Atmos `atmos.yaml` as a
 * fallback whose `auth:` section is used as it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import * as v from 'valibot';
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

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    // cosmiconfig 9 searches only the cwd unless told otherwise; walk up like git does.
    searchStrategy: 'global',
    loaders: { '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader },
    cache: false,
  });

  let found: { filepath: string; config: unknown } | null;
  if (options.explicitPath) {
    const file = resolve(options.cwd, options.explicitPath);
    if (!existsSync(file)) {
      throw new TfwrapError('E_CONFIG_NOT_FOUND', `configuration file ${file} does not exist`, {
        hint: 'check --config or TFWRAP_CONFIG',
      });
    }
    found = await loadFile(() => explorer.load(file), file);
  } else {
    found = await loadFile(() => explorer.search(options.cwd), options.cwd);
  }

  if (found) return validate(found.filepath, found.config ?? {}, 'tfwrap');

  const atmos = findUpward(options.cwd, 'atmos.yaml');
  if (atmos) {
    const raw = parseYaml(readFileSync(atmos, 'utf8'), atmos);
    const auth = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).auth : undefined;
    return validate(atmos, auth === undefined ? {} : { auth }, 'atmos');
  }
  return { dir: options.cwd, source: 'none', config: {} };
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
      result.issues.map(async (issue) => {
        const path = issuePath(issue);
        return new TfwrapError('E_CONFIG_INVALID', `${path.length ? path.join('.') : 'configuration'}: ${issue.message}`, {
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
