/**
 * Kinds that break one rule each, run through the conformance suite by conformance.test.ts in a
 * child mocha: the suite must fail exactly the test for the rule each one breaks.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TfwrapError, ensurePrivateDir, type Tfwrap } from '@tfwrap/core';
import { runConformance } from './conformance.js';
import { defineIdentityKind, definePlugin, identitySchema, v } from './index.js';

type Flaw = 'keeps-parent-keys' | 'world-readable' | 'leaky-error' | 'accepts-anything' | 'expired' | 'api-2';

const credentials = () => ({
  type: 'aws',
  accessKeyId: 'ASIABROKENKIND000001',
  secretAccessKey: 'broken-kind-secret-access-key-00000000',
  expiration: new Date(Date.now() + 3600_000),
});

function brokenPlugin(flaw: Flaw) {
  const name = `tfwrap-plugin-broken-${flaw}`;
  return definePlugin({
    name,
    apiVersion: flaw === 'api-2' ? 2 : undefined,
    apply(tfwrap: Tfwrap) {
      tfwrap.identityKinds.register(
        defineIdentityKind({
          kind: 'broken/kind',
          description: `breaks a rule: ${flaw}`,
          schema: flaw === 'accepts-anything' ? v.looseObject({ kind: v.string() }) : identitySchema({ kind: 'broken/kind', principal: { fail: v.optional(v.boolean()) } }),
          produces: ['aws'],
          load: () => ({
            async authenticate(ctx) {
              const creds = credentials();
              if ((ctx.config.principal as { fail?: boolean } | undefined)?.fail) {
                throw new TfwrapError('E_AUTH_FAILED', flaw === 'leaky-error' ? `refused key ${creds.secretAccessKey}` : 'refused', { plugin: name });
              }
              return flaw === 'expired' ? { ...creds, expiration: new Date(Date.now() - 1000) } : creds;
            },
            prepareEnv(env, ctx) {
              const dir = ensurePrivateDir(join(tfwrap.paths.realmConfigDir, 'broken'));
              const file = join(dir, 'credentials');
              writeFileSync(file, `[${ctx.identity}]\naws_access_key_id = ${String(ctx.credentials?.accessKeyId)}\n`);
              chmodSync(file, flaw === 'world-readable' ? 0o644 : 0o600);
              const child = { ...env };
              if (flaw !== 'keeps-parent-keys') for (const n of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME']) delete child[n];
              return { ...child, AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: file, AWS_PROFILE: ctx.identity, AWS_EC2_METADATA_DISABLED: 'true' };
            },
          }),
        }),
      );
    },
  });
}

for (const flaw of ['keeps-parent-keys', 'world-readable', 'leaky-error', 'accepts-anything', 'expired', 'api-2'] as const) {
  runConformance({
    plugin: brokenPlugin(flaw),
    kind: 'broken/kind',
    validConfig: { principal: {} },
    invalidConfigs: { 'an unknown field': { principal: { nope: 1 } } },
    envRules: 'managed',
    failure: { config: { principal: { fail: true } } },
  });
}
