import { CookieJar } from './cookie-jar.js';

/**
 * A browser stand-in that crosses origins: one cookie jar per host, redirects followed
 * wherever they lead (well-known upstream hosts resolved to local servers), and the
 * meta-refresh pages our sign-in uses to hand over to an upstream.
 */
export class WebClient {
  private readonly jars = new Map<string, CookieJar>();

  constructor(
    private readonly route: (url: string) => { url: string; headers: Record<string, string> } = (url) => ({ url, headers: {} }),
  ) {}

  private jar(url: URL): CookieJar {
    let jar = this.jars.get(url.host);
    if (!jar) this.jars.set(url.host, (jar = new CookieJar()));
    return jar;
  }

  async request(url: string, init: { form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.jar(target);
    const routed = this.route(url);
    const headers: Record<string, string> = { ...routed.headers };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(routed.url, { method: body ? 'POST' : 'GET', headers, body, redirect: 'manual' });
    jar.store(response);
    return response;
  }

  /** Follows redirects and meta refreshes until a page, or until `stopAt` says a URL is the destination. */
  async follow(url: string, init: { form?: Record<string, string> } = {}, stopAt: (url: string) => boolean = () => false) {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 30; hops += 1) {
      const location = response.headers.get('location');
      let next: string | null = location ? new URL(location, current).toString() : null;
      let html = '';
      if (!next) {
        html = await response.text();
        const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(html)?.[1];
        if (!refresh) return { url: current, response, html };
        next = new URL(refresh.replaceAll('&amp;', '&'), current).toString();
      }
      if (stopAt(next)) return { url: next, response, html };
      current = next;
      response = await this.request(current);
    }
    throw new Error('too many redirects');
  }
}
