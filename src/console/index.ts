import type Koa from 'koa';
import type Router from '@koa/router';
import { inProcessFetch } from './in-process-fetch.js';
import { consoleRoutes } from './routes.js';
import { ConsoleCookies } from './session.js';
import { ConsoleSignIn } from './sign-in.js';

export { CONSOLE_PATH } from './settings.js';

export interface ConsoleOptions {
  issuer: string;
  /** The provider's cookie secrets, newest first: the console's session seal and CSRF key derive from them. */
  cookieSecrets: string[];
  /** The whole app: the console calls the admin API and the token endpoint through it, over HTTP in-process. */
  app: Koa;
  maxBodyBytes: number;
}

/** The console's routes, wired to this app. */
export function createConsole(options: ConsoleOptions): Router {
  const fetchApp = inProcessFetch(() => options.app.callback());
  const cookies = new ConsoleCookies(options.cookieSecrets, options.issuer.startsWith('https://'));
  const signIn = new ConsoleSignIn(options.issuer, fetchApp, cookies);
  return consoleRoutes({ issuer: options.issuer, fetchApp, cookies, signIn, maxBodyBytes: options.maxBodyBytes });
}
