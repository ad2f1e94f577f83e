import path from 'node:path';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../log/logger.js';
import { OutboxMailer } from './outbox.js';
import { SmtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

/** Under DATA_DIR: where e-mails are written when SMTP_URL is unset. */
export const OUTBOX_DIR_NAME = 'outbox';

export function openMailer(settings: Pick<Settings, 'smtpUrl' | 'dataDir' | 'mailFrom'>, logger: Logger): Mailer {
  if (settings.smtpUrl) return new SmtpMailer(settings.smtpUrl, settings.mailFrom);
  return new OutboxMailer(path.join(settings.dataDir, OUTBOX_DIR_NAME), settings.mailFrom, logger);
}
