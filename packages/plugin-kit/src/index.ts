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
import type { CommandDefinition, IdentityKindDefinition, IdentityKindImplementation, StoreTypeDefinition, StateReaderDefinition, Tfwrap, TfwrapHooks, TfwrapPlugin, ViaRule } from '@tfwrap/core';
import { TfwrapError, registerErrorCode, type ExitClass } from '@tfwrap/core';

export { v };
export { TfwrapError, checkPrivateDir, ensurePrivateDir, writePrivateFileAtomic } from '@tfwrap/core';
export type {
  AuthenticateContext,
  AuthResult,
  AuthStep,
  CommandContext,
  CommandDefinition,
  CommandHandler,
  CommandOption,
  Credentials,
  Env,
  ExecRequest,
  ExecResult,
  ExitClass,
  FingerprintContext,
  HookName,
  IdentityConfig,
  IdentityKindDefinition,
  IdentityKindImplementation,
  LiveRun,
  Logger,
  LoginContext,
  LoginResult,
  PrepareEnvContext,
  Principal,
  PluginErrorCodes,
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

/**
 * An identity kind's implementation: core's `IdentityKindImplementation`, with `ctx.config` typed
 * as the kind's configuration (authenticate, prepareEnv, whoami, sourceFingerprint, logout, login).
 */
export type KindImplementation<Config> = IdentityKindImplementation<Config>;

/**
 * What `defineIdentityKind` takes: core's `IdentityKindDefinition` (via, produces, accepts,
 * timeoutMs, cache, checkChain, load), with the configuration type derived from `schema` and a
 * description required.
 */
export interface IdentityKindSpec<Schema extends v.GenericSchema> extends Omit<IdentityKindDefinition<v.InferOutput<Schema>>, 'schema' | 'description'> {
  /** `vendor/thing`: a slash keeps third-party kinds apart from tfwrap's own. */
  kind: string;
  /** One line for `tfwrap auth list` and `tfwrap plugins list`. */
  description: string;
  /** Validates a whole identity entry; `identitySchema()` builds one with the common fields. Checks only: no transforms. */
  schema: Schema;
}

/** An identity kind definition; `ctx.config` in the implementation is typed from the schema. */
export function defineIdentityKind<Schema extends v.GenericSchema>(spec: IdentityKindSpec<Schema>): IdentityKindDefinition {
  if (!/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/.test(spec.kind)) {
    throw new Error(`identity kind name "${spec.kind}" must be lower-case words joined by "-", optionally "vendor/name"`);
  }
  return spec;
}

/**
 * A CLI command a plugin adds (`tfwrap auth user configure`): core's `CommandDefinition`. Keep the
 * module that defines it light and import the handler in `load`, so that listing and parsing
 * commands imports nothing heavy.
 */
export function defineCommand(spec: CommandDefinition): CommandDefinition {
  if (spec.name.length === 0 || !spec.name.every((word) => /^[a-z][a-z0-9-]*$/.test(word))) {
    throw new Error(`command name "${spec.name.join(' ')}" must be lower-case words`);
  }
  return spec;
}

/** `principal:` given as its fields (checked strictly), or as a whole schema of its own. */
type PrincipalSpec = v.ObjectEntries | v.GenericSchema;
type PrincipalOf<P extends PrincipalSpec> = P extends v.GenericSchema ? v.InferOutput<P> : P extends v.ObjectEntries ? v.InferOutput<v.StrictObjectSchema<P, undefined>> : never;

export interface IdentitySchemaSpec<Principal extends PrincipalSpec, Optional extends boolean, Fields extends v.ObjectEntries> {
  /** The kind's name; makes `kind` a literal, which JSON Schema output uses to tell kinds apart. */
  kind?: string;
  /**
   * The fields under `principal:`, checked strictly (a misspelt field is an error); or a schema of
   * its own, for a kind whose messages name what it takes (`v.strictObject(fields, message)`).
   */
  principal?: Principal;
  /** `principal:` may be left out (every field in it is optional). Default false. */
  principalOptional?: Optional;
  /** Whether `via:` is accepted. Core checks that it is present when required; default `none`. */
  via?: ViaRule;
  /** Other top-level fields, beside kind/default/description/via/principal. */
  fields?: Fields;
  /** The message for an unknown top-level key (undefined when the entry is not a mapping); default `unknown field`. */
  unknownField?: (key: string | undefined) => string;
}

/** The configuration an identity entry built by `identitySchema` yields. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` as a default: no extra fields
export type IdentityOf<Principal extends PrincipalSpec = v.ObjectEntries, Optional extends boolean = false, Fields extends v.ObjectEntries = {}> = {
  kind: string;
  default?: boolean;
  description?: string;
  via?: { identity: string };
} & (Optional extends true ? { principal?: PrincipalOf<Principal> } : { principal: PrincipalOf<Principal> }) &
  v.InferOutput<v.ObjectSchema<Fields, undefined>>;

const viaSchema = v.strictObject(
  { identity: v.pipe(v.string('via.identity must name another identity'), v.minLength(1, 'via.identity must not be empty')) },
  'via takes only identity: <name>',
);

/**
 * The schema of one identity entry: `kind`, `default`, `description`, `via` (when the kind chains)
 * and `principal` with the given fields. Unknown top-level keys are errors, so a typo such as
 * `principle:` is reported at its line rather than ignored.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` as a default: no principal fields, no extra fields
export function identitySchema<Principal extends PrincipalSpec = {}, Optional extends boolean = false, Fields extends v.ObjectEntries = {}>(
  spec: IdentitySchemaSpec<Principal, Optional, Fields> = {},
): v.GenericSchema<unknown, IdentityOf<Principal, Optional, Fields>> {
  const given = spec.principal ?? {};
  const principal = isSchema(given) ? given : v.strictObject(given, 'unknown field');
  const via = spec.via ?? 'none';
  const entries: v.ObjectEntries = {
    kind: spec.kind ? v.literal(spec.kind) : v.string(),
    default: v.optional(v.boolean('default must be true or false')),
    description: v.optional(v.string()),
    ...(via === 'none' ? {} : { via: via === 'required' ? viaSchema : v.optional(viaSchema) }),
    principal: spec.principalOptional ? v.optional(principal) : principal,
    ...(spec.fields ?? {}),
  };
  // The entries are put together at run time; IdentityOf says what they accept.
  const unknownField = spec.unknownField;
  const message = unknownField ? (issue: v.StrictObjectIssue) => unknownField(lastKey(issue)) : 'unknown field';
  return v.strictObject(entries, message) as unknown as v.GenericSchema<unknown, IdentityOf<Principal, Optional, Fields>>;
}

function lastKey(issue: v.BaseIssue<unknown>): string | undefined {
  const last = issue.path?.[issue.path.length - 1] as { key?: unknown } | undefined;
  return typeof last?.key === 'string' ? last.key : undefined;
}

function isSchema(value: PrincipalSpec): value is v.GenericSchema {
  return (value as { kind?: unknown }).kind === 'schema';
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
  /**
   * Identity kinds to register; a function when they need what the plugin is applied with (the
   * configuration's directory, tfwrap's paths, the options).
   */
  kinds?: readonly IdentityKindDefinition[] | ((tfwrap: Tfwrap, options: OptionsOf<OptionsSchema>) => readonly IdentityKindDefinition[]);
  /** Store types for `!store` (docs/plugins.md, "Store types"); `open` should import heavy clients itself. */
  stores?: readonly StoreTypeDefinition[];
  /** Readers of remote state for `!terraform.state`, by backend type (docs/plugins.md, "State readers"); `read` should import heavy clients itself. */
  stateReaders?: readonly StateReaderDefinition[];
  /** CLI commands the plugin adds (see `defineCommand`). */
  commands?: readonly CommandDefinition[];
  /**
   * The plugin's own error codes and the exit class each ends a run with (`auth` is 3, `config`
   * 2, ...; docs/errors.md). For TypeScript, declare them in core's `PluginErrorCodes` too (docs/plugins.md).
   */
  errorCodes?: Readonly<Record<string, ExitClass>>;
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
    ...(spec.commands ? { commands: spec.commands } : {}),
    async apply(tfwrap, rawOptions) {
      for (const [code, exitClass] of Object.entries(spec.errorCodes ?? {})) registerErrorCode(code, exitClass, spec.name);
      const options = parseOptions(spec.name, spec.options, rawOptions) as OptionsOf<OptionsSchema>;
      const kinds = typeof spec.kinds === 'function' ? spec.kinds(tfwrap, options) : (spec.kinds ?? []);
      for (const kind of kinds) tfwrap.identityKinds.register(kind);
      for (const store of spec.stores ?? []) tfwrap.storeTypes.register(store);
      for (const reader of spec.stateReaders ?? []) tfwrap.stateReaders.register(reader);
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
