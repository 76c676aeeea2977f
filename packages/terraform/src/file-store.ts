/**
 * The built-in `yaml-file` store: a YAML (or JSON) file of `<stack>: <component>: <key>: value`,
 * with `!store.get` reading top-level keys. No cloud needed: for local work and tests, and as the
 * smallest example of a store type (docs/plugins.md).
 *
 *   stores:
 *     local: { type: yaml-file, options: { path: stores/local.yaml } }
 *
 * Store hooks write to it: under a lock shared by processes (`<file>.lock`), the file is read
 * again, the one key changed (comments and the rest of the file kept) and written to a temporary
 * file renamed over it, so a reader never sees half a file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TfwrapError, parseYaml, throwIfInterrupted, withFileLock, type StoreTypeDefinition } from '@tfwrap/core';
import { writeFileAtomic } from './files.js';

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

export const yamlFileStore: StoreTypeDefinition = {
  type: 'yaml-file',
  description: 'a YAML or JSON file of <stack>: <component>: <key>: value',
  open(options, context) {
    if (typeof options.path !== 'string' || options.path === '') {
      throw new TfwrapError('E_CONFIG_INVALID', 'options.path must name the file', { hint: 'options: { path: stores/values.yaml } (relative to the configuration file)' });
    }
    const file = path.resolve(context.configDir, options.path);
    const read = (missingOk: boolean): { text: string; root: Record<string, unknown> } => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', root: {} };
        throw new TfwrapError('E_CONFIG_INVALID', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: 'check options.path' });
      }
      const data = parseYaml(text, file) ?? {};
      return { text, root: isMapping(data) ? data : {} };
    };
    // A file not written yet is an empty store: the first store hook creates it.
    let root = read(true).root;
    const child = (value: unknown, key: string) => (isMapping(value) && Object.hasOwn(value, key) ? value[key] : undefined);
    return {
      get: async (stack, component, key) => child(child(child(root, stack), component), key),
      getKey: async (key) => child(root, key),
      async set(stack, component, key, value, call) {
        const signal = call?.signal;
        mkdirSync(path.dirname(file), { recursive: true });
        await withFileLock(file, async () => {
          // An interrupt ends the wait for another writer's lock; then nothing is written (unlocked).
          throwIfInterrupted(signal);
          const current = read(true);
          let text: string;
          if (file.endsWith('.json')) {
            const data = current.root;
            const stackValues = isMapping(data[stack]) ? data[stack] : (data[stack] = {});
            const componentValues = isMapping(stackValues[component]) ? stackValues[component] : (stackValues[component] = {});
            componentValues[key] = value;
            text = JSON.stringify(data, null, 2) + '\n';
          } else {
            // `yaml` keeps comments; loaded only to write (it is a quarter of what a describe compiles).
            const { Document, parseDocument } = await import('yaml');
            const parsed = parseDocument(current.text);
            const document = isMapping(parsed.toJS()) ? parsed : new Document({});
            document.setIn([stack, component, key], document.createNode(value));
            text = document.toString();
          }
          writeFileAtomic(file, text);
          root = read(false).root;
        }, { waitMs: 10_000, staleMs: 10_000, signal, onUnlocked: (err) => signal?.aborted || context.log.debug(`yaml-file store ${file}: writing without the lock (${(err as { code?: string }).code ?? String(err)})`) });
      },
    };
  },
};
