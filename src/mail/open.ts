import path from 'node:path';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../log/logger.js';
import { OutboxMailer } from './outbox.js';
import { SmtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

export function openMailer(settings: Pick<Settings, 'smtpUrl' | 'dataDir' | 'mailFrom'>, logger: Logger): Mailer {
  if (settings.smtpUrl) return new SmtpMailer(settings.smtpUrl, settings.mailFrom);
  return new OutboxMailer(path.join(settings.dataDir, 'outbox'), settings.mailFrom, logger);
}
