// A real moto server for e2e tests: patched launcher + seeded accounts, request auth on.
// See test/support/moto_bootstrap.py for what is seeded.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { appendFileSync } from 'node:fs';

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export const REGION = 'us-east-1';

export const ACCOUNTS = {
  /** Owns the IAM users `admin` and `nopolicy`. */
  admin: '123456789012',
  /** State account: tfstate-bucket, tflock, role Untrusted. */
  state: '999999999999',
  /** Holds role `instance` (IMDS fake). */
  instance: '888888888888',
  /** Holds role `ecs-task` (ECS fake). */
  ecs: '777777777777',
  /** Holds role `irsa` (web identity). */
  irsa: '111122223333',
} as const;

/** Every account in ACCOUNTS except admin has TerraformDeployRole, Hop1, Hop2 and Limited. */
export function roleArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

export const STATE_BUCKET = 'tfstate-bucket';

/**
 * A tfwrap.yaml with the two identities the s3 backend section uses: `admin` (aws/ambient, the
 * admin key in the environment) and `deployer` (TerraformDeployRole assumed from it).
 */
export const DEPLOYER_CONFIG = `
stacks:
  excluded_paths: ["catalog/**"]
auth:
  identities:
    admin:
      kind: aws/ambient
      principal: { region: ${REGION} }
    deployer:
      kind: aws/assume-role
      via: { identity: admin }
      principal:
        assume_role: "${roleArn(ACCOUNTS.state, 'TerraformDeployRole')}"
`;

/**
 * A stack manifest's `terraform:` section that keeps state in moto's S3 under `key`, through the
 * `deployer` identity (the options terraform's s3 backend needs against an emulator).
 */
export function s3BackendSection(key: string): string {
  return `
terraform:
  backend_type: s3
  backend:
    s3:
      bucket: ${STATE_BUCKET}
      key: ${key}/terraform.tfstate
      region: ${REGION}
      use_path_style: true
      use_lockfile: true
      skip_requesting_account_id: true
      skip_metadata_api_check: true
      skip_region_validation: true
  auth: { identity: deployer }
`;
}

export interface MotoOptions {
  /** Port to bind on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Python with moto installed; default $TFWRAP_TEST_PYTHON or `python3` from PATH. */
  python?: string;
  /** Give up if moto is not serving and seeded within this time (default 30 s). */
  startTimeoutMs?: number;
}

export interface Moto {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  /** PID of the python process serving moto. */
  readonly pid: number;
  /** Keys of the seeded users; they change after reset(). */
  readonly admin: AwsKey;
  readonly nopolicy: AwsKey;
  /** Switch request authentication on (default after start) or off. */
  setAuth(on: boolean): Promise<void>;
  /** Wipe all state, seed again and switch auth on. New admin/nopolicy keys. */
  reset(): Promise<void>;
  /** SIGTERM and wait for exit (SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

const supportDir = fileURLToPath(new URL('../../support/', import.meta.url));
const LAUNCHER = supportDir + 'moto_launcher.py';
const BOOTSTRAP = supportDir + 'moto_bootstrap.py';
const READY_PREFIX = 'MOTO_LISTENING ';

// The interpreter the launcher reports: calling it directly skips the pyenv shim (~0.3 s).
let realPython: string | undefined;

/** Parent env without AWS credentials or proxies: python must reach loopback directly. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !/_proxy$/i.test(k)) env[k] = v;
  }
  env.PYTHONUNBUFFERED = '1';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

async function motoApi(endpoint: string, path: string, body?: string): Promise<string> {
  const res = await fetch(endpoint + path, {
    method: body === undefined ? 'GET' : 'POST',
    // moto parses reset-auth's body only when it is text/plain.
    headers: body === undefined ? {} : { 'Content-Type': 'text/plain' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`moto ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

function runBootstrap(python: string, endpoint: string, timeout = 90_000): Promise<{ admin: AwsKey; nopolicy: AwsKey }> {
  return new Promise((resolve, reject) => {
    execFile(python, [BOOTSTRAP, endpoint], { env: pythonEnv(), timeout }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`moto bootstrap failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`moto bootstrap printed no JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startMoto(opts: MotoOptions = {}): Promise<Moto> {
  const python = opts.python ?? process.env.TFWRAP_TEST_PYTHON ?? realPython ?? 'python3';
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  // Set TFWRAP_TEST_MOTO_LOG=/path to keep moto's request log.
  const logFile = process.env.TFWRAP_TEST_MOTO_LOG;
  const args = [LAUNCHER, '--port', String(opts.port ?? 0), ...(logFile ? ['--verbose'] : [])];
  const child = spawn(python, args, { env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });

  // Kill moto even if the test process dies without running hooks.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  // Drain stderr always (a full pipe would block moto); keep a tail for error messages.
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (logFile) appendFileSync(logFile, line + '\n');
    stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.shift();
  });
  const failure = (what: string) => new Error(`moto ${what}\n--- moto stderr ---\n${stderrTail.join('\n')}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // pid is undefined if the spawn itself failed: nothing to stop.
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await waitForExit(child);
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })();
    return stopping;
  };

  try {
    const info = await new Promise<{ port: number; pid: number; python: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(failure('did not start listening in time')), deadline - Date.now());
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (!line.startsWith(READY_PREFIX)) return;
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(READY_PREFIX.length)));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${python}: ${err.message}`));
      });
      // 'close' (not 'exit'): by then all of stderr has been read into the tail.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(failure(`launcher (${python}) exited early (code ${code}, signal ${signal}); does it have moto?`));
      });
    });
    // pyenv's shims exec, so the child is python itself; anything else would leak moto on stop().
    if (info.pid !== child.pid) throw failure(`pid ${info.pid} is not the spawned pid ${child.pid}`);
    realPython ??= info.python;

    const endpoint = `http://127.0.0.1:${info.port}`;
    for (;;) {
      try {
        await motoApi(endpoint, '/moto-api/');
        break;
      } catch (err) {
        if (Date.now() > deadline || child.exitCode !== null) throw failure(`not answering: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    let keys = await runBootstrap(info.python, endpoint, opts.startTimeoutMs);
    return {
      endpoint,
      port: info.port,
      pid: info.pid,
      get admin() {
        return keys.admin;
      },
      get nopolicy() {
        return keys.nopolicy;
      },
      async setAuth(on: boolean) {
        await motoApi(endpoint, '/moto-api/reset-auth', on ? '0' : 'inf');
      },
      async reset() {
        await motoApi(endpoint, '/moto-api/reset-auth', 'inf');
        await motoApi(endpoint, '/moto-api/reset', '');
        keys = await runBootstrap(info.python, endpoint);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

let shared: Promise<Moto> | undefined;

/** One moto for the whole mocha run, started on first use; the root hook stops it. */
export function sharedMoto(): Promise<Moto> {
  shared ??= startMoto();
  return shared;
}

export async function stopSharedMoto(): Promise<void> {
  if (!shared) return;
  const pending = shared;
  shared = undefined;
  await pending.then((m) => m.stop(), () => undefined);
}
