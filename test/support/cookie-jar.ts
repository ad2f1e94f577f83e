/** A browser's cookies for one site, as far as these tests need: names and values, no paths. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Takes what a response sets; a cookie set empty or expired is dropped. */
  store(response: Response): void {
    this.storeLines(response.headers.getSetCookie());
  }

  /** Takes Set-Cookie lines, as node:http gives them. */
  storeLines(lines: readonly string[]): void {
    for (const line of lines) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header to send, or undefined when there is nothing. */
  header(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
}
