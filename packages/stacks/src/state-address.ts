/**
 * Where a component instance keeps its Terraform state: its workspace, its backend settings with
 * the automatic key prefix, and the state address they add up to. The rules are Atmos's (so a
 * project can move between the two tools without moving state); see docs/stacks.md.
 *
 * Workspace, first that applies:
 *   - `default` when workspaces are off (`components.terraform.workspaces_enabled: false`, or the
 *     http backend, which has none);
 *   - `metadata.terraform_workspace_pattern`, its `{tokens}` filled from the vars;
 *   - `metadata.terraform_workspace`;
 *   - the stack name, when the component's directory is its own name;
 *   - `<stack>-<component>` when it is built from another directory (`metadata.component`): two
 *     instances of one directory in one stack must not share a state.
 * and every `/` becomes `-`.
 *
 * Backends keyed by path get a prefix unless one is set: s3 `workspace_key_prefix`, gcs `prefix`,
 * azurerm `key` (`<component>.terraform.tfstate`, after the key set at the stack root, if any).
 * The prefix is `metadata.name`, else the Terraform directory (`metadata.component`), `/` as `-`.
 */
import path from 'node:path';
import type { Mapping } from './merge.js';

export interface WorkspaceInput {
  /** The stack's name. */
  stack: string;
  /** The instance's name in the stack. */
  name: string;
  /** The Terraform directory (relative to the components base path). */
  component: string;
  metadata: Mapping;
  vars: Mapping;
  backendType?: string;
  workspacesEnabled: boolean;
}

export const DEFAULT_WORKSPACE = 'default';

const flatten = (text: string): string => text.replace(/\//g, '-');

export function terraformWorkspace(input: WorkspaceInput): string {
  if (!input.workspacesEnabled || input.backendType === 'http') return DEFAULT_WORKSPACE;
  const derived = input.component !== input.name;
  const pattern = input.metadata.terraform_workspace_pattern;
  const explicit = input.metadata.terraform_workspace;
  let workspace: string;
  if (typeof pattern === 'string') workspace = fillContextTokens(pattern, input.vars, input.name, derived ? input.component : '');
  else if (typeof explicit === 'string') workspace = explicit;
  else workspace = derived ? `${input.stack}-${input.name}` : input.stack;
  return flatten(workspace);
}

/**
 * Atmos's context tokens (pkg/config ReplaceContextTokens) from a component's vars; a token with no
 * value becomes empty, as in Atmos.
 */
export function fillContextTokens(pattern: string, vars: Mapping, component: string, baseComponent = ''): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const attributes = Array.isArray(vars.attributes) ? vars.attributes.map(String).join('-') : '';
  const tokens: Record<string, string> = {
    '{base-component}': baseComponent,
    '{component}': component,
    '{component-path}': '',
    '{namespace}': text(vars.namespace),
    '{tenant}': text(vars.tenant),
    '{environment}': text(vars.environment),
    '{region}': text(vars.region),
    '{stage}': text(vars.stage),
    '{attributes}': attributes,
    '{workspace}': '',
    '{terraform_workspace}': '',
  };
  return pattern.replace(/\{[a-z_-]+\}/g, (token) => tokens[token] ?? token);
}

export interface BackendInput {
  /** The instance's name in the stack. */
  name: string;
  /** The Terraform directory. */
  component: string;
  metadata: Mapping;
  backendType: string;
  /** The merged `backend.<type>` settings. */
  backend: Mapping;
  /** `backend.azurerm.key` as written at the stack root (globals and `terraform:`), if any. */
  rootAzurermKey?: unknown;
  /** Whether the component's own layers (not the root or a base) set `backend.azurerm.key`. */
  ownAzurermKey: boolean;
}

/** The backend settings with the automatic key prefix filled in. Returns a new mapping. */
export function backendWithKeyPrefix(input: BackendInput): Mapping {
  const backend: Mapping = { ...input.backend };
  const prefix = flatten(typeof input.metadata.name === 'string' && input.metadata.name !== '' ? input.metadata.name : input.component);
  const unset = (key: string) => typeof backend[key] !== 'string' || backend[key] === '';
  switch (input.backendType) {
    case 's3':
      if (unset('workspace_key_prefix')) backend.workspace_key_prefix = prefix;
      break;
    case 'gcs':
      if (unset('prefix')) backend.prefix = prefix;
      break;
    case 'azurerm': {
      if (input.ownAzurermKey) break;
      const key = backend.key;
      const rootKey = typeof input.rootAzurermKey === 'string' ? input.rootAzurermKey : undefined;
      // A key written by a base component (not the root's shared one) is the author's choice.
      if (typeof key === 'string' && key !== '' && key !== rootKey) break;
      backend.key = [rootKey, `${prefix}.terraform.tfstate`].filter((part) => part !== undefined).join('/');
      break;
    }
  }
  return backend;
}

export interface StateAddress {
  /** Equal ids, one state. */
  id: string;
  /** The place, for messages. */
  where: string;
}

/**
 * The place the state of (backend, workspace) is stored. Known backends are reduced to what
 * decides the place (bucket and object key, say); others to all their settings. A component with
 * no backend_type uses the backend of its own .tf files, or the local one: its directory decides.
 */
export function stateAddress(options: { componentDir: string; backendType?: string; backend?: Mapping; workspace: string; rootDir?: string }): StateAddress {
  const { componentDir, backendType, workspace } = options;
  const backend = options.backend ?? {};
  const text = (key: string, fallback = '') => (typeof backend[key] === 'string' && backend[key] !== '' ? (backend[key] as string) : fallback);
  const shown = (file: string) => (options.rootDir ? path.relative(options.rootDir, file) || '.' : file);
  const isDefault = workspace === DEFAULT_WORKSPACE;
  const dir = path.resolve(componentDir);
  switch (backendType) {
    case undefined:
      return { id: `directory:${dir}#${workspace}`, where: `workspace '${workspace}' of ${shown(dir)}` };
    case 'local': {
      const file = isDefault ? path.resolve(dir, text('path', 'terraform.tfstate'))
        : path.resolve(dir, text('workspace_dir', 'terraform.tfstate.d'), workspace, 'terraform.tfstate');
      return { id: `file:${file}`, where: shown(file) };
    }
    case 's3': {
      const key = text('key');
      const objectKey = isDefault ? key : `${text('workspace_key_prefix', 'env:')}/${workspace}/${key}`;
      const place = `s3://${text('bucket')}/${objectKey}`;
      return { id: `${text('endpoint')}${endpointOf(backend)}|${place}`, where: place };
    }
    case 'gcs': {
      const place = `gs://${text('bucket')}/${text('prefix')}/${workspace}.tfstate`;
      return { id: place, where: place };
    }
    case 'azurerm': {
      const key = text('key', 'terraform.tfstate');
      const place = `azurerm://${text('storage_account_name')}/${text('container_name')}/${isDefault ? key : `${key}env:${workspace}`}`;
      return { id: place, where: place };
    }
    default:
      return { id: `${backendType}:${canonicalJson(backend)}#${workspace}`, where: `workspace '${workspace}' of the same ${backendType} backend` };
  }
}

function endpointOf(backend: Mapping): string {
  const endpoints = backend.endpoints;
  return endpoints !== null && typeof endpoints === 'object' && typeof (endpoints as Mapping).s3 === 'string' ? String((endpoints as Mapping).s3) : '';
}

/** JSON with sorted keys, so that equal settings give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Mapping)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
