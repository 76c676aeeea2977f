// A loopback proxy that shortens the `<Expiration>` of STS answers, so that a test can watch a
// session expire in seconds (moto keeps the requested duration, at least 15 minutes). Only the
// timestamps change; the credentials stay real moto credentials.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ExpiryProxy {
  readonly endpoint: string;
  /** Seconds from the answer's time that every returned session reports; undefined = untouched. */
  lifetimeSeconds: number | undefined;
  close(): Promise<void>;
}

export async function startExpiryProxy(target: string, lifetimeSeconds?: number): Promise<ExpiryProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: false });
  const state = { lifetimeSeconds };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers };
      delete headers.connection;
      delete headers.expect;
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          let text = Buffer.concat(body).toString('utf8');
          if (state.lifetimeSeconds !== undefined) {
            const expiry = new Date(Date.now() + state.lifetimeSeconds * 1000).toISOString();
            text = text.replace(/<Expiration>[^<]*<\/Expiration>/g, `<Expiration>${expiry}</Expiration>`);
          }
          const responseHeaders = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) };
          delete responseHeaders['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, responseHeaders);
          res.end(text);
        });
      });
      out.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(`expiry-proxy: ${err.message}`);
      });
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get lifetimeSeconds() {
      return state.lifetimeSeconds;
    },
    set lifetimeSeconds(value) {
      state.lifetimeSeconds = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
