/**
 * Store hooks (Atmos's `hooks:` entries with `kind: store`): after the event, write the
 * component's terraform outputs (`key: .output_name`) or literal values (`key: text`) to a store
 * under `stores:`, keyed by the component's stack and name (Atmos pkg/hooks/store_cmd.go). The
 * runner reads the outputs (`terraform output -json`) and calls this.
 */
import { TfwrapError, throwIfInterrupted, type Run } from '@tfwrap/core';
import type { ComponentInstance, StoreHook } from '@tfwrap/stacks';
import { openStore } from './stores.js';

export interface TerraformOutput {
  value?: unknown;
  sensitive?: boolean;
}

/** Write the hook's outputs; a TfwrapError naming the hook, store, stack, component and key when one cannot be written. */
export async function writeStoreHook(run: Run, hookName: string, hook: StoreHook, instance: ComponentInstance, outputs: () => Promise<Record<string, TerraformOutput>>): Promise<void> {
  const where = `store hook '${hookName}' of component '${instance.name}' in stack '${instance.stack}'`;
  const entries = Object.entries(hook.outputs);
  if (entries.length === 0) {
    run.tfwrap.log.info(`${where}: no outputs: to write, skipped`);
    return;
  }
  const { store, type } = await openStore(run, hook.store, (known) => new TfwrapError('E_CONFIG_INVALID', `${where}: there is no store '${hook.store}' under stores: in ${run.tfwrap.configFile ?? 'the configuration'}`, {
    hint: known.length ? `known stores: ${known.join(', ')}` : 'define it: stores: { <name>: { type: yaml-file, options: { path: ... } } }',
  }));
  if (!store.set) {
    throw new TfwrapError('E_CONFIG_INVALID', `${where}: store '${hook.store}' (type ${type}) cannot be written: it is read-only`, { hint: 'name a store whose type can be written (yaml-file, aws-ssm-parameter-store)' });
  }
  let read: Record<string, TerraformOutput> | undefined;
  for (const [key, spec] of entries) {
    let value: unknown = spec;
    if (spec.startsWith('.')) {
      read ??= await outputs();
      const name = spec.slice(1);
      if (!Object.hasOwn(read, name)) {
        throw new TfwrapError('E_FUNCTION_FAILED', `${where}: the component has no terraform output '${name}' for key '${key}'`, { hint: `its outputs: ${Object.keys(read).sort().join(', ') || 'none'}` });
      }
      // A null output is written as null, as Atmos does (a store may refuse it).
      value = read[name]!.value ?? null;
    }
    throwIfInterrupted(run.signal);
    try {
      await store.set(instance.stack, instance.name, key, value, { signal: run.signal });
    } catch (err) {
      // Whatever a store throws once the run was interrupted is the interrupt, not a failed write.
      throwIfInterrupted(run.signal);
      if (err instanceof TfwrapError && err.location) throw err;
      // A store that knows better (no answer from its endpoint) gives its own hint.
      throw new TfwrapError('E_STORE_WRITE_FAILED', `${where}: writing key '${key}' to store '${hook.store}' failed: ${err instanceof Error ? err.message : String(err)}`, {
        hint: err instanceof TfwrapError && err.hint ? err.hint : `check that the store's identity may write it (stores.${hook.store}.identity)`,
      });
    }
    run.tfwrap.log.debug(`${where}: wrote key '${key}' to store '${hook.store}'`);
  }
}
