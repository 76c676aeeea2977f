/**
 * The default preset: plugins every tfwrap has without listing them under `plugins:`. Each one
 * declares the identity kinds it provides (or the configuration key that switches it on), so a run
 * imports only the plugins its configuration uses; the code behind a kind loads only when an
 * identity of it runs.
 */
export const builtinPlugins = [
  { name: '@tfwrap/identity-ambient', kinds: ['ambient'], load: () => import('@tfwrap/identity-ambient') },
  { name: '@tfwrap/identity-aws-ambient', kinds: ['aws/ambient'], load: () => import('@tfwrap/identity-aws-ambient') },
  { name: '@tfwrap/identity-aws-assume-role', kinds: ['aws/assume-role'], load: () => import('@tfwrap/identity-aws-assume-role') },
  { name: '@tfwrap/identity-github-oidc', kinds: ['github/oidc'], load: () => import('@tfwrap/identity-github-oidc') },
  { name: '@tfwrap/identity-aws-credential-process', kinds: ['aws/credential-process'], load: () => import('@tfwrap/identity-aws-credential-process') },
  { name: '@tfwrap/identity-aws-user', kinds: ['aws/user'], load: () => import('@tfwrap/identity-aws-user') },
  { name: '@tfwrap/identity-aws-iam-identity-center', kinds: ['aws/iam-identity-center'], load: () => import('@tfwrap/identity-aws-iam-identity-center') },
  { name: '@tfwrap/identity-aws-permission-set', kinds: ['aws/permission-set'], load: () => import('@tfwrap/identity-aws-permission-set') },
  // Reads s3 state for !terraform.state; applied only when such a read finds no reader (deferred-values.ts).
  { name: '@tfwrap/state-aws-s3', kinds: [], load: () => import('@tfwrap/state-aws-s3') },
  // The aws-ssm-parameter-store store type; applied only when a store names a type nobody registered (stores.ts).
  { name: '@tfwrap/store-aws-ssm-parameter-store', kinds: [], load: () => import('@tfwrap/store-aws-ssm-parameter-store') },
  // Does nothing unless switched on: `audit:` in tfwrap.yaml (or a plugins: entry naming it).
  { name: '@tfwrap/plugin-audit', configKeys: ['audit'], load: () => import('@tfwrap/plugin-audit') },
];
