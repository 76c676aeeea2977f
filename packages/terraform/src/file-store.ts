/**
 * The built-in `yaml-file` store: a YAML (or JSON) file of `<stack>: <component>: <key>: value`,
 * with `!store.get` reading top-level keys. No cloud needed: for local work and tests, and as the
 * smallest example of a store type (docs/plugins.md).
 *
 *   stores:
 *     local: { type: yaml-file, options: { path: stores/local.yaml } }
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TfwrapError, parseYaml, type StoreTypeDefinition } from '@tfwrap/core';

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

export const yamlFileStore: StoreTypeDefinition = {
  type: 'yaml-file',
  description: 'a YAML or JSON file of <stack>: <component>: <key>: value',
  open(options, context) {
    if (typeof options.path !== 'string' || options.path === '') {
      throw new TfwrapError('E_CONFIG_INVALID', 'options.path must name the file', { hint: 'options: { path: stores/values.yaml } (relative to the configuration file)' });
    }
    const file = path.resolve(context.configDir, options.path);
    let data: unknown;
    try {
      data = parseYaml(readFileSync(file, 'utf8'), file) ?? {};
    } catch (err) {
      if (err instanceof TfwrapError) throw err;
      throw new TfwrapError('E_CONFIG_INVALID', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: 'check options.path' });
    }
    const root = isMapping(data) ? data : {};
    const child = (value: unknown, key: string) => (isMapping(value) && Object.hasOwn(value, key) ? value[key] : undefined);
    return {
      get: async (stack, component, key) => child(child(child(root, stack), component), key),
      getKey: async (key) => child(root, key),
    };
  },
};
