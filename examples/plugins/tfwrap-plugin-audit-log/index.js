// @ts-check
/**
 * tfwrap-plugin-audit-log: after every command tfwrap runs, append one JSON line saying who ran
 * what, as which identity, and how it ended.
 *
 *   plugins:
 *     - [audit-log, { file: .tfwrap/audit.jsonl }]    # relative to tfwrap.yaml
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { definePlugin, v } from '@tfwrap/plugin-kit';

export default definePlugin({
  name: 'tfwrap-plugin-audit-log',
  options: v.optional(
    v.strictObject({
      file: v.optional(v.pipe(v.string(), v.minLength(1)), '.tfwrap/audit.jsonl'),
    }),
    {},
  ),
  hooks: {
    afterExec: (options, tfwrap) => {
      const base = tfwrap.configFile ? tfwrap.loaded.dir : tfwrap.options.cwd;
      const file = resolve(base, options?.file ?? '.tfwrap/audit.jsonl');
      return async (result) => {
        mkdirSync(dirname(file), { recursive: true });
        const line = {
          time: new Date().toISOString(),
          user: tfwrap.parentEnv.USER ?? null,
          command: [result.command, ...(result.subcommand ? [result.subcommand] : [])].join(' '),
          exitCode: result.exitCode,
          signal: result.signal ?? null,
          durationMs: Math.round(result.durationMs),
          identity: result.identity ?? null,
          kind: result.kind ?? null,
          principalArn: result.principalArn ?? null,
          stack: result.stack ?? null,
          component: result.component ?? null,
        };
        appendFileSync(file, JSON.stringify(line) + '\n');
      };
    },
  },
});
