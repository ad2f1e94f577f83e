import { existsSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium by default; CHROMIUM_PATH points elsewhere (e.g. google-chrome on GitHub's runners). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const inCI = !['', '0', 'false'].includes(process.env.CI ?? '');

/**
 * `describe` for a suite that drives Chromium. Outside CI, a machine without Chromium skips these suites
 * (jest counts them as skipped, and test/support/browser-reporter.js says once how to install it);
 * in CI a missing browser fails them.
 */
export const describeBrowser: jest.Describe = existsSync(CHROMIUM_PATH) || inCI ? describe : describe.skip;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface RelyingApp {
  redirectUri: string;
  requests: string[];
  stop(): Promise<void>;
}

/** A tiny relying app: records every request URL it gets and answers 200 "ok". */
export async function startRelyingApp(): Promise<RelyingApp> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    redirectUri: `http://localhost:${port}/callback`,
    requests,
    async stop() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closing;
    },
  };
}
