/**
 * @tfwrap/plugin-kit: what a plugin author needs to write a tfwrap plugin in a few lines.
 *
 *   import { definePlugin, defineIdentityKind, identitySchema, v } from '@tfwrap/plugin-kit';
 *
 *   const kind = defineIdentityKind({
 *     kind: 'acme/vault',
 *     description: 'AWS credentials from Acme Vault',
 *     schema: identitySchema({ kind: 'acme/vault', principal: { role: v.string() } }),
 *     produces: ['aws'],
 *     load: async () => (await import('./vault.js')).vault,
 *   });
 *   export default definePlugin({ name: 'tfwrap-plugin-acme-vault', kinds: [kind] });
 *
 * The conformance suite is a separate entry, `@tfwrap/plugin-kit/conformance`, so that a plugin's
 * run-time code never loads test code.
 */
import * as v from 'valibot';
import type {
  AuthenticateContext,
  Credentials,
  Env,
  IdentityConfig,
  IdentityKindDefinition,
  Logger,
  PrepareEnvContext,
  Principal,
  Tfwrap,
  TfwrapHooks,
  TfwrapPlugin,
  ViaRule,
} from '@tfwrap/core';
import { TfwrapError } from '@tfwrap/core';

export { v };
export { TfwrapError, ensurePrivateDir } from '@tfwrap/core';
export type {
  AuthenticateContext,
  AuthResult,
  AuthStep,
  Credentials,
  Env,
  ExecRequest,
  ExecResult,
  HookName,
  IdentityConfig,
  IdentityKindDefinition,
  IdentityKindImplementation,
  Logger,
  PrepareEnvContext,
  Principal,
  RunRequest,
  Tfwrap,
  TfwrapHooks,
  TfwrapPlugin,
  ViaRule,
} from '@tfwrap/core';

/**
 * The plugin API this kit describes. A plugin made with `definePlugin` targets it unless it says
 * otherwise; tfwrap refuses a plugin whose API version differs from its own, naming both.
 */
export const KIT_API_VERSION = 1;

/** An identity kind's implementation, with `ctx.config` typed as the kind's configuration. */
export interface KindImplementation<Config> {
  authenticate(ctx: Omit<AuthenticateContext, 'config'> & { config: Config }): Promise<Credentials | undefined>;
  prepareEnv(env: Env, ctx: Omit<PrepareEnvContext, 'config'> & { config: Config }): Env | Promise<Env>;
  whoami?(credentials: Credentials | undefined, ctx: { identity: string; config: Config; parentEnv: Readonly<Env>; signal: AbortSignal }): Promise<Principal>;
}

export interface IdentityKindSpec<Schema extends v.GenericSchema> {
  /** `vendor/thing`: a slash keeps third-party kinds apart from tfwrap's own. */
  kind: string;
  /** One line for `tfwrap auth list` and `tfwrap plugins list`. */
  description: string;
  /** Validates a whole identity entry; `identitySchema()` builds one with the common fields. */
  schema: Schema;
  via?: ViaRule;
  produces?: readonly string[];
  accepts?: readonly string[];
  timeoutMs?: number;
  /** Import the implementation here, lazily: `load: async () => (await import('./impl.js')).impl`. */
  load(): Promise<KindImplementation<v.InferOutput<Schema>>> | KindImplementation<v.InferOutput<Schema>>;
}

/** An identity kind definition; `ctx.config` in the implementation is typed from the schema. */
export function defineIdentityKind<Schema extends v.GenericSchema>(spec: IdentityKindSpec<Schema>): IdentityKindDefinition {
  if (!/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/.test(spec.kind)) {
    throw new Error(`identity kind name "${spec.kind}" must be lower-case words joined by "-", optionally "vendor/name"`);
  }
  return spec as unknown as IdentityKindDefinition;
}

export interface IdentitySchemaSpec<Principal extends v.ObjectEntries> {
  /** The kind's name; makes `kind` a literal, which JSON Schema output uses to tell kinds apart. */
  kind?: string;
  /** The fields under `principal:`, checked strictly (a misspelt field is an error). */
  principal?: Principal;
  /** `principal:` may be left out (every field in it is optional). Default false. */
  principalOptional?: boolean;
  /** Whether `via:` is accepted. Core checks that it is present when required; default `none`. */
  via?: ViaRule;
  /** Other top-level fields, beside kind/default/description/via/principal. */
  fields?: v.ObjectEntries;
}

