/**
 * What every managed AWS kind does the same way once it has credentials: hand the child the managed
 * environment, answer `whoami` with sts:GetCallerIdentity, and remove its profile on logout. A kind
 * spreads these into its implementation and writes only `authenticate`:
 *
 *   export const vault: KindImplementation<VaultConfig> = {
 *     async authenticate(ctx) { ... return fromSdkCredentials(keys, { region }); },
 *     ...managedAwsMethods<VaultConfig>((ctx) => ctx.config.principal.region),
 *   };
 */
import { TfwrapError, type Credentials, type Env, type IdentityConfig, type IdentityKindImplementation, type PrepareEnvContext } from '@tfwrap/core';
import { isAwsCredentials, resolveRegion, type AwsCredentials } from './credentials.js';
import { prepareManagedEnv } from './managed-env.js';
import { removeManagedProfile } from './managed-files.js';
import { getCallerIdentity } from './sts.js';

export type ManagedAwsMethods<Config = IdentityConfig> = Required<Pick<IdentityKindImplementation<Config>, 'prepareEnv' | 'whoami' | 'logout'>>;

/**
 * @param configuredRegion the kind's own region setting (usually `principal.region`), used when the
 *   credentials carry none; `env` is the parent's environment copy the child starts from.
 */
export function managedAwsMethods<Config = IdentityConfig>(configuredRegion: (ctx: PrepareEnvContext<Config>, env: Env) => string | undefined): ManagedAwsMethods<Config> {
  return {
    prepareEnv(env, ctx) {
      const credentials = ctx.credentials;
      if (!isAwsCredentials(credentials)) {
        throw new TfwrapError('E_AUTH_FAILED', `identity "${ctx.identity}" has no AWS credentials to hand to the child`, { identity: ctx.identity });
      }
      return prepareManagedEnv(env, {
        identity: ctx.identity,
        credentials,
        region: credentials.region ?? configuredRegion(ctx, env),
        paths: ctx.paths,
        live: ctx.live,
        toAws: (fresh) => (isAwsCredentials(fresh as Credentials) ? (fresh as AwsCredentials) : undefined),
      });
    },

    async whoami(credentials, ctx) {
      if (!isAwsCredentials(credentials)) throw new TfwrapError('E_AUTH_FAILED', 'no AWS credentials to inspect');
      return getCallerIdentity(credentials, resolveRegion(credentials.region, ctx.parentEnv), ctx.signal);
    },

    logout(ctx) {
      return removeManagedProfile(ctx.paths.realmConfigDir, ctx.identity);
    },
  };
}
