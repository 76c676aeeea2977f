/** The identity-kind registry: kinds by name, with the plugin that registered each. */
import { closest } from 'fastest-levenshtein';
import { TfwrapError } from './errors.js';
import type { IdentityKindDefinition, IdentityKindImplementation } from './identity.js';

export interface RegisteredKind extends IdentityKindDefinition {
  /** The plugin that registered it. */
  plugin: string;
}

export class IdentityKindRegistry {
  private readonly kinds = new Map<string, RegisteredKind>();
  private readonly declared = new Map<string, string>();
  private readonly loaded = new Map<string, Promise<IdentityKindImplementation>>();

  constructor(private readonly currentPlugin: () => string | undefined, private readonly requestedBy: () => string) {}

  register(definition: IdentityKindDefinition): void {
    const plugin = this.currentPlugin() ?? 'unknown';
    const existing = this.kinds.get(definition.kind);
    if (existing) {
      throw new TfwrapError('E_KIND_DUPLICATE', `identity kind "${definition.kind}" is registered by both "${existing.plugin}" and "${plugin}" (plugins named in ${this.requestedBy()})`, {
        plugin,
        hint: 'remove one of the two plugins from plugins:',
      });
    }
    this.kinds.set(definition.kind, { ...definition, plugin });
  }

  get(kind: string): RegisteredKind | undefined {
    return this.kinds.get(kind);
  }

  /** The kind, or E_KIND_UNKNOWN listing the known ones. */
  require(kind: string, identity: string): RegisteredKind {
    const found = this.kinds.get(kind);
    if (found) return found;
    throw unknownKind(kind, identity, this.names());
  }

  /** A kind a plugin declares but that was not applied, because the configuration uses none of its kinds. */
  declare(kind: string, plugin: string): void {
    if (!this.kinds.has(kind)) this.declared.set(kind, plugin);
  }

  /** Every kind: registered, and declared by plugins left unapplied (error messages list them all). */
  names(): string[] {
    return [...new Set([...this.kinds.keys(), ...this.declared.keys()])].sort();
  }

  /** The registered kinds (call Tfwrap.applyAllPlugins first to include every declared one). */
  list(): RegisteredKind[] {
    return [...this.kinds.keys()].sort().map((name) => this.kinds.get(name)!);
  }

  /** Import a kind's implementation once per process. */
  load(kind: string): Promise<IdentityKindImplementation> {
    let impl = this.loaded.get(kind);
    if (!impl) {
      const definition = this.kinds.get(kind)!;
      impl = Promise.resolve()
        .then(() => definition.load())
        .catch((err: unknown) => {
          throw new TfwrapError('E_PLUGIN_LOAD', `plugin "${definition.plugin}" could not load identity kind "${kind}": ${(err as Error).message}`, {
            plugin: definition.plugin,
            cause: err,
          });
        });
      this.loaded.set(kind, impl);
    }
    return impl;
  }
}

export function unknownKind(kind: string, identity: string, known: string[]): TfwrapError {
  const near = known.length ? closest(kind, known) : undefined;
  return new TfwrapError('E_KIND_UNKNOWN', `identity "${identity}" has unknown kind "${kind}" (known kinds: ${known.join(', ') || 'none'})`, {
    identity,
    hint: near && near !== kind ? `did you mean "${near}"? A kind from another package needs its plugin under plugins:` : 'a kind from another package needs its plugin under plugins:',
  });
}