/** The configuration an identity entry built by `identitySchema` yields. */
export interface IdentityOf<Principal extends v.ObjectEntries> {
  kind: string;
  default?: boolean;
  description?: string;
  via?: { identity: string };
  principal: v.InferOutput<v.StrictObjectSchema<Principal, undefined>>;
  [field: string]: unknown;
}

const viaSchema = v.strictObject(
  { identity: v.pipe(v.string('via.identity must name another identity'), v.minLength(1, 'via.identity must not be empty')) },
  'via takes only identity: <name>',
);

/**
 * The schema of one identity entry: `kind`, `default`, `description`, `via` (when the kind chains)
 * and `principal` with the given fields. Unknown top-level keys are errors, so a typo such as
 * `principle:` is reported at its line rather than ignored.
 */
export function identitySchema<Principal extends v.ObjectEntries>(spec: IdentitySchemaSpec<Principal> = {}): v.GenericSchema<unknown, IdentityOf<Principal>> {
  const principal = v.strictObject(spec.principal ?? ({} as Principal), 'unknown field');
  const via = spec.via ?? 'none';
  const entries: v.ObjectEntries = {
      kind: spec.kind ? v.literal(spec.kind) : v.string(),
      default: v.optional(v.boolean('default must be true or false')),
      description: v.optional(v.string()),
      ...(via === 'none' ? {} : { via: via === 'required' ? viaSchema : v.optional(viaSchema) }),
      principal: spec.principalOptional ? v.optional(principal) : principal,
      ...(spec.fields ?? {}),
  };
  return v.strictObject(entries, 'unknown field') as unknown as v.GenericSchema<unknown, IdentityOf<Principal>>;
}

/** Hook taps by hook name, each given the plugin's options and the Tfwrap object. */
export type HookTaps<Options> = {
  [H in keyof TfwrapHooks]?: (options: Options, tfwrap: Tfwrap) => Parameters<TfwrapHooks[H]['tapPromise']>[1];
};

export interface PluginSpec<OptionsSchema extends v.GenericSchema | undefined = undefined> {
  /** The package name, as users write it in `plugins:`. */
  name: string;
  /** Defaults to KIT_API_VERSION. */
  apiVersion?: number;
  /** Options as written in `plugins: [[name, options]]`; problems name the plugin. */
  options?: OptionsSchema;
  /** Identity kinds to register. */
  kinds?: readonly IdentityKindDefinition[];
  /** Taps, registered with `tapPromise` under the plugin's name: `afterExec: (options) => async (result) => {...}`. */
  hooks?: HookTaps<OptionsOf<OptionsSchema>>;
  /** Anything else, after kinds and hooks are registered. */
  apply?(tfwrap: Tfwrap, options: OptionsOf<OptionsSchema>): void | Promise<void>;
}

type OptionsOf<S> = S extends v.GenericSchema ? v.InferOutput<S> : undefined;

/** A plugin object tfwrap can load: name, apiVersion and an `apply` that does what the spec says. */
export function definePlugin<OptionsSchema extends v.GenericSchema | undefined = undefined>(spec: PluginSpec<OptionsSchema>): TfwrapPlugin<unknown> {
  return {
    name: spec.name,
    apiVersion: spec.apiVersion ?? KIT_API_VERSION,
    async apply(tfwrap, rawOptions) {
      const options = parseOptions(spec.name, spec.options, rawOptions) as OptionsOf<OptionsSchema>;
      for (const kind of spec.kinds ?? []) tfwrap.identityKinds.register(kind);
      for (const [hook, make] of Object.entries(spec.hooks ?? {}) as Array<[keyof TfwrapHooks, (o: unknown, t: Tfwrap) => (...args: never[]) => Promise<unknown>]>) {
        const tap = tfwrap.hooks[hook] as unknown as { tapPromise(name: string, fn: unknown): void };
        tap.tapPromise(spec.name, make(options, tfwrap));
      }
      await spec.apply?.(tfwrap, options);
    },
  };
}

function parseOptions(plugin: string, schema: v.GenericSchema | undefined, raw: unknown): unknown {
  if (!schema) return raw;
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    return `${path ? `${path}: ` : ''}${issue.message}`;
  });
  throw new TfwrapError('E_CONFIG_INVALID', `plugin "${plugin}" options are invalid: ${problems.join('; ')}`, {
    plugin,
    hint: `see the documentation of ${plugin} for its options`,
  });
}
