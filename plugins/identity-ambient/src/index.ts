/**
 * Kind `ambient`: the environment passes through untouched. No credentials, nothing cleared,
 * nothing added; tfwrap stays out of the way of whatever the environment already provides.
 */
import { defineIdentityKind, definePlugin, identitySchema } from '@tfwrap/plugin-kit';

export const ambientSchema = identitySchema({ kind: 'ambient', principalOptional: true });

export const ambientKind = defineIdentityKind({
  kind: 'ambient',
  description: 'pass the environment through untouched',
  schema: ambientSchema,
  via: 'none',
  load: () => ({
    authenticate: async () => undefined,
    prepareEnv: (env) => env,
  }),
});

export default definePlugin({ name: '@tfwrap/identity-ambient', kinds: [ambientKind] });
