export interface MailMessage {
  to: string;
  /** Overrides the service-wide sender (a tenant's own address). */
  from?: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
}

/** Sends one e-mail; rejects when it could not be handed over. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Removes messages to this address still waiting where this mailer keeps them (the outbox); returns how many. */
  forget?(address: string): Promise<number>;
}
