/**
 * The files tfwrap writes into a component directory before running Terraform: the stack's
 * variables (`<stack>-<component>.terraform.tfvars.json`) and the backend (`backend.tf.json`).
 * Each is written to a temporary file in the same directory and renamed over the target, so a
 * reader (or an interrupted run) never sees half a file. Unchanged files are not rewritten.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ComponentInstance } from '@tfwrap/stacks';

export const BACKEND_FILE = 'backend.tf.json';

/** Write `text` to `file` atomically; returns false when the file already held exactly `text`. */
export function writeFileAtomic(file: string, text: string): boolean {
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return false;
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
  return true;
}

export function varfileText(instance: ComponentInstance): string {
  return JSON.stringify(instance.vars, null, 2) + '\n';
}

/** `{"terraform":{"backend":{"s3":{...}}}}`, or undefined when the component sets no backend_type. */
export function backendText(instance: ComponentInstance): string | undefined {
  if (!instance.backendType) return undefined;
  return JSON.stringify({ terraform: { backend: { [instance.backendType]: instance.backend ?? {} } } }, null, 2) + '\n';
}

const PROVIDERS_OVERRIDE_FILE = 'providers_override.tf.json';

/** `{"provider":{...}}` from the component's `providers:` (as Atmos writes it), or undefined when empty. */
function providersText(instance: ComponentInstance): string | undefined {
  const providers = instance.providers ?? {};
  if (Object.keys(providers).length === 0) return undefined;
  return JSON.stringify({ provider: providers }, null, 2) + '\n';
}

export interface WrittenFiles {
  varfile: string;
  backendFile?: string;
  /** backend.tf.json was written with new content (init then needs -reconfigure). */
  backendChanged: boolean;
}

/**
 * Write the files into the component directory: the varfile, `providers_override.tf.json` when the
 * component has `providers:`, and `backend.tf.json` unless `backend: false`
 * (`components.terraform.auto_generate_backend_file: false`).
 */
export function writeComponentFiles(instance: ComponentInstance, options: { backend?: boolean } = {}): WrittenFiles {
  const varfile = path.join(instance.componentDir, instance.varfileName);
  writeFileAtomic(varfile, varfileText(instance));
  const providers = providersText(instance);
  if (providers !== undefined) writeFileAtomic(path.join(instance.componentDir, PROVIDERS_OVERRIDE_FILE), providers);
  const backend = options.backend === false ? undefined : backendText(instance);
  if (backend === undefined) return { varfile, backendChanged: false };
  const backendFile = path.join(instance.componentDir, BACKEND_FILE);
  const backendChanged = writeFileAtomic(backendFile, backend);
  return { varfile, backendFile, backendChanged };
}
