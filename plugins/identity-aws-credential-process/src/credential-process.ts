/**
 * The `aws/credential-process` implementation: run the command (through the shell when it is one
 * string, as the AWS SDKs do; directly when it is a list), read the credential_process JSON from
 * its stdout, and hand the keys on. Its stdout is never shown (it holds keys); the last line of
 * its stderr may be, with anything key-like masked.
 */
import { spawn } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { TfwrapError, type Env, type KindImplementation } from '@tfwrap/plugin-kit';
import {
  fromSdkCredentials,
  type AwsCredentials,
  managedAwsMethods,
} from '@tfwrap/aws';
import { DEFAULT_TIMEOUT_SECONDS, parseCommandTimeout, type CredentialProcessConfig } from './index.js';

/** More than any credential_process prints; a command that prints more is stopped. */
const MAX_STDOUT_BYTES = 1024 * 1024;
const STDERR_TAIL_BYTES = 4096;

export interface CommandSpec {
  /** The program, or the shell command line. */
  file: string;
  args: string[];
  shell: boolean;
  /** How the command is named in messages: its program only, never its arguments. */
  label: string;
}

export function commandSpec(command: string | string[], dir: string): CommandSpec {
  if (typeof command === 'string') {
    // The program: the first word after any NAME=value assignments (whose values are not shown).
    const words = command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
    const program = (words.find((word) => !/^[A-Za-z_]\w*=/.test(word)) ?? 'sh').replace(/"([^"]*)"|'([^']*)'/g, '$1$2');
    return { file: command, args: [], shell: true, label: program };
  }
  const [program, ...args] = command;
  const file = !isAbsolute(program!) && /[\\/]/.test(program!) ? resolve(dir, program!) : program!;
  return { file, args, shell: false, label: program! };
}

/** Mask what could be a key or token in a line of the command's stderr; keep it short and printable. */
export function safeStderrLine(stderr: string): string | undefined {
  const line = stderr
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (!line) return undefined;
  const masked = line
    .replace(/[\x00-\x1f\x7f]/g, ' ')
    .replace(/[A-Za-z0-9+/=_-]{20,}/g, (word) => (/[0-9]/.test(word) && /[A-Za-z]/.test(word) ? '***' : word));
  return masked.length > 200 ? `${masked.slice(0, 200)}...` : masked;
}

interface RunOptions {
  cwd: string;
  env: Readonly<Env>;
  signal: AbortSignal;
  timeoutSeconds: number;
}

/** Run the command; resolve with its stdout, or reject with one line that shows none of it. */
export function runCommand(spec: CommandSpec, options: RunOptions): Promise<string> {
  const what = `credential_process command ${spec.label}`;
  return new Promise((resolvePromise, reject) => {
    // A command may prompt (an MFA code, a browser sign-in): give it the terminal when there is one.
    const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    // Without a terminal the command gets a process group of its own, so that stopping it (an
    // interrupt, its time limit) stops what it started too (`sh -c 'sleep 4; ...'`). With one it
    // stays in tfwrap's foreground group to read the terminal, where Ctrl-C reaches all of it.
    const ownGroup = !interactive && process.platform !== 'win32';
    const child = spawn(spec.file, spec.args, {
      cwd: options.cwd,
      env: { ...options.env },
      shell: spec.shell,
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
      detached: ownGroup,
    });
    const stop = () => {
      if (ownGroup && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
          return;
        } catch {
          // the group is gone already
        }
      }
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let settled = false;
    const finish = (err: TfwrapError | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (err) {
        stop();
        reject(err);
      } else resolvePromise(value!);
    };
    const onAbort = () => finish(new TfwrapError('E_INTERRUPTED', `${what} was stopped`));
    options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        finish(
          new TfwrapError('E_AUTH_TIMEOUT', `${what} did not finish within ${options.timeoutSeconds} s`, {
            hint: interactive ? 'raise principal.timeout if it waits for you (a sign-in, an MFA code)' : 'it may be waiting for input, and tfwrap has no terminal to give it; run it by hand once (to sign in), or raise principal.timeout',
          }),
        ),
      options.timeoutSeconds * 1000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) return finish(new TfwrapError('E_AUTH_FAILED', `${what} printed more than ${MAX_STDOUT_BYTES / 1024} KiB; credential_process output is one small JSON object`));
      stdout.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (interactive) process.stderr.write(chunk); // its prompts
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'was not found' : err.code === 'EACCES' ? 'is not executable' : `could not start (${err.code ?? err.message})`;
      finish(new TfwrapError('E_AUTH_FAILED', `${what} ${why}`, { hint: 'check principal.command; a relative program resolves from the directory of tfwrap.yaml' }));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return finish(undefined, Buffer.concat(stdout).toString('utf8'));
      const detail = safeStderrLine(stderr);
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      finish(new TfwrapError('E_AUTH_FAILED', `${what} ${how}${detail ? `: ${detail}` : ''}`, { hint: 'run the command by hand to see why; it must print credential_process JSON and exit 0' }));
    });
  });
}

