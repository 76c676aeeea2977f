/**
 * Opening the stores under `stores:` for a run: once per (run, name), shared by the `!store`
 * functions (deferred-values.ts) and the store hooks after an apply (store-hooks.ts), so a value
 * a hook writes is what a later read of the same run sees.
 */
import { TfwrapError, locate, type Env, type Run, type Store } from '@tfwrap/core';
import { yamlFileStore } from './file-store.js';

export interface OpenedStore {
  store: Store;
  /** The store's type, for messages. */
  type: string;
  /** `secret: true`: `!store` may not read it (Atmos's rule; only its `!secret` may). */
  secret: boolean;
}

const opened = new WeakMap<Run, Map<string, Promise<OpenedStore>>>();

/**
 * The store named `name`, opened with its `identity:`. `missing` makes the error for a name that
 * is not under `stores:` (the caller knows where it was named).
 */
export function openStore(run: Run, name: string, missing: (known: string[]) => TfwrapError): Promise<OpenedStore> {
  let stores = opened.get(run);
  if (!stores) {
    stores = new Map();
    opened.set(run, stores);
  }
  let store = stores.get(name);
  if (!store) {
    store = open(run, name, missing);
    stores.set(name, store);
  }
  return store;
}

async function open(run: Run, name: string, missing: (known: string[]) => TfwrapError): Promise<OpenedStore> {
  const tfwrap = run.tfwrap;
  const stores = (tfwrap.config.stores ?? {}) as Record<string, unknown>;
  const config = stores[name];
  if (!config || typeof config !== 'object') throw missing(Object.keys(stores));
  // Atmos now spells the type `kind:` (`aws/ssm`); `type:` stays its legacy spelling.
  const { type: legacyType, kind, options = {}, identity, secret = false } = config as { type?: unknown; kind?: unknown; options?: unknown; identity?: unknown; secret?: unknown };
  const type = kind ?? legacyType;
  const where = await locate(tfwrap.configFile, ['stores', name]);
  if (typeof type !== 'string') throw new TfwrapError('E_CONFIG_INVALID', `stores.${name} needs a type`, { location: where, hint: `types: ${storeTypeNames(run).join(', ')}` });
  if (type === yamlFileStore.type && !tfwrap.storeTypes.get(type)) tfwrap.storeTypes.register(yamlFileStore);
  let definition = tfwrap.storeTypes.get(type);
  if (!definition) {
    // Store types of built-in plugins (aws-ssm-parameter-store) are applied only when needed.
    await tfwrap.applyAllPlugins();
    definition = tfwrap.storeTypes.get(type);
  }
  if (!definition) {
    throw new TfwrapError('E_CONFIG_INVALID', `stores.${name}: unknown store type "${type}"`, { location: where, hint: `known types: ${storeTypeNames(run).join(', ')}; a plugin under plugins: may add more (docs/plugins.md)` });
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TfwrapError('E_CONFIG_INVALID', `stores.${name}.options must be a mapping`, { location: where });
  if (identity !== undefined && typeof identity !== 'string') throw new TfwrapError('E_CONFIG_INVALID', `stores.${name}.identity must be an identity name`, { location: where });
  if (typeof secret !== 'boolean') throw new TfwrapError('E_CONFIG_INVALID', `stores.${name}.secret must be true or false`, { location: where });
  // As Atmos: a secret store must encrypt at rest; a type that cannot is refused before it is used.
  if (secret && !definition.secrets) {
    await tfwrap.applyAllPlugins(); // for the hint: the types that can be secret, built-in plugins' too
    throw new TfwrapError('E_CONFIG_INVALID', `stores.${name}: a store of type ${type} cannot be secret: true, it does not encrypt values at rest`, {
      location: where, hint: `use a type that does (${secretTypeNames(run).join(', ') || 'none is loaded'}), or remove secret: true`,
    });
  }
  let env: Promise<Env> | undefined;
  const context = {
    name,
    secret,
    configDir: tfwrap.loaded.dir,
    log: tfwrap.log,
    env: () => (env ??= (async () => {
      const auth = identity ? await run.authenticate(identity).then((result) => run.ensureRemainingLifetime(result)) : undefined;
      return run.prepareEnv(auth, {});
    })()),
  };
  try {
    return { store: await definition.open(options as Record<string, unknown>, context), type, secret };
  } catch (err) {
    if (err instanceof TfwrapError) throw err.location ? err : new TfwrapError(err.code, `stores.${name}: ${err.message}`, { location: where, hint: err.hint, plugin: definition.plugin });
    throw new TfwrapError('E_CONFIG_INVALID', `stores.${name}: ${err instanceof Error ? err.message : String(err)}`, { location: where, plugin: definition.plugin });
  }
}

function secretTypeNames(run: Run): string[] {
  return run.tfwrap.storeTypes.names().filter((type) => run.tfwrap.storeTypes.get(type)?.secrets === true);
}

function storeTypeNames(run: Run): string[] {
  return [...new Set([yamlFileStore.type, ...run.tfwrap.storeTypes.names()])].sort();
}
