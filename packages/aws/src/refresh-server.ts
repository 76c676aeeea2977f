/**
 * Fresh credentials for a child that outlives its session. The tfwrap parent, which still holds
 * the original ambient environment, listens on a unix socket (0600, in a 0700 directory of its
 * own); the child's profile runs `credential_process = node credential-process.js <dir>`, which
 * sends the token kept in `<dir>/token` and prints what the parent answers in the
 * credential_process format. The SDK in terraform calls it again when the expiry nears.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrivateDir } from '@tfwrap/core';
import type { AwsCredentials } from './credentials.js';

export interface RefreshServer {
  dir: string;
  socket: string;
  /** The `credential_process` command line. */
  command: string;
  credentialsFile: string;
  configFile: string;
  /** Stop listening and delete the run directory (synchronous: it runs at process exit). */
  close(): void;
}

/** A path every SDK passes through to a shell unchanged. */
const PLAIN_PATH = /^[\w./-]+$/;

/** Unix socket paths are limited to ~104-108 bytes. */
const MAX_SOCKET_PATH = 100;

/** What `credential_process` prints (Version 1). */
export function toProcessOutput(credentials: AwsCredentials): Record<string, unknown> {
  return {
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { SessionToken: credentials.sessionToken } : {}),
    ...(credentials.expiration ? { Expiration: credentials.expiration.toISOString() } : {}),
  };
}

export async function startRefreshServer(options: { realmConfigDir: string; credentials: () => Promise<AwsCredentials> }): Promise<RefreshServer> {
  const runsDir = join(options.realmConfigDir, 'runs');
  ensurePrivateDir(runsDir);
  pruneDeadRuns(runsDir);
  let dir = mkdtempSync(join(runsDir, `${process.pid}-`));
  // A deep XDG path would not fit a socket name, and a path with spaces or quotes would not
  // survive every SDK's parsing of credential_process (Go strips quotes): use a private temp dir.
  if (join(dir, 'socket').length > MAX_SOCKET_PATH || !PLAIN_PATH.test(dir)) {
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'tfwrap-'));
  }
  chmodSync(dir, 0o700);
  const socket = join(dir, 'socket');
  const token = randomBytes(32);
  writeFileSync(join(dir, 'token'), token.toString('hex'), { mode: 0o600 });

  const server: Server = createServer((conn) => {
    let received = '';
    conn.setTimeout(10_000, () => conn.destroy());
    conn.on('error', () => {});
    conn.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (!received.includes('\n')) return;
      const offered = Buffer.from(received.split('\n')[0]!.trim(), 'hex');
      if (offered.length !== token.length || !timingSafeEqual(offered, token)) {
        conn.end(JSON.stringify({ error: 'refused: wrong token' }) + '\n');
        return;
      }
      options
        .credentials()
        .then((credentials) => conn.end(JSON.stringify(toProcessOutput(credentials)) + '\n'))
        .catch((err: Error) => conn.end(JSON.stringify({ error: err.message }) + '\n'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  chmodSync(socket, 0o600);
  // Children keep tfwrap busy while they run; the server alone must not keep it alive.
  server.unref();
  // credential_process names a launcher script by a plain path: the SDKs split the command line
  // differently (botocore shlex, Node a shell, Go strips INI quotes), a bare path means the same to all.
  const client = fileURLToPath(new URL('./credential-process.js', import.meta.url));
  const launcher = join(dir, 'credential-process');
  writeFileSync(launcher, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(client)} ${shellQuote(dir)}\n`, { mode: 0o700 });
  return {
    dir,
    socket,
    command: launcher,
    credentialsFile: join(dir, 'credentials'),
    configFile: join(dir, 'config'),
    close: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Run directories of tfwrap processes that were killed before they could clean up. */
function pruneDeadRuns(runsDir: string): void {
  for (const entry of readdirSync(runsDir)) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(runsDir, entry), { recursive: true, force: true });
    }
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
