import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from '../log/logger.js';
import type { Mailer, MailMessage } from './types.js';

/** The embedded default: each message becomes an .eml file in the outbox directory (composed by nodemailer, loaded with the first). */
export class OutboxMailer implements Mailer {
  private composer: Promise<Transporter> | undefined;

  constructor(
    private readonly directory: string,
    private readonly from: string,
    private readonly logger: Logger,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.composer ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    const info = await (await this.composer).sendMail({ ...message, from: message.from ?? this.from });
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const file = path.join(this.directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
    // Written aside, then renamed: whoever reads the outbox never sees a half-written message.
    await writeFile(`${file}.part`, info.message as Buffer, { mode: 0o600 });
    await rename(`${file}.part`, file);
    this.logger.info({ file, subject: message.subject }, 'e-mail written to the outbox');
  }

  /** Deletes every message in the outbox addressed to this address (a purged account's mail). */
  async forget(address: string): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.directory)).filter((name) => name.endsWith('.eml'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const wanted = address.trim().toLowerCase();
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.directory, name);
      const headers = (await readFile(file, 'utf8').catch(() => '')).split(/\n\n/, 1)[0]!;
      const to = /^To: (.*(?:\n[ \t].*)*)/im.exec(headers)?.[1] ?? '';
      const addresses = [...to.matchAll(/[^\s<>,"]+@[^\s<>,"]+/g)].map((m) => m[0].toLowerCase());
      if (addresses.includes(wanted)) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}
