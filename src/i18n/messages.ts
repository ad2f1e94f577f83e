/**
 * Every sentence a person can see, in Swedish and English, under a stable id.
 * Pages and errors refer to ids only, so a translation is never missing silently:
 * the type requires both languages for each id.
 */
export const LOCALES = ['sv', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const catalog = {
  'app.name': { en: 'Sign-in service', sv: 'Inloggningstjänst' },
  'login.title': { en: 'Sign in', sv: 'Logga in' },
  'login.to_client': { en: 'to continue to {client}', sv: 'för att fortsätta till {client}' },
  'login.email': { en: 'E-mail address', sv: 'E-postadress' },
  'login.password': { en: 'Password', sv: 'Lösenord' },
  'login.continue': { en: 'Continue', sv: 'Fortsätt' },
  'login.submit': { en: 'Sign in', sv: 'Logga in' },
  'login.other_email': { en: 'Use another e-mail address', sv: 'Använd en annan e-postadress' },
  'login.signing_in_as': { en: 'Signing in as {email}', sv: 'Loggar in som {email}' },
  'login.invalid_credentials': {
    en: 'The e-mail address or password is not correct.',
    sv: 'E-postadressen eller lösenordet är inte korrekt.',
  },
  'login.invalid_email': { en: 'Enter a valid e-mail address.', sv: 'Ange en giltig e-postadress.' },
  'login.password_required': { en: 'Enter your password.', sv: 'Ange ditt lösenord.' },
  'tenant.title': { en: 'Choose organisation', sv: 'Välj organisation' },
  'tenant.intro': {
    en: 'Your e-mail address belongs to more than one organisation. Which one do you want to sign in to?',
    sv: 'Din e-postadress finns hos flera organisationer. Vilken vill du logga in hos?',
  },
  'consent.title': { en: 'Allow access', sv: 'Tillåt åtkomst' },
  'consent.intro': { en: '{client} asks for access to:', sv: '{client} begär åtkomst till:' },
  'consent.allow': { en: 'Allow', sv: 'Tillåt' },
  'consent.deny': { en: 'Deny', sv: 'Neka' },
  'scope.openid': { en: 'Your identity', sv: 'Din identitet' },
  'scope.profile': { en: 'Your name', sv: 'Ditt namn' },
  'scope.email': { en: 'Your e-mail address', sv: 'Din e-postadress' },
  'scope.offline_access': { en: 'Staying signed in', sv: 'Att förbli inloggad' },
  'logout.title': { en: 'Sign out', sv: 'Logga ut' },
  'logout.question': { en: 'Do you want to sign out?', sv: 'Vill du logga ut?' },
  'logout.yes': { en: 'Yes, sign me out', sv: 'Ja, logga ut mig' },
  'logout.no': { en: 'No, stay signed in', sv: 'Nej, förbli inloggad' },
  'logout.done_title': { en: 'Signed out', sv: 'Utloggad' },
  'logout.done': { en: 'You are signed out.', sv: 'Du är utloggad.' },
  'logout.upstream_refused': {
    en: 'The sign-out message from your organisation could not be accepted.',
    sv: 'Utloggningsmeddelandet från din organisation kunde inte godtas.',
  },
  'error.title': { en: 'Something went wrong', sv: 'Något gick fel' },
  'error.generic': {
    en: 'The request could not be completed. Go back to the application and try again.',
    sv: 'Begäran kunde inte slutföras. Gå tillbaka till tjänsten och försök igen.',
  },
  'error.session_expired': {
    en: 'The sign-in took too long or was already finished. Go back to the application and start again.',
    sv: 'Inloggningen tog för lång tid eller är redan avslutad. Gå tillbaka till tjänsten och börja om.',
  },
  'error.csrf': {
    en: 'The form had expired or did not come from this page. Reload the page and try again.',
    sv: 'Formuläret har gått ut eller kom inte från den här sidan. Ladda om sidan och försök igen.',
  },
  'error.bad_request': { en: 'The form could not be read.', sv: 'Formuläret kunde inte läsas.' },
  'error.too_large': { en: 'The form was too large.', sv: 'Formuläret var för stort.' },
  'error.not_found': { en: 'The page does not exist.', sv: 'Sidan finns inte.' },
  'error.misdirected': { en: 'This server does not answer for that host name.', sv: 'Den här servern svarar inte för det värdnamnet.' },
  'error.unknown_tenant': { en: 'The organisation does not exist.', sv: 'Organisationen finns inte.' },
  'error.invalid_client': { en: 'The application is not known.', sv: 'Tjänsten är okänd.' },
  'error.invalid_redirect_uri': {
    en: 'The application asked to return to an address it has not registered.',
    sv: 'Tjänsten bad om att få komma tillbaka till en adress den inte har registrerat.',
  },
  'error.too_many_sign_ins': {
    en: 'Too many sign-ins were started from your network. Wait a moment and try again.',
    sv: 'För många inloggningar har påbörjats från ditt nätverk. Vänta en stund och försök igen.',
  },
  'error.request_too_large': {
    en: 'The application sent a sign-in request that is too large.',
    sv: 'Tjänsten skickade en inloggningsbegäran som är för stor.',
  },
  'error.unavailable': {
    en: 'The service is busy right now. Wait a moment and try again.',
    sv: 'Tjänsten är upptagen just nu. Vänta en stund och försök igen.',
  },
  'error.server': { en: 'An error occurred on our side. Try again later.', sv: 'Ett fel uppstod hos oss. Försök igen senare.' },
  'error.detail': { en: 'Error code: {code}', sv: 'Felkod: {code}' },
  'error.reference': { en: 'Reference for support: {id}', sv: 'Referens för support: {id}' },
  'error.too_many_attempts': {
    en: 'Too many sign-in attempts from your network. Wait a moment and try again.',
    sv: 'För många inloggningsförsök från ditt nätverk. Vänta en stund och försök igen.',
  },
  'password.too_short': { en: 'Use at least {n} characters.', sv: 'Använd minst {n} tecken.' },
  'password.too_long': { en: 'Use at most {n} characters.', sv: 'Använd högst {n} tecken.' },
  'password.min_digits': { en: 'Include at least {n} digits.', sv: 'Ta med minst {n} siffror.' },
  'password.min_special': {
    en: 'Include at least {n} special characters (not a letter, digit or space).',
    sv: 'Ta med minst {n} specialtecken (inte bokstav, siffra eller mellanslag).',
  },
  'password.min_upper': { en: 'Include at least {n} upper-case letters.', sv: 'Ta med minst {n} versaler.' },
  'password.min_lower': { en: 'Include at least {n} lower-case letters.', sv: 'Ta med minst {n} gemener.' },
  'password.common': {
    en: 'This is one of the most common passwords. Choose another.',
    sv: 'Det här är ett av de vanligaste lösenorden. Välj ett annat.',
  },
  'password.contains_email': {
    en: 'The password must not contain your e-mail address.',
    sv: 'Lösenordet får inte innehålla din e-postadress.',
  },
  'password.reused': { en: 'Do not reuse a recent password.', sv: 'Återanvänd inte ett tidigare lösenord.' },
  'mfa.title': { en: 'Two-step verification', sv: 'Tvåstegsverifiering' },
  'mfa.intro': {
    en: 'Enter the six-digit code from your authenticator app.',
    sv: 'Ange den sexsiffriga koden från din autentiseringsapp.',
  },
  'mfa.code': { en: 'Code', sv: 'Kod' },
  'mfa.recovery_hint': {
    en: 'Lost your phone? Enter one of your recovery codes instead.',
    sv: 'Har du tappat bort telefonen? Ange en av dina återställningskoder i stället.',
  },
  'mfa.verify': { en: 'Verify', sv: 'Verifiera' },
  'mfa.invalid_code': {
    en: 'The code is not correct, or was already used. Enter the newest code from the app.',
    sv: 'Koden är inte korrekt eller har redan använts. Ange den senaste koden från appen.',
  },
  'mfa.enrol_title': { en: 'Set up two-step verification', sv: 'Aktivera tvåstegsverifiering' },
  'mfa.enrol_required': {
    en: 'A second step is required when you sign in here.',
    sv: 'Ett andra steg krävs när du loggar in här.',
  },
  'mfa.enrol_intro': {
    en: 'Scan the QR code with an authenticator app (for example Microsoft Authenticator or Google Authenticator), then enter the code it shows.',
    sv: 'Skanna QR-koden med en autentiseringsapp (till exempel Microsoft Authenticator eller Google Authenticator) och ange sedan koden som visas.',
  },
  'mfa.qr_alt': { en: 'QR code for your authenticator app', sv: 'QR-kod för din autentiseringsapp' },
  'mfa.manual_key': { en: 'Or enter this key by hand:', sv: 'Eller skriv in den här nyckeln för hand:' },
  'mfa.recovery_title': { en: 'Save your recovery codes', sv: 'Spara dina återställningskoder' },
  'mfa.recovery_intro': {
    en: 'Each code works once, if you lose your phone. Keep them somewhere safe: they are shown only now.',
    sv: 'Varje kod fungerar en gång om du tappar bort telefonen. Förvara dem säkert: de visas bara nu.',
  },
  'mfa.continue': { en: 'Continue', sv: 'Fortsätt' },
  'account.title': { en: 'My profile', sv: 'Min profil' },
  'account.client_name': { en: 'My profile', sv: 'Min profil' },
  'account.name': { en: 'Name', sv: 'Namn' },
  'account.email': { en: 'E-mail address', sv: 'E-postadress' },
  'account.organisation': { en: 'Organisation', sv: 'Organisation' },
  'account.password_heading': { en: 'Change password', sv: 'Byt lösenord' },
  'account.current_password': { en: 'Current password', sv: 'Nuvarande lösenord' },
  'account.password_changed': { en: 'Your password has been changed.', sv: 'Ditt lösenord har bytts.' },
  'account.wrong_password': { en: 'The current password is not correct.', sv: 'Det nuvarande lösenordet är inte korrekt.' },
  'account.mfa_heading': { en: 'Two-step verification', sv: 'Tvåstegsverifiering' },
  'account.download_data': { en: 'Download my data (JSON)', sv: 'Ladda ner mina uppgifter (JSON)' },
  'account.mfa_on': {
    en: 'On: sign-in asks for a code from your authenticator app.',
    sv: 'På: inloggningen ber om en kod från din autentiseringsapp.',
  },
  'account.mfa_off': { en: 'Off.', sv: 'Av.' },
  'account.mfa_required': { en: 'Your organisation requires it.', sv: 'Din organisation kräver det.' },
  'account.mfa_enable': { en: 'Turn on two-step verification', sv: 'Aktivera tvåstegsverifiering' },
  'account.mfa_disable': { en: 'Turn off two-step verification', sv: 'Stäng av tvåstegsverifiering' },
  'account.mfa_enabled': { en: 'Two-step verification is on.', sv: 'Tvåstegsverifiering är aktiverad.' },
  'account.mfa_disabled': { en: 'Two-step verification is off.', sv: 'Tvåstegsverifiering är avstängd.' },
  'account.mfa_cannot_disable': {
    en: 'Your organisation requires two-step verification, so it cannot be turned off.',
    sv: 'Din organisation kräver tvåstegsverifiering, så den kan inte stängas av.',
  },
  'account.recovery_left': { en: 'Recovery codes left: {n}', sv: 'Återställningskoder kvar: {n}' },
  'account.recovery_new': { en: 'Create new recovery codes', sv: 'Skapa nya återställningskoder' },
  'account.confirm_password': { en: 'Your password, to confirm', sv: 'Ditt lösenord, för att bekräfta' },
  'account.sign_out': { en: 'Sign out', sv: 'Logga ut' },
  'link.set_title': { en: 'Choose your password', sv: 'Välj ditt lösenord' },
  'link.reset_title': { en: 'Choose a new password', sv: 'Välj ett nytt lösenord' },
  'link.for_account': { en: 'For {email} at {tenant}.', sv: 'För {email} hos {tenant}.' },
  'link.invalid': {
    en: 'This link has expired or was already used. Ask for a new one.',
    sv: 'Länken har gått ut eller redan använts. Be om en ny.',
  },
  'link.submit': { en: 'Save password', sv: 'Spara lösenord' },
  'forgot.link': { en: 'Forgot your password?', sv: 'Glömt lösenordet?' },
  'forgot.title': { en: 'Reset your password', sv: 'Återställ ditt lösenord' },
  'forgot.intro': {
    en: 'Enter your e-mail address and we will send you a link to choose a new password.',
    sv: 'Ange din e-postadress så skickar vi en länk där du kan välja ett nytt lösenord.',
  },
  'forgot.submit': { en: 'Send link', sv: 'Skicka länk' },
  'forgot.sent_title': { en: 'Check your e-mail', sv: 'Kolla din e-post' },
  'forgot.sent': {
    en: 'If there is an account for {email}, a link to choose a new password is on its way. It works for a limited time.',
    sv: 'Om det finns ett konto för {email} är en länk för att välja nytt lösenord på väg. Den fungerar en begränsad tid.',
  },
  'forgot.back': { en: 'Back to sign-in', sv: 'Tillbaka till inloggningen' },
  'federation.continue_with': { en: 'Sign in with {name}', sv: 'Logga in med {name}' },
  'federation.redirecting': { en: 'Continuing to {name}…', sv: 'Fortsätter till {name}…' },
  'federation.continue': { en: 'Continue', sv: 'Fortsätt' },
  'federation.refused': {
    en: 'The sign-in through your organisation could not be accepted. Contact your administrator if it keeps happening.',
    sv: 'Inloggningen via din organisation kunde inte godkännas. Kontakta din administratör om det fortsätter.',
  },
  'eid.cancelled': {
    en: 'The e-ID sign-in was cancelled. Go back to the application to try again.',
    sv: 'Inloggningen med e-legitimation avbröts. Gå tillbaka till tjänsten för att försöka igen.',
  },
  'eid.expired': {
    en: 'The e-ID sign-in took too long and expired. Go back to the application and start again.',
    sv: 'Inloggningen med e-legitimation tog för lång tid och gick ut. Gå tillbaka till tjänsten och börja om.',
  },
  'eid.already_in_progress': {
    en: 'A sign-in with your e-ID is already in progress. Finish or cancel it in your e-ID app, then try again.',
    sv: 'En inloggning med din e-legitimation pågår redan. Slutför eller avbryt den i appen och försök sedan igen.',
  },
  'eid.failed': {
    en: 'The e-ID sign-in could not be completed. Go back to the application and try again.',
    sv: 'Inloggningen med e-legitimation kunde inte slutföras. Gå tillbaka till tjänsten och försök igen.',
  },
  'federation.unavailable': {
    en: "Your organisation's sign-in service cannot be reached right now. Try again later.",
    sv: 'Din organisations inloggningstjänst kan inte nås just nu. Försök igen senare.',
  },
  'password_change.title': { en: 'Choose a new password', sv: 'Välj ett nytt lösenord' },
  'password_change.intro': {
    en: 'Your organisation has new password rules, and your password no longer meets them. Choose a new one to continue.',
    sv: 'Din organisation har nya lösenordsregler som ditt lösenord inte uppfyller. Välj ett nytt för att fortsätta.',
  },
  'password_change.new': { en: 'New password', sv: 'Nytt lösenord' },
  'password_change.submit': { en: 'Save and continue', sv: 'Spara och fortsätt' },
  'password_change.rules': { en: 'The password does not meet these rules:', sv: 'Lösenordet uppfyller inte de här reglerna:' },
} as const satisfies Record<string, Record<Locale, string>>;

export type MessageId = keyof typeof catalog;

/** The message for `id` in `locale`, with `{name}` placeholders filled in (not HTML-escaped). */
export function t(locale: Locale, id: MessageId, vars: Record<string, string> = {}): string {
  return catalog[id][locale].replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

export const DEFAULT_LOCALE: Locale = 'en';

/** First match from `ui_locales` (space-separated), then Accept-Language (by q), then the default. */
export function negotiateLocale(uiLocales: string | undefined, acceptLanguage: string | undefined): Locale {
  const fromUi = (uiLocales ?? '').split(/\s+/).filter(Boolean);
  const fromHeader = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((entry) => entry.tag);
  for (const tag of [...fromUi, ...fromHeader]) {
    const primary = tag.toLowerCase().split('-')[0];
    const match = LOCALES.find((l) => l === primary);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}
