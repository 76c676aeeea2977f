// @ts-check
/** The `example/command` implementation: loaded only when such an identity is used. */
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TfwrapError, ensurePrivateDir } from '@tfwrap/plugin-kit';

const PLUGIN = 'tfwrap-plugin-command';

/** The parent's credential variables: the child must use the identity's, not these. */
const CLEARED = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME'];

/**
 * @param {{ dir: string, paths: { realmConfigDir: string } }} where
 * @returns {import('@tfwrap/plugin-kit').KindImplementation<any>}
 */
export function createCommandKind(where) {
  return {
    async authenticate(ctx) {
      const [program, ...args] = ctx.config.principal.command;
      const file = program.startsWith('./') || program.startsWith('../') ? resolve(where.dir, program) : program;
      const timeout = (ctx.config.principal.timeout_seconds ?? 20) * 1000;
      const { stdout } = await run(file, args, { cwd: where.dir, env: ctx.parentEnv, signal: ctx.signal, timeout });
      const credentials = parse(stdout, program);
      ctx.secret(credentials.secretAccessKey);
      ctx.secret(credentials.sessionToken);
      return { ...credentials, ...(ctx.config.principal.region ? { region: ctx.config.principal.region } : {}) };
    },

    prepareEnv(env, ctx) {
      const credentials = /** @type {any} */ (ctx.credentials);
      const dir = ensurePrivateDir(join(where.paths.realmConfigDir, 'aws', 'example-command'));
      const profile = ctx.identity;
      const region = ctx.config.principal.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      const credentialsFile = join(dir, 'credentials');
      const configFile = join(dir, 'config');
      writePrivate(credentialsFile, [
        `[${profile}]`,
        `aws_access_key_id = ${credentials.accessKeyId}`,
        `aws_secret_access_key = ${credentials.secretAccessKey}`,
        ...(credentials.sessionToken ? [`aws_session_token = ${credentials.sessionToken}`] : []),
        ...(credentials.expiration ? [`; expiration = ${credentials.expiration.toISOString()}`] : []),
      ]);
      writePrivate(configFile, [`[profile ${profile}]`, ...(region ? [`region = ${region}`] : [])]);
      const child = { ...env };
      for (const name of CLEARED) delete child[name];
      Object.assign(child, {
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_CONFIG_FILE: configFile,
        AWS_PROFILE: profile,
        AWS_SDK_LOAD_CONFIG: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}),
      });
      return child;
    },
  };
}

/** @param {string} file @param {string[]} lines */
function writePrivate(file, lines) {
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
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

/** credential_process JSON: { Version: 1, AccessKeyId, SecretAccessKey, SessionToken?, Expiration? } */
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
    type: 'aws',
    accessKeyId: data.AccessKeyId,
    secretAccessKey: data.SecretAccessKey,
    ...(data.SessionToken ? { sessionToken: data.SessionToken } : {}),
    ...(expiration ? { expiration } : {}),
  };
}
