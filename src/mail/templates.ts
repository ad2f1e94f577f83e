import type { Locale } from '../i18n/messages.js';
import { html } from '../views/html.js';
import type { MailMessage } from './types.js';

interface Letter {
  subject: string;
  paragraphs: string[];
}

function compose(to: string, letter: Letter): MailMessage {
  return {
    to,
    subject: letter.subject,
    text: `${letter.paragraphs.join('\n\n')}\n`,
    html: html`<!doctype html><html><body>${letter.paragraphs.map((p) => html`<p>${p}</p>`)}</body></html>`.value,
  };
}

/** Tells the owner that their account was locked after repeated failed sign-ins. */
export function accountLockedMail(locale: Locale, to: string, facts: { tenantName: string; lockedUntil: string | null }): MailMessage {
  const until = facts.lockedUntil ? new Date(facts.lockedUntil).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : null;
  const letters: Record<Locale, Letter> = {
    en: {
      subject: `Your ${facts.tenantName} account has been locked`,
      paragraphs: [
        `Your account ${to} at ${facts.tenantName} was locked after too many failed sign-in attempts.`,
        until ? `It opens again at ${until}.` : 'An administrator of your organisation must unlock it before you can sign in again.',
        'If these attempts were not yours, someone may be trying to guess your password: tell your administrator.',
      ],
    },
    sv: {
      subject: `Ditt konto hos ${facts.tenantName} har låsts`,
      paragraphs: [
        `Ditt konto ${to} hos ${facts.tenantName} har låsts efter för många misslyckade inloggningsförsök.`,
        until ? `Det öppnas igen ${until}.` : 'En administratör i din organisation måste låsa upp det innan du kan logga in igen.',
        'Om det inte var du som försökte logga in kan någon försöka gissa ditt lösenord: kontakta din administratör.',
      ],
    },
  };
  return compose(to, letters[locale]);
}
