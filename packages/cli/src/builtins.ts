/**
 * The default preset: plugins every tfwrap has without listing them under `plugins:`. Each module
 * is light (names and schemas); the code behind a kind loads only when an identity of it runs.
 */
export const builtinPlugins = [
  { name: '@tfwrap/identity-ambient', load: () => import('@tfwrap/identity-ambient') },
  { name: '@tfwrap/identity-aws-ambient', load: () => import('@tfwrap/identity-aws-ambient') },
  { name: '@tfwrap/identity-aws-assume-role', load: () => import('@tfwrap/identity-aws-assume-role') },
  { name: '@tfwrap/identity-aws-iam-identity-center', load: () => import('@tfwrap/identity-aws-iam-identity-center') },
  { name: '@tfwrap/identity-aws-permission-set', load: () => import('@tfwrap/identity-aws-permission-set') },
  { name: '@tfwrap/identity-github-oidc', load: () => import('@tfwrap/identity-github-oidc') },
  { name: '@tfwrap/identity-aws-credential-process', load: () => import('@tfwrap/identity-aws-credential-process') },
  { name: '@tfwrap/identity-aws-user', load: () => import('@tfwrap/identity-aws-user') },
  // Does nothing unless switched on (`audit:` in tfwrap.yaml, or a plugins: entry with options).
  { name: '@tfwrap/plugin-audit', load: () => import('@tfwrap/plugin-audit') },
];
