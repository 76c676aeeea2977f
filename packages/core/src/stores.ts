/**
 * Store types: where `!store` and `!store.get` read values, and store hooks (`hooks:` entries with
 * `kind: store`) write a component's outputs after an apply (Atmos's `stores:`). Plugins register a
 * type like they register an identity kind; `stores:` in the configuration names instances:
 *
 *   stores:
 *     shared: { type: yaml-file, options: { path: stores/shared.yaml } }
 *
 * Core holds the registry only; tfwrap opens a store the first time a function or hook uses it.
 */
import { TfwrapError } from './errors.js';
import type { Env } from './identity.js';
import type { Logger } from './logger.js';

/**
 * What tfwrap passes with each store call, as a last argument: a store written before it existed
 * (and one that ignores it) still works, only an interrupt then waits for its requests to end.
 */
export interface StoreCallOptions {
  /**
   * Aborted when the run is interrupted (Ctrl-C): pass it to every request (the AWS SDK's
   * `abortSignal`, fetch's `signal`, a lock's wait), so a request that hangs does not hold the run.
   * What the call throws once it is aborted is not shown: the run ends as interrupted.
   */
  signal?: AbortSignal;
}

/**
 * One opened store. `get` reads a component's key (Atmos's Store.Get); `getKey` a key by itself;
 * `set` writes a component's key (Atmos's Store.Set).
 */
export interface Store {
  /** The value, or `undefined` when the store has no such key. Throw for anything else (access denied, ...). */
  get(stack: string, component: string, key: string, options?: StoreCallOptions): Promise<unknown>;
  /** For `!store.get <store> <key>`; a store without it refuses `!store.get`. */
  getKey?(key: string, options?: StoreCallOptions): Promise<unknown>;
  /**
   * For store hooks: write the value (any JSON value, `null` included) under the component's key,
   * replacing what is there; a later `get` of the same store sees it. A read-only store leaves it
   * out, and a store hook naming it is refused. Throw for anything else (access denied, ...).
   */
  set?(stack: string, component: string, key: string, value: unknown, options?: StoreCallOptions): Promise<void>;
}

export interface StoreOpenContext {
  /** The store's name under `stores:`. */
  name: string;
  /** The directory relative paths in the configuration resolve from. */
  configDir: string;
  /**
   * The environment of the store's `identity:` (authenticated for this run, through the identity
   * kind's own preparation), or tfwrap's own environment when it names none. SDK clients built
   * from it use that identity's credentials.
   */
  env(): Promise<Env>;
  log: Logger;
  /**
   * The store is `secret: true` (Atmos): it keeps values encrypted at rest (SSM SecureString) and
   * `!store` may not read it. Only passed to a type whose definition says `secrets: true`.
   */
  secret: boolean;
}

export interface StoreTypeDefinition {
  /** The `type:` value that selects it (`yaml-file`, `aws-ssm-parameter-store`, ...). */
  type: string;
  description?: string;
  /** Whether a store of this type may be `secret: true` (it can encrypt values at rest); refused otherwise. */
  secrets?: boolean;
  /** Open a store from its `options:`; bad options are a TfwrapError (E_CONFIG_INVALID). */
  open(options: Record<string, unknown>, context: StoreOpenContext): Store | Promise<Store>;
}

export interface RegisteredStoreType extends StoreTypeDefinition {
  plugin: string;
}

export class StoreTypeRegistry {
  private readonly types = new Map<string, RegisteredStoreType>();

  constructor(private readonly currentPlugin: () => string | undefined) {}

  register(definition: StoreTypeDefinition): void {
    const plugin = this.currentPlugin() ?? 'built-in';
    const existing = this.types.get(definition.type);
    if (existing) {
      throw new TfwrapError('E_KIND_DUPLICATE', `store type "${definition.type}" is registered by both "${existing.plugin}" and "${plugin}"`, {
        plugin,
        hint: 'remove one of the two plugins from plugins:',
      });
    }
    this.types.set(definition.type, { ...definition, plugin });
  }

  get(type: string): RegisteredStoreType | undefined {
    return this.types.get(type);
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }
}
