import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string[];
  raw: string;
  /** The message as text: quoted-printable undone, so links and words can be searched. */
  text: string;
  /** The session had been upgraded with STARTTLS. */
  secure: boolean;
}

/** Undoes quoted-printable soft breaks and escapes, then reads the bytes as UTF-8. */
export function decodeMail(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '');
  const bytes = Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

export function linkIn(mail: CapturedMail | string): string {
  const text = typeof mail === 'string' ? decodeMail(mail) : mail.text;
  const match = /https?:\/\/[^\s"<>]+\/password\/set\?token=[A-Za-z0-9_-]{43}/.exec(text);
  if (!match) throw new Error(`no link in mail:\n${text.slice(0, 2000)}`);
  return match[0];
}

/** A real SMTP server in the test process (STARTTLS offered with its built-in certificate). */
export async function startSmtpServer(options: { failFirst?: number; failAlways?: boolean } = {}) {
  const mails: CapturedMail[] = [];
  let failures = options.failFirst ?? 0;
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (options.failAlways || failures > 0) {
        failures -= 1;
        const error = new Error('mailbox temporarily unavailable') as Error & { responseCode: number };
        error.responseCode = 451;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodeMail(raw), secure: session.secure });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    mails,
    url: `smtp://127.0.0.1:${port}?tls.rejectUnauthorized=false`,
    async waitFor(count: number, timeoutMs = 5000): Promise<CapturedMail[]> {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
