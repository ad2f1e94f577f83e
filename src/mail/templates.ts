import type { Locale } from '../i18n/messages.js';
import { html } from '../html.js';
import type { MailMessage } from './types.js';

interface Letter {
  subject: string;
  paragraphs: string[];
  /** A button-like link in the HTML part, also written out in the text part. */
  link?: { label: string; url: string };
}

function compose(to: string, letter: Letter): MailMessage {
  const { link } = letter;
  const text = [...letter.paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n\n');
  return {
    to,
    subject: letter.subject,
    text: `${text}\n`,
    html: html`<!doctype html><html><body>${letter.paragraphs.map((p) => html`<p>${p}</p>`)}${
      link ? html`<p><a href="${link.url}">${link.label}</a></p><p style="font-size:small">${link.url}</p>` : ''
    }</body></html>`.value,
  };
}

const minutesText = (locale: Locale, minutes: number) => {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return locale === 'sv' ? `${hours} ${hours === 1 ? 'timme' : 'timmar'}` : `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  }
  return locale === 'sv' ? `${minutes} minuter` : `${minutes} minutes`;
};

export interface LinkFacts {
  tenantName: string;
  url: string;
  validMinutes: number;
}

/** Sent to a new account: choose a password. */
export function registrationMail(locale: Locale, to: string, facts: LinkFacts): MailMessage {
  const valid = minutesText(locale, facts.validMinutes);
  return compose(
    to,
    {
      en: {
        subject: `Choose your password for ${facts.tenantName}`,
        paragraphs: [
          `An account has been created for you (${to}) at ${facts.tenantName}.`,
          `Choose your password with the link below. It works once, for ${valid}.`,
          'If you did not expect this e-mail, you can ignore it.',
        ],
        link: { label: 'Choose password', url: facts.url },
      },
      sv: {
        subject: `Välj ditt lösenord för ${facts.tenantName}`,
        paragraphs: [
          `Ett konto har skapats åt dig (${to}) hos ${facts.tenantName}.`,
          `Välj ditt lösenord via länken nedan. Den fungerar en gång, i ${valid}.`,
          'Om du inte väntade dig det här mejlet kan du bortse från det.',
        ],
        link: { label: 'Välj lösenord', url: facts.url },
      },
    }[locale],
  );
}

/** Sent on "forgot password": choose a new one. */
export function resetMail(locale: Locale, to: string, facts: LinkFacts): MailMessage {
  const valid = minutesText(locale, facts.validMinutes);
  return compose(
    to,
    {
      en: {
        subject: `Reset your password for ${facts.tenantName}`,
        paragraphs: [
          `Someone asked to reset the password of your account ${to} at ${facts.tenantName}.`,
          `Choose a new password with the link below. It works once, for ${valid}.`,
          'If it was not you, ignore this e-mail: your password stays as it is.',
        ],
        link: { label: 'Choose a new password', url: facts.url },
      },
      sv: {
        subject: `Återställ ditt lösenord för ${facts.tenantName}`,
        paragraphs: [
          `Någon har bett om att återställa lösenordet för ditt konto ${to} hos ${facts.tenantName}.`,
          `Välj ett nytt lösenord via länken nedan. Den fungerar en gång, i ${valid}.`,
          'Om det inte var du kan du bortse från mejlet: ditt lösenord förblir som det är.',
        ],
        link: { label: 'Välj nytt lösenord', url: facts.url },
      },
    }[locale],
  );
}

/** Sent after a reset: the password changed and every session was ended. */
export function passwordChangedMail(locale: Locale, to: string, facts: { tenantName: string }): MailMessage {
  return compose(
    to,
    {
      en: {
        subject: `Your ${facts.tenantName} password was changed`,
        paragraphs: [
          `The password of your account ${to} at ${facts.tenantName} was just changed through a reset link, and every session was signed out.`,
          'If this was not you, contact your administrator at once.',
        ],
      },
      sv: {
        subject: `Ditt lösenord hos ${facts.tenantName} har bytts`,
        paragraphs: [
          `Lösenordet för ditt konto ${to} hos ${facts.tenantName} har just bytts via en återställningslänk, och alla sessioner har loggats ut.`,
          'Om det inte var du, kontakta din administratör omedelbart.',
        ],
      },
    }[locale],
  );
}

/**
 * Sent to the old address when an administrator changes an account's e-mail: whoever reads it
 * learns that the address no longer signs in there, but not the new one (it may be a stranger's
 * mailbox, mistyped at the invitation).
 */
export function emailChangedMail(locale: Locale, to: string, facts: { tenantName: string }): MailMessage {
  return compose(
    to,
    {
      en: {
        subject: `${facts.tenantName}: this address no longer signs in`,
        paragraphs: [
          `The account ${to} at ${facts.tenantName} was moved to another e-mail address by an administrator. Links sent to this address no longer work.`,
          'If you did not expect this, contact your administrator.',
        ],
      },
      sv: {
        subject: `${facts.tenantName}: den här adressen loggar inte längre in`,
        paragraphs: [
          `Kontot ${to} hos ${facts.tenantName} har flyttats till en annan e-postadress av en administratör. Länkar som skickats till den här adressen fungerar inte längre.`,
          'Om du inte väntade dig detta, kontakta din administratör.',
        ],
      },
    }[locale],
  );
}

/** Tells the owner that their account was locked after repeated failed sign-ins. */
export function accountLockedMail(locale: Locale, to: string, facts: { tenantName: string; lockedUntil: string | null }): MailMessage {
  const until = facts.lockedUntil ? `${new Date(facts.lockedUntil).toISOString().replace('T', ' ').slice(0, 16)} UTC` : null;
  return compose(
    to,
    {
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
    }[locale],
  );
}

export type FactorChange = 'mfa_enabled' | 'mfa_disabled' | 'recovery_codes' | 'mfa_reset';

/** Tells the owner that their second factor changed, so a change they did not make does not go unnoticed. */
export function factorChangedMail(locale: Locale, to: string, facts: { tenantName: string; change: FactorChange }): MailMessage {
  const en: Record<FactorChange, string> = {
    mfa_enabled: 'Two-step verification was turned on for your account',
    mfa_disabled: 'Two-step verification was turned off for your account',
    recovery_codes: 'New recovery codes were created for your account; the old ones no longer work',
    mfa_reset: 'An administrator removed the two-step verification of your account',
  };
  const sv: Record<FactorChange, string> = {
    mfa_enabled: 'Tvåstegsverifiering har aktiverats för ditt konto',
    mfa_disabled: 'Tvåstegsverifiering har stängts av för ditt konto',
    recovery_codes: 'Nya återställningskoder har skapats för ditt konto; de gamla fungerar inte längre',
    mfa_reset: 'En administratör har tagit bort tvåstegsverifieringen för ditt konto',
  };
  return compose(
    to,
    {
      en: {
        subject: `${facts.tenantName}: ${en[facts.change].toLowerCase()}`,
        paragraphs: [`${en[facts.change]} (${to} at ${facts.tenantName}).`, 'If this was not you, contact your administrator at once.'],
      },
      sv: {
        subject: `${facts.tenantName}: ${sv[facts.change].toLowerCase()}`,
        paragraphs: [`${sv[facts.change]} (${to} hos ${facts.tenantName}).`, 'Om det inte var du, kontakta din administratör omedelbart.'],
      },
    }[locale],
  );
}
