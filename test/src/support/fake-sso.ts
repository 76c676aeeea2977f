// A loopback stand-in for IAM Identity Center: the SSO OIDC API (RegisterClient,
// StartDeviceAuthorization, CreateToken with the device_code and refresh_token grants) and the
// portal API (ListAccounts, paginated; ListAccountRoles; GetRoleCredentials). No emulator serves
// them. Plain HTTP on 127.0.0.1, spoken the way the real @aws-sdk clients expect (restJson1,
// errors named by x-amzn-errortype). Role credentials are minted on moto (STS AssumeRole with the
// admin key), so they are valid for moto with request authentication on.
//
// The test plays the person: `nextDeviceAuthorization()` waits for a sign-in to start, then
// `approve(userCode)` or `deny(userCode)`; until then CreateToken answers authorization_pending.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mintRoleCredentials, type MotoCredentialSource } from './fake-endpoints.js';
import { ACCOUNTS, roleArn } from './moto.js';

export interface FakeAccount {
  id: string;
  name: string;
  /** Permission set name -> the moto role its credentials are minted from. */
  roles: Record<string, string>;
}

/** Five accounts, two per ListAccounts page: "sandbox" is on page 2, "tooling" on page 3. */
const DEFAULT_ACCOUNTS: FakeAccount[] = [
  { id: ACCOUNTS.state, name: 'state', roles: { AdministratorAccess: roleArn(ACCOUNTS.state, 'TerraformDeployRole'), ReadOnly: roleArn(ACCOUNTS.state, 'Limited') } },
  { id: ACCOUNTS.irsa, name: 'identity', roles: { ReadOnly: roleArn(ACCOUNTS.irsa, 'Limited') } },
  { id: ACCOUNTS.instance, name: 'sandbox', roles: { AdministratorAccess: roleArn(ACCOUNTS.instance, 'Hop1') } },
  { id: ACCOUNTS.ecs, name: 'Sandbox-Old', roles: { ReadOnly: roleArn(ACCOUNTS.ecs, 'Limited') } },
  { id: '555555555555', name: 'tooling', roles: {} },
];

type SsoOperation =
  | 'RegisterClient'
  | 'StartDeviceAuthorization'
  | 'CreateToken:device_code'
  | 'CreateToken:refresh_token'
  | 'ListAccounts'
  | 'ListAccountRoles'
  | 'GetRoleCredentials';

interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
}

export interface FakeSso {
  /** For AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO. */
  readonly endpoint: string;
  count(operation: SsoOperation): number;
  /** Every token, secret and code the fake handed out: none may appear in any output. */
  readonly secrets: ReadonlySet<string>;
  /** Resolves with the next sign-in started (or one already started and not yet handed out). */
  nextDeviceAuthorization(): Promise<DeviceAuthorization>;
  /** The person approves the sign-in showing `userCode`, as `user` (the role session name). */
  approve(userCode: string, user?: string): void;
  deny(userCode: string): void;
  /** The next sign-in started answers slow_down to its first poll. */
  slowDownNext(): void;
  /** Every access token issued so far is refused from now on (401). */
  revokeAccessTokens(): void;
  /** Every refresh token issued so far is refused from now on. */
  revokeRefreshTokens(): void;
  close(): Promise<void>;
}

interface Device {
  deviceCode: string;
  userCode: string;
  clientId: string;
  state: 'pending' | 'approved' | 'denied' | 'used';
  user?: string;
  slowDown: boolean;
  expiresAt: number;
}

const PAGE_SIZE = 2;

