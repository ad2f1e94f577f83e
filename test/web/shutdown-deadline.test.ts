import net from 'node:net';
import { once } from 'node:events';
import { startIdp } from '../support/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request to the token endpoint whose body arrives a byte at a time, as slowly as the client likes. */
function tricklingRequest(url: string, bodyLength: number) {
  const socket = net.connect(Number(new URL(url).port), 'localhost');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  const ended = once(socket, 'close');
  socket.write(
    `POST /token HTTP/1.1\r\nHost: ${new URL(url).host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${bodyLength}\r\n\r\n`,
  );
  return { socket, ended, received: () => received };
}

async function within<T>(ms: number, work: Promise<T>): Promise<'in time' | 'too late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'too late'>((resolve) => {
    timer = setTimeout(() => resolve('too late'), ms);
  });
  try {
    return await Promise.race([work.then(() => 'in time' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('shutdown has a deadline', () => {
  test('a client trickling its body does not keep the process alive: close resolves at SHUTDOWN_TIMEOUT_SECONDS', async () => {
    const idp = await startIdp({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const client = tricklingRequest(idp.url, 100_000);
    const trickle = setInterval(() => client.socket.write('a'), 100);
    try {
      await sleep(300);
      const started = performance.now();
      // Before, close waited for the request (Node's default timeout is five minutes).
      expect(await within(6000, idp.stop())).toBe('in time');
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(await within(1000, client.ended)).toBe('in time');
      expect(idp.logs()).toContain('requests still running at the shutdown deadline');
    } finally {
      clearInterval(trickle);
      client.socket.destroy();
    }
  });

  test('a request that finishes within the deadline still gets its answer, and close does not wait for the deadline', async () => {
    const idp = await startIdp({ SHUTDOWN_TIMEOUT_SECONDS: '20' });
    const body = 'grant_type=client_credentials';
    const client = tricklingRequest(idp.url, body.length);
    client.socket.write(body.slice(0, 5));
    await sleep(200);
    const closing = idp.stop();
    await sleep(200);
    client.socket.write(body.slice(5));
    expect(await within(5000, closing)).toBe('in time');
    expect(client.received()).toMatch(/^HTTP\/1\.1 40[01] /);
    expect(idp.logs()).not.toContain('requests still running at the shutdown deadline');
    client.socket.destroy();
  });
});
