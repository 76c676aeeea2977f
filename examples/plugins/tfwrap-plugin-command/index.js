// @ts-check
/**
 * tfwrap-plugin-command: identity kind `example/command`. It runs a command that prints AWS
 * credentials as JSON in the `credential_process` format, and hands them to Terraform through
 * tfwrap-managed profile files (never raw keys in the environment).
 *
 *   plugins: [command]            # or ./path/to/index.js
 *   auth:
 *     identities:
 *       from-vault:
 *         kind: example/command
 *         principal:
 *           command: [./bin/get-creds, --role, deploy]   # argv; relative to tfwrap.yaml
 *           region: eu-west-1
 *
 * This file stays light: the name and the schema. The code that runs the command loads only when
 * an identity of this kind is used. What every AWS kind does the same way (the region check, the
 * credential type, the child's managed environment) comes from @tfwrap/aws, not copied here.
 */
import { AWS_CREDENTIALS, regionSchema } from '@tfwrap/aws';
import { definePlugin, defineIdentityKind, identitySchema, v } from '@tfwrap/plugin-kit';

export const schema = identitySchema({
  kind: 'example/command',
  principal: {
    command: v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1)), 'command must be a list: [program, arg, ...]'),
      v.minLength(1, 'command needs at least the program'),
    ),
    region: v.optional(regionSchema()),
    timeout_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600))),
  },
});

/**
 * The kind, for one Tfwrap object: the command's relative path starts at the configuration file's
 * directory, and managed files go under that Tfwrap's realm.
 * @param {import('@tfwrap/plugin-kit').Tfwrap} tfwrap
 */
export function commandKind(tfwrap) {
  const where = { dir: tfwrap.configFile ? tfwrap.loaded.dir : tfwrap.options.cwd };
  return defineIdentityKind({
    kind: 'example/command',
    description: 'AWS credentials printed by an external command (credential_process JSON)',
    schema,
    via: 'none',
    produces: [AWS_CREDENTIALS],
    timeoutMs: 30_000,
    load: async () => (await import('./command-kind.js')).createCommandKind(where),
  });
}

export default definePlugin({
  name: 'tfwrap-plugin-command',
  kinds: (tfwrap) => [commandKind(tfwrap)],
});
