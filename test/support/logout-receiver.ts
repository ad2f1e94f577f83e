import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedLogout {
  path: string;
  logoutToken: string;
  contentType: string;
}

/** A relying app's back-channel logout endpoint: records each POST; paths under /fail/ answer 500. */
export interface LogoutReceiver {
  url: string;
  received: ReceivedLogout[];
  /** Resolves once `count` logout tokens reached `path`. */
  waitFor(path: string, count?: number, timeoutMs?: number): Promise<ReceivedLogout[]>;
  close(): Promise<void>;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: ReceivedLogout[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        path,
        logoutToken: new URLSearchParams(body).get('logout_token') ?? '',
        contentType: req.headers['content-type'] ?? '',
      });
      res.statusCode = path.startsWith('/fail/') ? 500 : 200;
      res.end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    async waitFor(path, count = 1, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = received.filter((r) => r.path === path);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) throw new Error(`only ${matching.length} of ${count} logout tokens reached ${path}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
