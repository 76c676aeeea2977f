// A loopback reverse proxy in front of moto that records STS calls and can fail them on demand.
// Point a client's STS endpoint (or every endpoint) at `proxy.endpoint`; non-STS traffic passes through.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

interface StsCall {
  action: string;
  /** Form/query parameters, e.g. RoleArn, RoleSessionName, DurationSeconds. */
  params: Record<string, string>;
  /** False for unsigned requests (AssumeRoleWithWebIdentity / SAML). */
  signed: boolean;
  /** Access key id from the SigV4 credential scope, if signed. */
  accessKeyId?: string;
  /** True if the proxy answered with an injected fault instead of forwarding. */
  faulted: boolean;
}

interface StsError {
  status: number;
  code: string;
  message: string;
  type?: 'Sender' | 'Receiver';
}

/**
 * A preset or a custom error, sent in STS's XML error format; or a fault of the transport:
 * `malformed` (200 with a body that is not XML), `reset` (the connection closed without an
 * answer), `{ delayMs }` (the answer forwarded only after that long).
 */
export type StsFault = 'throttling' | 'accessDenied' | 'serverError' | 'malformed' | 'reset' | { delayMs: number } | StsError;

type TransportFault = { transport: 'malformed' } | { transport: 'reset' } | { transport: 'delay'; delayMs: number };

interface FaultOptions {
  /** Only requests with this Action (default: any STS request). */
  action?: string;
  /** How many matching requests to fail (default 1). */
  times?: number;
}

export interface StsProxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  /** Every STS request seen since start/reset, in order. */
  readonly calls: readonly StsCall[];
  /** Number of STS requests with this Action (or all STS requests) since start/reset. */
  count(action?: string): number;
  /** Counts per Action, e.g. `{ AssumeRole: 2, GetCallerIdentity: 1 }`. */
  counts(): Record<string, number>;
  /** Fail the next `times` matching STS requests with `fault` (queued after earlier faults). */
  injectFault(fault: StsFault, opts?: FaultOptions): void;
  /** Forget recorded calls and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

const STS_ACTIONS = new Set([
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleWithSAML',
  'AssumeRoot',
  'DecodeAuthorizationMessage',
  'GetAccessKeyInfo',
  'GetCallerIdentity',
  'GetDelegatedAccessToken',
  'GetFederationToken',
  'GetSessionToken',
]);

const PRESETS: Record<'throttling' | 'accessDenied' | 'serverError', StsError> = {
  throttling: { status: 400, code: 'Throttling', message: 'Rate exceeded', type: 'Sender' },
  serverError: { status: 500, code: 'InternalFailure', message: 'internal failure (injected by sts-proxy)', type: 'Receiver' },
  accessDenied: {
    status: 403,
    code: 'AccessDenied',
    message: 'User is not authorized to perform: sts:AssumeRole (injected by sts-proxy)',
    type: 'Sender',
  },
};

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Decide whether a request is an STS call; returns undefined for other services. */
function parseSts(req: http.IncomingMessage, body: Buffer): Omit<StsCall, 'faulted'> | undefined {
  const auth = req.headers.authorization;
  // SigV4 scope: Credential=AKID/date/region/service/aws4_request
  const scope = auth && /Credential=([^/,\s]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth);
  if (auth && (!scope || scope[2] !== 'sts')) return undefined;

  const params: Record<string, string> = {};
  const url = new URL(req.url ?? '/', 'http://x');
  url.searchParams.forEach((v, k) => (params[k] = v));
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('application/x-www-form-urlencoded')) {
    new URLSearchParams(body.toString('utf8')).forEach((v, k) => (params[k] = v));
  }
  // JSON protocol variant: X-Amz-Target: AWSSecurityTokenServiceV20110615.AssumeRole
  const target = String(req.headers['x-amz-target'] ?? '');
  if (!params.Action && target.startsWith('AWSSecurityTokenService')) {
    params.Action = target.split('.').pop() ?? '';
    try {
      for (const [k, v] of Object.entries(JSON.parse(body.toString('utf8') || '{}'))) params[k] = String(v);
    } catch {
      // not JSON after all: keep just the action
    }
  }
  const action = params.Action;
  if (!action) return undefined;
  if (!scope && params.Version !== '2011-06-15' && !STS_ACTIONS.has(action)) return undefined;
  return { action, params, signed: !!scope, ...(scope ? { accessKeyId: scope[1] } : {}) };
}

export async function startStsProxy(target: string): Promise<StsProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: false });
  let calls: StsCall[] = [];
  let faults: { error: StsError | TransportFault; action?: string; left: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sts = parseSts(req, body);
      if (sts) {
        const pending = faults.find((f) => f.left > 0 && (!f.action || f.action === sts.action));
        calls.push({ ...sts, faulted: !!pending });
        if (pending) {
          pending.left--;
          faults = faults.filter((f) => f.left > 0);
          if ('transport' in pending.error) {
            const t = pending.error;
            if (t.transport === 'reset') return void req.socket.destroy();
            if (t.transport === 'malformed') {
              res.writeHead(200, { 'Content-Type': 'text/xml' });
              return void res.end('<GetSessionTokenResponse><Credentials><AccessKeyId>truncated');
            }
            const timer = setTimeout(() => {
              timers.delete(timer);
              forward();
            }, t.delayMs);
            timers.add(timer);
            return;
          }
          const f = pending.error;
          const requestId = randomUUID();
          res.writeHead(f.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
          res.end(
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
              `<Error><Type>${f.type ?? 'Sender'}</Type><Code>${xmlEscape(f.code)}</Code>` +
              `<Message>${xmlEscape(f.message)}</Message></Error>` +
              `<RequestId>${requestId}</RequestId></ErrorResponse>`,
          );
          return;
        }
      }
      forward();
      function forward(): void {
      // Forward as received: the Host header is part of the SigV4 signature moto checks.
      const headers = { ...req.headers };
      // Hop-by-hop, and never signed: we hold the whole body and use a fresh upstream connection.
      delete headers.expect;
      delete headers.connection;
      delete headers['keep-alive'];
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.rawHeaders);
          up.pipe(res);
        },
      );
      out.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`sts-proxy: upstream error: ${err.message}`);
      });
      out.end(body);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get calls() {
      return calls;
    },
    count(action?: string) {
      return calls.filter((c) => !action || c.action === action).length;
    },
    counts() {
      const out: Record<string, number> = {};
      for (const c of calls) out[c.action] = (out[c.action] ?? 0) + 1;
      return out;
    },
    injectFault(fault, opts = {}) {
      const error: StsError | TransportFault =
        fault === 'malformed' || fault === 'reset' ? { transport: fault }
        : typeof fault === 'string' ? PRESETS[fault]
        : 'delayMs' in fault ? { transport: 'delay', delayMs: fault.delayMs }
        : fault;
      faults.push({ error, left: opts.times ?? 1, ...(opts.action ? { action: opts.action } : {}) });
    },
    reset() {
      calls = [];
      faults = [];
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      });
    },
  };
}
