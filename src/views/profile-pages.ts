import { t, type Locale, type MessageId } from '../i18n/messages.js';
import type { PasswordViolation } from '../policy/types.js';
import { csrfField, errorBox, page } from './layout.js';
import { html } from '../html.js';

export interface ProfileView {
  name: string | null;
  email: string | null;
  tenantName: string;
  mfaEnabled: boolean;
  mfaRequired: boolean;
  recoveryCodesLeft: number;
}

/** An app the person allowed, with what it may do. */
export interface ProfileApp {
  grantId: string;
  name: string;
  scopes: string[];
  /** Epoch seconds. */
  grantedAt: number | null;
}

/** A place the person is signed in. */
export interface ProfileSession {
  current: boolean;
  userAgent: string | null;
  ip: string | null;
  /** Epoch seconds. */
  signedInAt: number | null;
}

export interface ProfileLists {
  apps: ProfileApp[];
  sessions: ProfileSession[];
}

const when = (locale: Locale, seconds: number | null) =>
  seconds === null
    ? '–'
    : new Date(seconds * 1000).toLocaleString(locale === 'sv' ? 'sv-SE' : 'en-GB', {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'UTC',
      }) + ' UTC';

function appsSection(locale: Locale, csrf: string, apps: ProfileApp[]) {
  return html`
<h2>${t(locale, 'account.apps_heading')}</h2>
${
  apps.length === 0
    ? html`<p>${t(locale, 'account.apps_none')}</p>`
    : html`<ul class="apps">${apps.map(
        (app) => html`
<li class="app"><strong>${app.name}</strong>
<br>${t(locale, 'account.app_access', { scopes: app.scopes.join(', ') })}
<br>${t(locale, 'account.app_since', { time: when(locale, app.grantedAt) })}
<form method="post" action="/account/apps/revoke">
${csrfField(csrf)}
<input type="hidden" name="grant" value="${app.grantId}">
<button type="submit" class="secondary" aria-label="${t(locale, 'account.app_revoke')}: ${app.name}">${t(locale, 'account.app_revoke')}</button>
</form></li>`,
      )}</ul>`
}`;
}

function sessionsSection(locale: Locale, csrf: string, sessions: ProfileSession[]) {
  return html`
<h2>${t(locale, 'account.sessions_heading')}</h2>
<ul class="sessions">${sessions.map(
    (session) => html`
<li class="session${session.current ? ' current' : ''}">${session.current ? html`<strong>${t(locale, 'account.session_this')}</strong><br>` : ''}
${session.userAgent ?? t(locale, 'account.session_unknown_device')}
<br>${t(locale, 'account.session_signed_in', { time: when(locale, session.signedInAt) })}${
      session.ip ? html` ${t(locale, 'account.session_from', { address: session.ip })}` : ''
    }</li>`,
  )}</ul>
${
  sessions.some((s) => !s.current)
    ? html`<form method="post" action="/account/sessions/sign-out-others">
${csrfField(csrf)}
<button type="submit" class="secondary">${t(locale, 'account.sign_out_others')}</button>
</form>`
    : ''
}`;
}

export interface ProfileNotice {
  message?: MessageId;
  error?: MessageId;
  violations?: PasswordViolation[];
}

/** "My profile": who you are, your password, your second factor, your apps and sessions. */
export function profilePage(
  locale: Locale,
  csrf: string,
  profile: ProfileView,
  notice: ProfileNotice = {},
  lists: ProfileLists = { apps: [], sessions: [] },
): string {
  const violations = notice.violations ?? [];
  return page(
    locale,
    t(locale, 'account.title'),
    html`
${notice.message ? html`<p class="notice" role="status">${t(locale, notice.message)}</p>` : ''}
${errorBox(notice.error && t(locale, notice.error))}
${
  violations.length
    ? html`<div class="error" role="alert"><p>${t(locale, 'password_change.rules')}</p>
<ul>${violations.map((v) => html`<li>${t(locale, v.rule, v.n === undefined ? {} : { n: String(v.n) })}</li>`)}</ul></div>`
    : ''
}
<dl>
<dt>${t(locale, 'account.name')}</dt><dd>${profile.name ?? '–'}</dd>
<dt>${t(locale, 'account.email')}</dt><dd>${profile.email ?? '–'}</dd>
<dt>${t(locale, 'account.organisation')}</dt><dd>${profile.tenantName}</dd>
</dl>

<h2>${t(locale, 'account.password_heading')}</h2>
<form method="post" action="/account/password">
${csrfField(csrf)}
<label for="password">${t(locale, 'account.current_password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="newPassword">${t(locale, 'password_change.new')}</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required>
<button type="submit">${t(locale, 'account.password_heading')}</button>
</form>

<h2>${t(locale, 'account.mfa_heading')}</h2>
<p id="mfa-status">${t(locale, profile.mfaEnabled ? 'account.mfa_on' : 'account.mfa_off')}
${profile.mfaRequired ? html` ${t(locale, 'account.mfa_required')}` : ''}</p>
${
  profile.mfaEnabled
    ? html`
<p>${t(locale, 'account.recovery_left', { n: String(profile.recoveryCodesLeft) })}</p>
<form method="post" action="/account/recovery-codes">
${csrfField(csrf)}
<label for="recovery-password">${t(locale, 'account.confirm_password')}</label>
<input id="recovery-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="secondary">${t(locale, 'account.recovery_new')}</button>
</form>
${
  profile.mfaRequired
    ? ''
    : html`
<form method="post" action="/account/2fa/disable">
${csrfField(csrf)}
<label for="disable-password">${t(locale, 'account.confirm_password')}</label>
<input id="disable-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="secondary">${t(locale, 'account.mfa_disable')}</button>
</form>`
}`
    : html`
<form method="post" action="/account/2fa/start">
${csrfField(csrf)}
<button type="submit">${t(locale, 'account.mfa_enable')}</button>
</form>`
}

${appsSection(locale, csrf, lists.apps)}
${sessionsSection(locale, csrf, lists.sessions)}

<p><a id="download-data" href="/account/data" download>${t(locale, 'account.download_data')}</a></p>

<form method="post" action="/account/sign-out">
${csrfField(csrf)}
<button type="submit" class="link">${t(locale, 'account.sign_out')}</button>
</form>`,
  );
}
