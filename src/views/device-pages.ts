import { t, type Locale, type MessageId } from '../i18n/messages.js';
import { errorBox, page } from './layout.js';
import { html } from '../html.js';

/** The provider's own form token (xsrf), bound to the browser's session: these forms' CSRF guard. */
export interface DeviceForm {
  action: string;
  xsrf: string;
}

/** RFC 8628: where a person types the code a CLI or TV shows. */
export function deviceCodePage(locale: Locale, form: DeviceForm, error?: MessageId, code = ''): string {
  return page(
    locale,
    t(locale, 'device.title'),
    html`
<p>${t(locale, 'device.intro')}</p>
${errorBox(error && t(locale, error))}
<form method="post" action="${form.action}">
<input type="hidden" name="xsrf" value="${form.xsrf}">
<label for="user_code">${t(locale, 'device.code')}</label>
<input id="user_code" name="user_code" type="text" value="${code}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32" required autofocus>
<button type="submit">${t(locale, 'device.continue')}</button>
</form>`,
  );
}

export function deviceConfirmPage(locale: Locale, form: DeviceForm, clientName: string, userCode: string): string {
  return page(
    locale,
    t(locale, 'device.confirm_title'),
    html`
<p>${t(locale, 'device.confirm_intro', { client: clientName })}</p>
<p class="code" id="device-user-code"><strong>${userCode}</strong></p>
<form method="post" action="${form.action}">
<input type="hidden" name="xsrf" value="${form.xsrf}">
<input type="hidden" name="user_code" value="${userCode}">
<button type="submit" name="confirm" value="yes">${t(locale, 'device.confirm')}</button>
<button type="submit" name="abort" value="yes" class="secondary">${t(locale, 'device.abort')}</button>
</form>`,
  );
}

export function deviceDonePage(locale: Locale, clientName: string): string {
  return page(locale, t(locale, 'device.done_title'), html`<p role="status">${t(locale, 'device.done', { client: clientName })}</p>`);
}
