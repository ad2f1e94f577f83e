export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
}

/** Sends one e-mail; rejects when it could not be handed over. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
