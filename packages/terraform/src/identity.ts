/**
 * Which identity runs a component: `--identity`/`-i` or `TFWRAP_IDENTITY`; else the merged
 * component's `auth.identity`; else an identity marked `default: true` under the component's
 * `auth.identities`; else the configuration's default identity. `false` means no tfwrap auth.
 */
import { IDENTITY_ENV, type Tfwrap } from '@tfwrap/core';
import type { ComponentInstance } from '@tfwrap/stacks';

export function identityForComponent(tfwrap: Tfwrap, instance: ComponentInstance, requested: string | false | undefined): string | undefined {
  const fromEnv = tfwrap.parentEnv[IDENTITY_ENV];
  const explicit = requested ?? (fromEnv ? fromEnv : undefined);
  if (explicit !== undefined) return tfwrap.selectIdentity(explicit);
  const auth = instance.auth;
  if (typeof auth?.identity === 'string' && auth.identity !== '') return auth.identity;
  const identities = auth?.identities;
  if (identities && typeof identities === 'object') {
    for (const [name, value] of Object.entries(identities as Record<string, unknown>)) {
      if (value && typeof value === 'object' && (value as { default?: unknown }).default === true) return name;
    }
  }
  return tfwrap.selectIdentity(undefined);
}
