import type { Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './types.js';

/**
 * Delivery through an SMTP relay named by SMTP_URL (smtp:// with STARTTLS when offered, smtps://
 * for TLS). nodemailer is loaded with the first message, so a node that sends none does not hold it.
 */
export class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | undefined;
  private readonly url: string;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.url = withDefaultTimeouts(url);
  }

  async send(message: MailMessage): Promise<void> {
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(this.url));
    await (await this.transport).sendMail({ ...message, from: message.from ?? this.from });
  }
}

const TIMEOUTS_MS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** nodemailer reads options from the URL's query; add timeouts unless the operator chose their own. */
function withDefaultTimeouts(url: string): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(TIMEOUTS_MS)) {
    if (!parsed.searchParams.has(name)) parsed.searchParams.set(name, String(value));
  }
  return parsed.toString();
}
