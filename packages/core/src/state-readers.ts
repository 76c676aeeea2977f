/**
 * State readers: how `!terraform.state` reads a component's Terraform state without running
 * Terraform, one per backend type (`s3`, ...). Plugins register them like store types; core holds
 * the registry only (the local backend's file is read by @tfwrap/terraform itself). A backend with
 * no reader goes through `terraform output -json`.
 */
import { TfwrapError } from './errors.js';
import type { Env } from './identity.js';
import type { Logger } from './logger.js';

export interface StateReadContext {
  /** The environment of the component's identity (its credentials), as a Terraform run would get it. */
  env: Env;
  log: Logger;
  /** Aborted when the run is interrupted (Ctrl-C): pass it to every request, so a read that hangs does not hold the run. */
  signal: AbortSignal;
}

export interface StateReaderDefinition {
  /** The `backend_type` it reads (`s3`). */
  backendType: string;
  description?: string;
  /** Whether this reader can read with these settings (false: Terraform reads it, through `terraform output`). */
  canRead?(backend: Record<string, unknown>): boolean;
  /**
   * The state document (Terraform's JSON state, parsed) of `workspace`, laid out as the backend
   * lays it out from `backend` (the component's backend settings, key prefix filled in); undefined
   * when there is no state (never applied). Throw for anything else (access denied, ...).
   */
  read(backend: Record<string, unknown>, workspace: string, context: StateReadContext): Promise<unknown>;
}

export interface RegisteredStateReader extends StateReaderDefinition {
  plugin: string;
}

export class StateReaderRegistry {
  private readonly readers = new Map<string, RegisteredStateReader>();

  constructor(private readonly currentPlugin: () => string | undefined) {}

  register(definition: StateReaderDefinition): void {
    const plugin = this.currentPlugin() ?? 'built-in';
    const existing = this.readers.get(definition.backendType);
    if (existing) {
      throw new TfwrapError('E_KIND_DUPLICATE', `a state reader for backend "${definition.backendType}" is registered by both "${existing.plugin}" and "${plugin}"`, {
        plugin,
        hint: 'remove one of the two plugins from plugins:',
      });
    }
    this.readers.set(definition.backendType, { ...definition, plugin });
  }

  get(backendType: string): RegisteredStateReader | undefined {
    return this.readers.get(backendType);
  }
}
