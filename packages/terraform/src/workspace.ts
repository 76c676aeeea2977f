/**
 * Selecting the stack's workspace without a `terraform workspace select` process when it is safe.
 *
 * `terraform workspace select NAME` loads the backend, lists its workspaces, creates NAME only with
 * -or-create, and then writes NAME to `<data dir>/environment` (no newline, mode 0644) — that file
 * is the whole selection, for every backend. So when the workspace is known to exist, tfwrap writes
 * the file itself:
 *
 * - local backend: the workspace exists when `terraform.tfstate.d/NAME` (or the configured
 *   `workspace_dir`) is a directory, exactly what the backend lists; `default` always exists;
 * - s3 backend: tfwrap remembers, per initialized backend (Terraform's backend hash in
 *   `.terraform/terraform.tfstate`), the workspaces it selected or created with Terraform in this
 *   directory (`<data dir>/tfwrap-workspaces.json`); `default` always exists;
 * - any other backend (cloud, remote, gcs, azurerm, ...): Terraform selects it, every time.
 *
 * A workspace not known to exist is selected, and created, by `terraform workspace select -or-create`.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '@tfwrap/core';
import { writeFileAtomic } from './files.js';
import { dataDirOf } from './init-fingerprint.js';

const KNOWN_WORKSPACES = 'tfwrap-workspaces.json';

export interface WorkspaceContext {
  componentDir: string;
  env: Env;
  workspace: string;
  log: { debug(message: string): void };
}

/** The workspace named in `<data dir>/environment` (`default` without the file). */
function selectedWorkspace(dataDir: string): string {
  try {
    return readFileSync(path.join(dataDir, 'environment'), 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

interface InitializedBackend {
  type: string;
  config: Record<string, unknown>;
  hash: string;
}

/** The backend `terraform init` set up (`.terraform/terraform.tfstate`), or undefined (local, not initialized). */
function initializedBackend(dataDir: string): InitializedBackend | undefined {
  try {
    const backend = (JSON.parse(readFileSync(path.join(dataDir, 'terraform.tfstate'), 'utf8')) as { backend?: { type?: string; config?: Record<string, unknown>; hash?: number | string } }).backend;
    if (!backend?.type) return undefined;
    return { type: backend.type, config: backend.config ?? {}, hash: String(backend.hash ?? '') };
  } catch {
    return undefined;
  }
}

function readKnown(dataDir: string, backend: InitializedBackend): string[] {
  try {
    const known = JSON.parse(readFileSync(path.join(dataDir, KNOWN_WORKSPACES), 'utf8')) as { backend?: string; workspaces?: unknown };
    return known.backend === `${backend.type}:${backend.hash}` && Array.isArray(known.workspaces) ? known.workspaces.filter((w): w is string => typeof w === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether the workspace exists, as far as tfwrap can tell without Terraform; undefined: ask Terraform. */
function knownToExist(context: WorkspaceContext, dataDir: string): boolean {
  const backend = initializedBackend(dataDir);
  if (!backend || backend.type === 'local') {
    if (context.workspace === 'default') return true;
    const workspaceDir = typeof backend?.config.workspace_dir === 'string' ? backend.config.workspace_dir : 'terraform.tfstate.d';
    return statSync(path.resolve(context.componentDir, workspaceDir, context.workspace), { throwIfNoEntry: false })?.isDirectory() === true;
  }
  if (backend.type === 's3') return context.workspace === 'default' || readKnown(dataDir, backend).includes(context.workspace);
  return false;
}

/**
 * Make the stack's workspace the selected one. `selectWithTerraform` runs
 * `terraform workspace select -or-create NAME` and returns its exit code.
 */
export async function ensureWorkspace(context: WorkspaceContext, selectWithTerraform: () => Promise<number>): Promise<number> {
  const dataDir = dataDirOf(context.componentDir, context.env);
  const current = selectedWorkspace(dataDir);
  if (current === context.workspace) {
    context.log.debug(`workspace: ${context.workspace} already selected`);
    return 0;
  }
  if (knownToExist(context, dataDir)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileAtomic(path.join(dataDir, 'environment'), context.workspace);
    context.log.debug(`workspace: selected ${context.workspace} (known to exist; no terraform process)`);
    return 0;
  }
  const exitCode = await selectWithTerraform();
  if (exitCode === 0) remember(dataDir, context.workspace);
  return exitCode;
}

/** After Terraform selected (or created) a workspace: it exists in this backend. */
function remember(dataDir: string, workspace: string): void {
  const backend = initializedBackend(dataDir);
  if (!backend || backend.type !== 's3') return;
  const workspaces = [...new Set([...readKnown(dataDir, backend), workspace])].sort();
  writeFileAtomic(path.join(dataDir, KNOWN_WORKSPACES), JSON.stringify({ backend: `${backend.type}:${backend.hash}`, workspaces }, null, 2) + '\n');
}
