// Loopback stand-ins for credential sources moto does not serve usefully: the ECS container
// credentials endpoint and EC2 IMDS (moto's own IMDS creds are rejected with auth on), plus a
// "black hole" that accepts connections and never answers.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ACCOUNTS, REGION, roleArn, type AwsKey } from './moto.js';

/** What the fakes need from a Moto: read lazily so they keep working after moto.reset(). */
export interface MotoCredentialSource {
  readonly endpoint: string;
  readonly admin: AwsKey;
}

export interface RoleCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  /** ISO 8601 */
  Expiration: string;
  RoleArn: string;
}

/** Real STS AssumeRole on moto with the admin key; moto accepts the result. */
export async function mintRoleCredentials(
  moto: MotoCredentialSource,
  arn: string,
  sessionName = 'tfwrap-fake',
): Promise<RoleCredentials> {
  const sts = new STSClient({ endpoint: moto.endpoint, region: REGION, credentials: moto.admin, maxAttempts: 1 });
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: sessionName }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`AssumeRole ${arn} returned no credentials`);
    }
    return {
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      Token: c.SessionToken,
      Expiration: c.Expiration.toISOString(),
      RoleArn: arn,
    };
  } finally {
    sts.destroy(); // no keep-alive sockets holding the event loop
  }
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Serve fresh moto credentials per request; a moto failure becomes a 500 the client will see. */
async function serveCreds(res: http.ServerResponse, mint: () => Promise<unknown>): Promise<void> {
  try {
    sendJson(res, 200, await mint());
  } catch (err) {
    sendJson(res, 500, { message: `fake endpoint could not mint credentials: ${String(err)}` });
  }
}

export interface EcsCredentialsServer {
  /** Value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  /** Value for AWS_CONTAINER_AUTHORIZATION_TOKEN; requests without it get 401. */
  readonly token: string;
  readonly roleArn: string;
  /** Requests received, including rejected ones. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startEcsCredentialsServer(opts: {
  moto: MotoCredentialSource;
  /** Default: role ecs-task in 777777777777. */
  roleArn?: string;
  token?: string;
  path?: string;
}): Promise<EcsCredentialsServer> {
  const arn = opts.roleArn ?? roleArn(ACCOUNTS.ecs, 'ecs-task');
  const token = opts.token ?? `ecs-${randomBytes(8).toString('hex')}`;
  const path = opts.path ?? '/creds';
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (req.method !== 'GET' || req.url !== path) return sendJson(res, 404, { message: 'not found' });
    if (req.headers.authorization !== token) return sendJson(res, 401, { message: 'bad authorization token' });
    void serveCreds(res, () => mintRoleCredentials(opts.moto, arn, 'ecs'));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    token,
    roleArn: arn,
    get requests() {
      return requests;
    },
    close: () => closeHttp(server),
  };
}

export interface ImdsServer {
  /** Value for AWS_EC2_METADATA_SERVICE_ENDPOINT (`http://127.0.0.1:PORT`). */
  readonly endpoint: string;
  readonly roleName: string;
  readonly roleArn: string;
  /** Requests received, including token PUTs and rejected ones. */
  readonly requests: number;
  close(): Promise<void>;
}

const CREDS_PATH = '/latest/meta-data/iam/security-credentials/';

export async function startImdsServer(opts: {
  moto: MotoCredentialSource;
  /** Default: `instance`, in 888888888888. */
  roleName?: string;
  /** Default: the role `roleName` in 888888888888. */
  roleArn?: string;
  /** IMDSv2 only (default true): metadata GETs without a valid token get 401. */
  requireToken?: boolean;
}): Promise<ImdsServer> {
  const roleName = opts.roleName ?? 'instance';
  const arn = opts.roleArn ?? roleArn(ACCOUNTS.instance, roleName);
  const tokens = new Set<string>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) {
        res.writeHead(400).end();
        return;
      }
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(token);
      return;
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (opts.requireToken !== false && !(typeof token === 'string' && tokens.has(token))) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'GET' && (req.url === CREDS_PATH || req.url === CREDS_PATH.slice(0, -1))) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(roleName);
      return;
    }
    if (req.method === 'GET' && req.url === CREDS_PATH + roleName) {
      void serveCreds(res, async () => {
        const c = await mintRoleCredentials(opts.moto, arn, 'instance');
        return {
          Code: 'Success',
          LastUpdated: new Date().toISOString(),
          Type: 'AWS-HMAC',
          AccessKeyId: c.AccessKeyId,
          SecretAccessKey: c.SecretAccessKey,
          Token: c.Token,
          Expiration: c.Expiration,
        };
      });
      return;
    }
    res.writeHead(404).end();
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    roleName,
    roleArn: arn,
    get requests() {
      return requests;
    },
    close: () => closeHttp(server),
  };
}

export interface BlackHole {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Drops every held connection, then stops listening. */
  close(): Promise<void>;
}

/** Accepts TCP connections, reads and discards everything, never writes a byte. */
export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
