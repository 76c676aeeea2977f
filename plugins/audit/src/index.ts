/**
 * @tfwrap/plugin-audit: appends one JSON line per run to a file, from `afterExec`:
 *
 *   {"time":"2025-01-01T12:00:00.000Z","user":"ana","identity":"deployer","principal":"arn:aws:sts::...",
 *    "stack":"prod","component":"vpc","command":"apply","exitCode":0,"durationMs":5123}
 *
 * Switched on in tfwrap.yaml, either as a section or as a plugin entry with options:
 *
 *   audit: { file: .tfwrap/audit.log }
 *   plugins: [[audit, { file: .tfwrap/audit.log }]]
 *
 * Relative paths are relative to the configuration file. Only names, ARNs, counts and codes are
 * written: never arguments (a `-var` may carry a secret), environment values or credentials.
 * Each line is one `appendFile` on a file opened O_APPEND, so concurrent runs do not interleave.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { TfwrapError, definePlugin, type ExecResult, type Tfwrap } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

export interface AuditOptions {
  /** The log file. */
  file: string;
}

const NAMES = ['audit', '@tfwrap/plugin-audit', 'tfwrap-plugin-audit'];

/** Options given to the plugin, else the `audit:` section, else a `plugins:` entry naming it. */
function optionsFrom(tfwrap: Tfwrap, given: unknown): unknown {
  if (given !== undefined) return given;
  if (tfwrap.config.audit !== undefined) return tfwrap.config.audit;
  for (const entry of tfwrap.config.plugins ?? []) {
    if (Array.isArray(entry) && NAMES.includes(entry[0])) return entry[1];
    if (typeof entry === 'object' && !Array.isArray(entry) && NAMES.includes(entry.plugin)) return entry.options;
  }
  return undefined;
}

export function auditLine(result: ExecResult, user: string, now: Date = new Date()): string {
  const command = result.subcommand ?? path.basename(result.command);
  const line = {
    time: now.toISOString(),
    user,
    identity: result.identity ?? null,
    principal: result.principalArn ?? null,
    stack: result.stack ?? null,
    component: result.component ?? null,
    command,
    exitCode: result.exitCode,
    durationMs: Math.round(result.durationMs),
    ...(result.planSummary ? { add: result.planSummary.add, change: result.planSummary.change, destroy: result.planSummary.destroy } : {}),
  };
  return JSON.stringify(line) + '\n';
}

function currentUser(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

export default definePlugin({
  name: '@tfwrap/plugin-audit',
  // Checked below: they may also come from the `audit:` section.
  options: v.unknown(),
  apply(tfwrap, given) {
    const options = optionsFrom(tfwrap, given);
    if (options === undefined || options === null || options === false) return; // switched off
    const file = typeof options === 'string' ? options : (options as Partial<AuditOptions>).file;
    if (typeof file !== 'string' || file.trim() === '') {
      throw new TfwrapError('E_CONFIG_INVALID', 'audit needs a file', {
        location: tfwrap.configFile ? { file: tfwrap.configFile } : undefined,
        hint: 'write audit: { file: .tfwrap/audit.log }',
      });
    }
    const target = path.resolve(tfwrap.loaded.dir, file);
    const user = currentUser(tfwrap.parentEnv);
    tfwrap.hooks.afterExec.tapPromise('audit', async (result) => {
      // One line per command run: init, workspace selection and stack hooks are its preparation.
      if (result.phase !== undefined && result.phase !== 'main') return;
      await mkdir(path.dirname(target), { recursive: true });
      await appendFile(target, tfwrap.redactor.redact(auditLine(result, user)), { mode: 0o600 });
    });
  },
});
