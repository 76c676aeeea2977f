/**
 * The `aws-ssm-parameter-store` store type (Atmos's, also spelled `aws/ssm`): `!store` reads and
 * store hooks write SSM parameters named as Atmos names them, with the store's `identity:`. This
 * module is light (the definition and its options); the SSM client loads when a store is opened.
 */
import { definePlugin } from '@tfwrap/plugin-kit';
import type { StoreTypeDefinition } from '@tfwrap/core';
import { parseSsmStoreOptions } from './options.js';

const description = 'AWS SSM Parameter Store: /<prefix>/<stack split on stack_delimiter>/<component>/<key>, values as JSON';

const open: StoreTypeDefinition['open'] = async (options, context) => {
  const parsed = parseSsmStoreOptions(options);
  const { openSsmStore } = await import('./ssm.js');
  return openSsmStore(parsed, context);
};

export default definePlugin({
  name: '@tfwrap/store-aws-ssm-parameter-store',
  stores: [
    // secrets: a `secret: true` store writes SecureString parameters.
    { type: 'aws-ssm-parameter-store', description, open, secrets: true },
    // Atmos's newer `kind:` spelling of the same store.
    { type: 'aws/ssm', description, open, secrets: true },
  ],
});
