/**
 * Kind `ambient`: the environment passes through untouched. No credentials, nothing cleared,
 * nothing added; tfwrap stays out of the way of whatever the environment already provides.
 */
import type { TfwrapPlugin } from '@tfwrap/core';
import * as v from 'valibot';

export const ambientSchema = v.looseObject({
  kind: v.literal('ambient'),
  default: v.optional(v.boolean()),
  description: v.optional(v.string()),
});

const plugin: TfwrapPlugin = {
  name: '@tfwrap/identity-ambient',
  apiVersion: 1,
  apply(tfwrap) {
    tfwrap.identityKinds.register({
      kind: 'ambient',
      description: 'pass the environment through untouched',
      schema: ambientSchema,
      via: 'none',
      load: () => ({
        authenticate: async () => undefined,
        prepareEnv: (env) => env,
      }),
    });
  },
};

export default plugin;