export async function startFakeSso(opts: { moto: MotoCredentialSource; accounts?: FakeAccount[]; accessTokenSeconds?: number; interval?: number }): Promise<FakeSso> {
  const accounts = opts.accounts ?? DEFAULT_ACCOUNTS;
  const counts = new Map<SsoOperation, number>();
  const secrets = new Set<string>();
  const clients = new Map<string, string>(); // clientId -> clientSecret
  const devices = new Map<string, Device>(); // deviceCode -> device
  const accessTokens = new Map<string, { user: string; expiresAt: number; revoked: boolean }>();
  const refreshTokens = new Map<string, { user: string; clientId: string; revoked: boolean }>();
  const handedOut = new Set<string>();
  const waiters: Array<(device: Device) => void> = [];
  let slowDownNext = false;
  let endpoint = '';

  const secret = (prefix: string) => {
    const value = `${prefix}${randomBytes(18).toString('hex')}`;
    secrets.add(value);
    return value;
  };
  const bump = (op: SsoOperation) => counts.set(op, (counts.get(op) ?? 0) + 1);
  const offer = (device: Device) => {
    const waiter = waiters.shift();
    if (!waiter) return;
    handedOut.add(device.deviceCode);
    waiter(device);
  };

  const issueTokens = (user: string, clientId: string) => {
    const accessToken = secret('fake-sso-access-');
    const refreshToken = secret('fake-sso-refresh-');
    const expiresIn = opts.accessTokenSeconds ?? 3600;
    accessTokens.set(accessToken, { user, expiresAt: Date.now() + expiresIn * 1000, revoked: false });
    refreshTokens.set(refreshToken, { user, clientId, revoked: false });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn };
  };

  /** The signed-in user behind a portal request, or undefined after answering 401. */
  const bearer = (req: http.IncomingMessage, res: http.ServerResponse): string | undefined => {
    const token = req.headers['x-amz-sso_bearer_token'];
    const entry = typeof token === 'string' ? accessTokens.get(token) : undefined;
    if (!entry || entry.revoked || entry.expiresAt <= Date.now()) {
      fail(res, 401, 'UnauthorizedException', { message: 'Session token not found or invalid' });
      return undefined;
    }
    return entry.user;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', endpoint);
      let body: Record<string, unknown>;
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return fail(res, 400, 'InvalidRequestException', { error: 'invalid_request', error_description: 'body is not JSON' });
      }
      void route(req.method ?? 'GET', url, body, req, res).catch((err: unknown) => fail(res, 500, 'InternalServerException', { message: String(err) }));
    });
  });

  async function route(method: string, url: URL, body: Record<string, unknown>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // --- SSO OIDC ---
    if (method === 'POST' && url.pathname === '/client/register') {
      bump('RegisterClient');
      const scopes = body.scopes as string[] | undefined;
      const grants = body.grantTypes as string[] | undefined;
      if (body.clientType !== 'public' || !scopes?.includes('sso:account:access') || !grants?.includes('refresh_token')) {
        return fail(res, 400, 'InvalidClientMetadataException', { error: 'invalid_client_metadata', error_description: 'expected a public client with sso:account:access and refresh_token' });
      }
      const clientId = `fake-client-${randomBytes(6).toString('hex')}`;
      const clientSecret = secret('fake-client-secret-');
      clients.set(clientId, clientSecret);
      const now = Math.floor(Date.now() / 1000);
      return send(res, 200, { clientId, clientSecret, clientIdIssuedAt: now, clientSecretExpiresAt: now + 90 * 24 * 3600 });
    }
    if (method === 'POST' && url.pathname === '/device_authorization') {
      bump('StartDeviceAuthorization');
      if (clients.get(String(body.clientId)) !== body.clientSecret) return fail(res, 401, 'InvalidClientException', { error: 'invalid_client' });
      const device: Device = {
        deviceCode: secret('fake-device-code-'),
        userCode: `${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}`,
        clientId: String(body.clientId),
        state: 'pending',
        slowDown: slowDownNext,
        expiresAt: Date.now() + 600_000,
      };
      slowDownNext = false;
      devices.set(device.deviceCode, device);
      send(res, 200, {
        deviceCode: device.deviceCode,
        userCode: device.userCode,
        verificationUri: `${endpoint}/device`,
        verificationUriComplete: `${endpoint}/device?user_code=${device.userCode}`,
        expiresIn: 600,
        interval: opts.interval ?? 1,
      });
      offer(device);
      return;
    }
    if (method === 'POST' && url.pathname === '/token') {
      if (clients.get(String(body.clientId)) !== body.clientSecret) return fail(res, 401, 'InvalidClientException', { error: 'invalid_client' });
      if (body.grantType === 'refresh_token') {
        bump('CreateToken:refresh_token');
        const entry = refreshTokens.get(String(body.refreshToken));
        if (!entry || entry.revoked || entry.clientId !== body.clientId) return fail(res, 400, 'InvalidGrantException', { error: 'invalid_grant', error_description: 'refresh token is invalid or expired' });
        entry.revoked = true; // rotated: the answer carries a new one
        return send(res, 200, issueTokens(entry.user, entry.clientId));
      }
      if (body.grantType !== 'urn:ietf:params:oauth:grant-type:device_code') return fail(res, 400, 'UnsupportedGrantTypeException', { error: 'unsupported_grant_type' });
      bump('CreateToken:device_code');
      const device = devices.get(String(body.deviceCode));
      if (!device || device.clientId !== body.clientId || device.state === 'used') return fail(res, 400, 'InvalidGrantException', { error: 'invalid_grant' });
      if (device.expiresAt <= Date.now()) return fail(res, 400, 'ExpiredTokenException', { error: 'expired_token' });
      if (device.slowDown) {
        device.slowDown = false;
        return fail(res, 400, 'SlowDownException', { error: 'slow_down' });
      }
      if (device.state === 'denied') return fail(res, 400, 'AccessDeniedException', { error: 'access_denied', error_description: 'the user denied the request' });
      if (device.state === 'pending') return fail(res, 400, 'AuthorizationPendingException', { error: 'authorization_pending' });
      device.state = 'used';
      return send(res, 200, issueTokens(device.user ?? 'alice', device.clientId));
    }

    // --- portal ---
    if (method === 'GET' && url.pathname === '/assignment/accounts') {
      bump('ListAccounts');
      if (!bearer(req, res)) return;
      const start = Number(url.searchParams.get('next_token') ?? '0');
      const size = Math.min(Number(url.searchParams.get('max_result') ?? PAGE_SIZE), PAGE_SIZE);
      const page = accounts.slice(start, start + size);
      const next = start + size < accounts.length ? String(start + size) : undefined;
      return send(res, 200, { accountList: page.map((a) => ({ accountId: a.id, accountName: a.name, emailAddress: `${a.name}@example.com` })), ...(next ? { nextToken: next } : {}) });
    }
    if (method === 'GET' && url.pathname === '/assignment/roles') {
      bump('ListAccountRoles');
      if (!bearer(req, res)) return;
      const account = accounts.find((a) => a.id === url.searchParams.get('account_id'));
      return send(res, 200, { roleList: Object.keys(account?.roles ?? {}).map((roleName) => ({ roleName, accountId: account!.id })) });
    }
    if (method === 'GET' && url.pathname === '/federation/credentials') {
      bump('GetRoleCredentials');
      const user = bearer(req, res);
      if (!user) return;
      const account = accounts.find((a) => a.id === url.searchParams.get('account_id'));
      const arn = account?.roles[url.searchParams.get('role_name') ?? ''];
      if (!arn) return fail(res, 403, 'ForbiddenException', { message: 'No access' });
      const c = await mintRoleCredentials(opts.moto, arn, user);
      return send(res, 200, { roleCredentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token, expiration: Date.parse(c.Expiration) } });
    }
    fail(res, 404, 'ResourceNotFoundException', { message: `no route ${method} ${url.pathname}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const byUserCode = (userCode: string) => {
    const device = [...devices.values()].find((d) => d.userCode === userCode);
    if (!device) throw new Error(`fake SSO: no sign-in with code ${userCode}`);
    return device;
  };

  return {
    endpoint,
    secrets,
    count: (op) => counts.get(op) ?? 0,
    nextDeviceAuthorization() {
      return new Promise((resolve) => {
        const waiting = [...devices.values()].find((d) => d.state === 'pending' && !handedOut.has(d.deviceCode));
        const hand = (device: Device) => resolve({ userCode: device.userCode, verificationUri: `${endpoint}/device?user_code=${device.userCode}` });
        if (waiting) {
          handedOut.add(waiting.deviceCode);
          hand(waiting);
        } else {
          waiters.push(hand);
        }
      });
    },
    approve(userCode, user = 'alice') {
      const device = byUserCode(userCode);
      device.state = 'approved';
      device.user = user;
    },
    deny(userCode) {
      byUserCode(userCode).state = 'denied';
    },
    slowDownNext() {
      slowDownNext = true;
    },
    revokeAccessTokens() {
      for (const entry of accessTokens.values()) entry.revoked = true;
    },
    revokeRefreshTokens() {
      for (const entry of refreshTokens.values()) entry.revoked = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: http.ServerResponse, status: number, type: string, body: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify(body));
}
