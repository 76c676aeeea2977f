// @ts-check
/** The `example/command` implementation: loaded only when such an identity is used. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fromSdkCredentials, managedAwsMethods } from '@tfwrap/aws';
import { TfwrapError } from '@tfwrap/plugin-kit';

const PLUGIN = 'tfwrap-plugin-command';

/**
 * @typedef {import('@tfwrap/plugin-kit').v.InferOutput<typeof import('./index.js').schema>} CommandConfig
 * @param {{ dir: string }} where
 * @returns {import('@tfwrap/plugin-kit').KindImplementation<CommandConfig>}
 */
export function createCommandKind(where) {
  return {
    async authenticate(ctx) {
      const [program, ...args] = ctx.config.principal.command;
      const file = program.startsWith('./') || program.startsWith('../') ? resolve(where.dir, program) : program;
      const timeout = (ctx.config.principal.timeout_seconds ?? 20) * 1000;
      const { stdout } = await run(file, args, { cwd: where.dir, env: ctx.parentEnv, signal: ctx.signal, timeout });
      const keys = parse(stdout, program);
      ctx.secret(keys.secretAccessKey);
      ctx.secret(keys.sessionToken);
      return fromSdkCredentials(keys, { region: ctx.config.principal.region });
    },

    // The managed rules, as the built-in AWS kinds follow them: the parent's credentials removed,
    // instance metadata off, a profile under tfwrap's own directories (refreshed through tfwrap
    // while it runs the child); whoami by sts:GetCallerIdentity; logout removes the profile.
    ...managedAwsMethods((ctx) => ctx.config.principal.region),
  };
}

/**
 * @param {string} file @param {string[]} args
 * @param {{ cwd: string, env: Readonly<Record<string,string>>, signal: AbortSignal, timeout: number }} options
 * @returns {Promise<{ stdout: string }>}
 */
function run(file, args, options) {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { ...options, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolvePromise({ stdout });
      const code = /** @type {any} */ (err).code;
      const why = code === 'ENOENT' ? 'was not found' : code === 'EACCES' ? 'is not executable' : /** @type {any} */ (err).killed ? `took longer than ${options.timeout / 1000} s` : `exited with status ${code}`;
      // The command's stderr may say why; core redacts registered secrets, and keys are never on stderr here.
      const detail = String(stderr).trim().split('\n').slice(-1)[0];
      reject(new TfwrapError('E_AUTH_FAILED', `credential command ${file} ${why}${detail ? `: ${detail.slice(0, 200)}` : ''}`, {
        plugin: PLUGIN,
        hint: 'run the command by hand to see its output; it must print credential_process JSON',
      }));
    });
  });
}

/**
 * credential_process JSON: { Version: 1, AccessKeyId, SecretAccessKey, SessionToken?, Expiration? }
 * @param {string} stdout @param {string} program
 * @returns {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string, expiration?: Date }}
 */
function parse(stdout, program) {
  /** @type {any} */
  let data;
  try {
    data = JSON.parse(stdout);
  } catch {
    // Never echo the output: it may hold a key.
    throw new TfwrapError('E_AUTH_FAILED', `credential command ${program} did not print JSON`, {
      plugin: PLUGIN,
      hint: 'print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ..., "SessionToken": ..., "Expiration": ...}',
    });
  }
  const missing = ['AccessKeyId', 'SecretAccessKey'].filter((field) => typeof data?.[field] !== 'string' || !data[field]);
  if (data?.Version !== 1 || missing.length) {
    throw new TfwrapError('E_AUTH_FAILED', `credential command ${program} printed JSON without ${missing.length ? missing.join(' and ') : 'Version: 1'}`, {
      plugin: PLUGIN,
      hint: 'the credential_process format needs Version 1, AccessKeyId and SecretAccessKey',
    });
  }
  const expiration = data.Expiration ? new Date(data.Expiration) : undefined;
  if (expiration && Number.isNaN(expiration.getTime())) {
    throw new TfwrapError('E_AUTH_FAILED', `credential command ${program} printed an Expiration that is not a date`, { plugin: PLUGIN });
  }
  if (expiration && expiration.getTime() <= Date.now()) {
    throw new TfwrapError('E_AUTH_EXPIRING', `credential command ${program} printed credentials that expired at ${expiration.toISOString()}`, { plugin: PLUGIN });
  }
  return {
    accessKeyId: data.AccessKeyId,
    secretAccessKey: data.SecretAccessKey,
    ...(data.SessionToken ? { sessionToken: data.SessionToken } : {}),
    ...(expiration ? { expiration } : {}),
  };
}
