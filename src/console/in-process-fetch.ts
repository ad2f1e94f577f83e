import http from 'node:http';
import { duplexPair } from 'node:stream';

/** Largest answer the console reads from its own API; pages ask for bounded pages of data. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** `fetch`, plus the address the app is to see the request coming from. */
export type LoopbackFetch = (input: string | URL | Request, init?: RequestInit, remoteAddress?: string) => Promise<Response>;

/**
 * `handler` is the whole app as its HTTP server calls it, asked for on first use (once every
 * middleware is in place); `remoteAddress` is the person's, so the API's audit events show it.
 *
 * A `fetch` that sends real HTTP/1.1 bytes to this process's own app over an in-memory socket
 * pair instead of the network. The request passes every middleware an outside request passes
 * (host pinning, headers, the admin API's own token checks), so the console is one more HTTP
 * client of the API and never calls a service directly; and it works on any node without the
 * node reaching its public name (which a container behind a load balancer often cannot).
 */
export function inProcessFetch(handler: () => http.RequestListener): LoopbackFetch {
  let server: http.Server | undefined;
  const target = () => (server ??= http.createServer(handler()));

  return async (input, init, remoteAddress = '127.0.0.1') => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers.host = url.host;
    headers.connection = 'close';
    if (body) headers['content-length'] = String(body.length);

    const [clientSide, serverSide] = duplexPair();
    Object.defineProperty(serverSide, 'remoteAddress', { value: remoteAddress });
    target().emit('connection', serverSide);

    return new Promise<Response>((resolve, reject) => {
      const outgoing = http.request(
        { method: request.method, path: url.pathname + url.search, headers, createConnection: () => clientSide as never },
        (incoming) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              incoming.destroy(new Error('the answer is too large'));
              return;
            }
            chunks.push(chunk);
          });
          incoming.on('error', reject);
          incoming.on('end', () => {
            clientSide.destroy();
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(name, v));
              else if (value !== undefined) responseHeaders.set(name, value);
            }
            const status = incoming.statusCode ?? 500;
            const nullBody = status === 204 || status === 304 || request.method === 'HEAD';
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}
