import type { MessageId } from '../i18n/messages.js';

/** A failure shown to the person as a page in their language, with this HTTP status. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly messageId: MessageId,
    readonly code: string,
  ) {
    super(code);
    this.name = 'PageError';
  }
}