/**
 * credential_process JSON: `{ Version: 1, AccessKeyId, SecretAccessKey, SessionToken?, Expiration? }`.
 * Errors say what is wrong with the output, never what it was.
 */
export function parseProcessOutput(stdout: string, label: string, region?: string, now = Date.now()): AwsCredentials {
  const what = `credential_process command ${label}`;
  const hint = 'it must print one JSON object with Version 1, AccessKeyId, SecretAccessKey, and for a session SessionToken and Expiration';
  let data: Record<string, unknown>;
  try {
    const parsed = JSON.parse(stdout) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    data = parsed as Record<string, unknown>;
  } catch {
    const size = Buffer.byteLength(stdout);
    throw new TfwrapError('E_AUTH_FAILED', `${what} did not print a credential_process JSON object (${size === 0 ? 'its output was empty' : `${size} bytes of output, not shown`})`, { hint });
  }
  if (data.Version !== 1) {
    throw new TfwrapError('E_AUTH_FAILED', `${what} printed Version ${JSON.stringify(data.Version ?? null)}; credential_process output must be Version 1`, { hint });
  }
  const missing = ['AccessKeyId', 'SecretAccessKey'].filter((field) => typeof data[field] !== 'string' || !data[field]);
  if (missing.length) throw new TfwrapError('E_AUTH_FAILED', `${what} printed JSON without ${missing.join(' and ')}`, { hint });
  if (data.SessionToken !== undefined && typeof data.SessionToken !== 'string') throw new TfwrapError('E_AUTH_FAILED', `${what} printed a SessionToken that is not text`, { hint });
  let expiration: Date | undefined;
  if (data.Expiration !== undefined && data.Expiration !== null) {
    expiration = typeof data.Expiration === 'string' ? new Date(data.Expiration) : new Date(NaN);
    if (Number.isNaN(expiration.getTime())) throw new TfwrapError('E_AUTH_FAILED', `${what} printed an Expiration that is not an ISO 8601 date`, { hint });
    if (expiration.getTime() <= now) {
      throw new TfwrapError('E_AUTH_EXPIRING', `${what} printed credentials that expired at ${expiration.toISOString()}`, { hint: 'the tool handed out a stale session: sign in with it again (for aws-vault: aws-vault clear)' });
    }
  }
  return fromSdkCredentials(
    { accessKeyId: data.AccessKeyId as string, secretAccessKey: data.SecretAccessKey as string, sessionToken: (data.SessionToken as string | undefined) || undefined, expiration },
    { region },
  );
}

export function createCredentialProcessKind(where: { dir: string }): KindImplementation<CredentialProcessConfig> {
  return {
    async authenticate(ctx) {
      const p = ctx.config.principal;
      const spec = commandSpec(p.command, where.dir);
      const timeoutSeconds = p.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : (parseCommandTimeout(p.timeout) as number);
      const stdout = await runCommand(spec, { cwd: where.dir, env: ctx.parentEnv, signal: ctx.signal, timeoutSeconds });
      const credentials = parseProcessOutput(stdout, spec.label, p.region);
      ctx.secret(credentials.secretAccessKey);
      ctx.secret(credentials.sessionToken);
      ctx.log.debug(`credentials from ${spec.label}${credentials.expiration ? `, expire ${credentials.expiration.toISOString()}` : ', no expiry'}`);
      return credentials;
    },

    ...managedAwsMethods<CredentialProcessConfig>((ctx) => ctx.config.principal.region),
  };
}
