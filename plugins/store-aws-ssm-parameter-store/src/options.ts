/**
 * The options of an SSM store, as Atmos takes them (pkg/store/providers/aws_ssm_param_store.go),
 * and the parameter names it derives from a stack, a component and a key.
 */
import { TfwrapError } from '@tfwrap/core';

export interface SsmStoreOptions {
  /** Undefined: the identity's AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  prefix: string;
  stackDelimiter: string;
  readRoleArn?: string;
  writeRoleArn?: string;
  /** Undefined: AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL of the identity's environment. */
  endpoint?: string;
}

const KNOWN = ['region', 'prefix', 'stack_delimiter', 'read_role_arn', 'write_role_arn', 'endpoint', 'endpoint_url'];

export function parseSsmStoreOptions(options: Record<string, unknown>): SsmStoreOptions {
  const unknown = Object.keys(options).filter((key) => !KNOWN.includes(key));
  if (unknown.length > 0) {
    throw new TfwrapError('E_CONFIG_INVALID', `unknown option ${unknown.map((key) => `"${key}"`).join(', ')}`, { hint: `options: ${KNOWN.join(', ')}` });
  }
  const text = (key: string): string | undefined => {
    const value = options[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || (value === '' && key !== 'prefix')) throw new TfwrapError('E_CONFIG_INVALID', `options.${key} must be a non-empty string`);
    return value;
  };
  return {
    region: text('region'),
    prefix: text('prefix') ?? '',
    stackDelimiter: text('stack_delimiter') ?? '-',
    readRoleArn: text('read_role_arn'),
    writeRoleArn: text('write_role_arn'),
    endpoint: text('endpoint') ?? text('endpoint_url'),
  };
}

/**
 * Atmos's key layout: the prefix, the stack split on the delimiter, the component split on `/`,
 * the key, joined with `/` and `//` collapsed (`plat-ue2-prod`, `vpc`, `vpc_id` with prefix
 * `/app` is `/app/plat/ue2/prod/vpc/vpc_id`). SSM wants a leading `/` on a path, so one is added
 * when the prefix has none (Atmos's documented layout; its code leaves that to the prefix).
 */
export function parameterName(options: Pick<SsmStoreOptions, 'prefix' | 'stackDelimiter'>, stack: string, component: string, key: string): string {
  const parts = [options.prefix];
  if (stack !== '') parts.push(...stack.split(options.stackDelimiter));
  if (component !== '') parts.push(...component.split('/'));
  parts.push(key);
  return leadingSlash(parts.join('/').replaceAll('//', '/'));
}

/** `!store.get`: the key under the prefix (Atmos's GetKey). */
export function plainParameterName(options: Pick<SsmStoreOptions, 'prefix'>, key: string): string {
  return leadingSlash(options.prefix === '' ? key : `${options.prefix}/${key}`);
}

function leadingSlash(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}
