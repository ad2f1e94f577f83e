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

export interface ProfileNotice {
  message?: MessageId;
  error?: MessageId;
  violations?: PasswordViolation[];
}

/** "My profile": who you are, your password, your second factor. */
export function profilePage(locale: Locale, csrf: string, profile: ProfileView, notice: ProfileNotice = {}): string {
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

<p><a id="download-data" href="/account/data" download>${t(locale, 'account.download_data')}</a></p>

<form method="post" action="/account/sign-out">
${csrfField(csrf)}
<button type="submit" class="link">${t(locale, 'account.sign_out')}</button>
</form>`,
  );
}
