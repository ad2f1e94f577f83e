import http from 'node:http';
import type { AddressInfo } from 'node:net';

const IDEMPOTENT = new Set(['GET', 'HEAD']);

/**
 * A tiny HTTP proxy in front of several nodes, as a load balancer would be: it keeps the Host
 * header (the issuer's), and sends each request to `target` (switchable by the test) or, with
 * `roundRobin`, to the next node in turn. Requests to a node that refuses the connection (and
 * GET or HEAD requests whose connection it resets) are tried on the next node, as a balancer's
 * health handling would; with routeOnReadiness it also stops sending to a node that is not ready.
 */
export class SwitchProxy {
  target = 0;
  roundRobin = false;
  private turn = 0;
  private server: http.Server | undefined;
  /** Ports whose /readyz last answered something other than 200 (see routeOnReadiness). */
  private readonly unready = new Set<number>();
  private probing: NodeJS.Timeout | undefined;

  constructor(readonly ports: number[]) {}

  async listen(port: number): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.forward(req, res, Buffer.concat(chunks), 0));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, resolve));
    return `http://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  /** Probes every node's /readyz this often and, in round robin, passes over the nodes not ready, as a balancer does. */
  routeOnReadiness(intervalMs: number): void {
    this.probing = setInterval(() => {
      for (const port of this.ports) {
        fetch(`http://127.0.0.1:${port}/readyz`).then(
          (answer) => (answer.ok ? this.unready.delete(port) : this.unready.add(port)),
          () => this.unready.add(port),
        );
      }
    }, intervalMs);
  }

  private pick(): number {
    if (!this.roundRobin) return this.ports[this.target]!;
    for (let tried = 0; tried < this.ports.length; tried += 1) {
      this.turn = (this.turn + 1) % this.ports.length;
      if (!this.unready.has(this.ports[this.turn]!)) break;
    }
    return this.ports[this.turn]!;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tries: number): void {
    const upstream = http.request(
      { host: '127.0.0.1', port: this.pick(), method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // A node that closes its listener resets the connections still in its backlog, unread: a
      // balancer tries those again too, for requests that may be repeated (nginx's default).
      const retried = error.code === 'ECONNREFUSED' || (error.code === 'ECONNRESET' && IDEMPOTENT.has(req.method ?? ''));
      if (retried && tries < this.ports.length * 20) {
        setTimeout(() => this.forward(req, res, body, tries + 1), 25);
        return;
      }
      res.writeHead(502).end(`proxy: ${error.code}`);
    });
    upstream.end(body);
  }

  async close(): Promise<void> {
    clearInterval(this.probing);
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
