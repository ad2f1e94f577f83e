import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export const API_KEY = 'api-key-0123456789';
export const SERVICE_KEY = 'service-key-abcdef';

export type Outcome = { kind: 'ok'; attributes: Record<string, string> } | { kind: 'error'; code: string; status: 200 | 400 };

/**
 * A small GrandID broker following JSON API 1.1: FederatedLogin (POST, keys in the query,
 * callbackUrl in the form body), GetSession and Logout; errors as {errorObject: {code, message}},
 * on 200 and 400 alike. `interactive`: the login page is HTML with a button, for a real browser.
 */
export async function startBroker(options: { interactive?: boolean } = {}) {
  const sessions = new Map<string, { callbackUrl: string; outcome: Outcome }>();
  let next: Outcome = { kind: 'error', code: 'CANCELLED', status: 200 };
  const seenQueries: string[] = [];
  /** Sessions the broker was asked to end (Logout), in order. */
  const loggedOut: string[] = [];
  /** The last session a FederatedLogin opened. */
  let lastSession = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    seenQueries.push(url.search);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const keysOk = url.searchParams.get('apiKey') === API_KEY && url.searchParams.get('authenticateServiceKey') === SERVICE_KEY;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (url.pathname === '/json1.1/FederatedLogin' && req.method === 'POST') {
        if (!keysOk) return send(400, { errorObject: { code: 'APIKEYNOTVALID', message: 'Invalid apiKey' } });
        const callbackUrl = new URLSearchParams(body).get('callbackUrl') ?? '';
        const sessionId = randomBytes(12).toString('hex');
        sessions.set(sessionId, { callbackUrl, outcome: next });
        lastSession = sessionId;
        return send(200, { sessionId, redirectUrl: `${base}/login?sessionid=${sessionId}` });
      }
      if (url.pathname === '/login' && options.interactive) {
        // A page standing in for the broker's: the person "identifies" with a click.
        const sessionId = (url.searchParams.get('sessionid') ?? '').replace(/[^0-9a-f]/g, '');
        if (!sessions.has(sessionId)) return send(404, {});
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(
          `<!doctype html><html lang="en"><head><title>BankID (test broker)</title></head><body><h1>Identify with BankID</h1>` +
            `<p>Open the BankID app and identify yourself.</p><form method="get" action="/login/done"><input type="hidden" name="sessionid" value="${sessionId}">` +
            `<button type="submit">Identify</button></form></body></html>`,
        );
      }
      if (url.pathname === '/login' || url.pathname === '/login/done') {
        // The person uses their e-ID app here; the broker sends the browser back either way.
        const sessionId = url.searchParams.get('sessionid') ?? '';
        const session = sessions.get(sessionId);
        if (!session) return send(404, {});
        res.writeHead(302, { location: `${session.callbackUrl}?grandidsession=${sessionId}` });
        return res.end();
      }
      if (url.pathname === '/json1.1/Logout') {
        if (!keysOk) return send(400, { errorObject: { code: 'APIKEYNOTVALID', message: 'Invalid apiKey' } });
        const sessionId = url.searchParams.get('sessionId') ?? '';
        if (!sessions.delete(sessionId)) return send(400, { errorObject: { code: 'SESSIONNOTFOUND', message: 'No such session' } });
        loggedOut.push(sessionId);
        return send(200, { sessiondeleted: '1' });
      }
      if (url.pathname === '/json1.1/GetSession') {
        if (!keysOk) return send(400, { errorObject: { code: 'APIKEYNOTVALID', message: 'Invalid apiKey' } });
        const sessionId = url.searchParams.get('sessionId') ?? '';
        const session = sessions.get(sessionId);
        if (!session) return send(400, { errorObject: { code: 'SESSIONNOTFOUND', message: 'No such session' } });
        const { outcome } = session;
        if (outcome.kind === 'error') return send(outcome.status, { errorObject: { code: outcome.code, message: 'no' } });
        return send(200, { sessionId, username: outcome.attributes.personalNumber, userAttributes: outcome.attributes });
      }
      send(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${base}/json1.1/`,
    next: (outcome: Outcome) => (next = outcome),
    seenQueries,
    loggedOut,
    lastSession: () => lastSession,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
