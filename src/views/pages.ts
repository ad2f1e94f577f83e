import { t, type Locale, type MessageId } from '../i18n/messages.js';
import { csrfField, errorBox, page } from './layout.js';
import { html, raw } from '../html.js';
import { currentRequestId } from '../log/request-context.js';
import type { PasswordViolation } from '../policy/types.js';

/** Every broken password rule, in the person's language. */
function violationList(locale: Locale, violations: PasswordViolation[]) {
  if (violations.length === 0) return html``;
  return html`<div class="error" role="alert"><p>${t(locale, 'password_change.rules')}</p>
<ul>${violations.map((v) => html`<li>${t(locale, v.rule, v.n === undefined ? {} : { n: String(v.n) })}</li>`)}</ul></div>`;
}

export interface FormContext {
  locale: Locale;
  action: string;
  csrf: string;
  clientName: string;
}

function subtitle(ctx: FormContext) {
  return html`<p class="subtitle">${t(ctx.locale, 'login.to_client', { client: ctx.clientName })}</p>`;
}

export function loginEmailPage(
  ctx: FormContext,
  values: { email?: string; error?: MessageId; connections?: { id: string; name: string }[] },
): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'login.title'),
    html`
${subtitle(ctx)}
${(values.connections ?? []).map((c) => html`<p><a class="button" href="${ctx.action}/federation/${c.id}">${t(locale, 'federation.continue_with', { name: c.name })}</a></p>`)}
${errorBox(values.error && t(locale, values.error))}
<form method="post" action="${ctx.action}/email" novalidate>
${csrfField(ctx.csrf)}
<label for="email">${t(locale, 'login.email')}</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${values.email ?? ''}">
<button type="submit">${t(locale, 'login.continue')}</button>
</form>`,
  );
}

export function loginPasswordPage(ctx: FormContext, values: { email: string; error?: MessageId }): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'login.title'),
    html`
${subtitle(ctx)}
${errorBox(values.error && t(locale, values.error))}
<form method="post" action="${ctx.action}/password">
${csrfField(ctx.csrf)}
<p class="identity">${t(locale, 'login.signing_in_as', { email: values.email })}</p>
<input type="hidden" name="email" value="${values.email}" autocomplete="username">
<label for="password">${t(locale, 'login.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">${t(locale, 'login.submit')}</button>
</form>
<p><a href="${ctx.action}/forgot">${t(locale, 'forgot.link')}</a></p>
<form method="post" action="${ctx.action}/restart">
${csrfField(ctx.csrf)}
<button type="submit" class="link">${t(locale, 'login.other_email')}</button>
</form>`,
  );
}

export function forgotPasswordPage(ctx: FormContext, values: { email?: string; error?: MessageId }): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'forgot.title'),
    html`
<p>${t(locale, 'forgot.intro')}</p>
${errorBox(values.error && t(locale, values.error))}
<form method="post" action="${ctx.action}/forgot" novalidate>
${csrfField(ctx.csrf)}
<label for="email">${t(locale, 'login.email')}</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${values.email ?? ''}">
<button type="submit">${t(locale, 'forgot.submit')}</button>
</form>`,
  );
}

export function resetSentPage(ctx: FormContext, email: string): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'forgot.sent_title'),
    html`
<p role="status">${t(locale, 'forgot.sent', { email })}</p>
<form method="post" action="${ctx.action}/restart">
${csrfField(ctx.csrf)}
<button type="submit" class="secondary">${t(locale, 'forgot.back')}</button>
</form>`,
  );
}

/** The page a registration or reset link opens. */
export function setPasswordPage(
  locale: Locale,
  values: {
    kind: 'registration' | 'reset';
    token: string;
    csrf: string;
    email: string;
    tenantName: string;
    violations?: PasswordViolation[];
  },
): string {
  return page(
    locale,
    t(locale, values.kind === 'reset' ? 'link.reset_title' : 'link.set_title'),
    html`
<p>${t(locale, 'link.for_account', { email: values.email, tenant: values.tenantName })}</p>
${violationList(locale, values.violations ?? [])}
<form method="post" action="/password/set">
${csrfField(values.csrf)}
<input type="hidden" name="token" value="${values.token}">
<input type="hidden" name="email" value="${values.email}" autocomplete="username">
<label for="newPassword">${t(locale, 'password_change.new')}</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required autofocus>
<button type="submit">${t(locale, 'link.submit')}</button>
</form>`,
  );
}

export function changePasswordPage(ctx: FormContext, violations: PasswordViolation[]): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'password_change.title'),
    html`
<p>${t(locale, 'password_change.intro')}</p>
${violationList(locale, violations)}
<form method="post" action="${ctx.action}/new-password">
${csrfField(ctx.csrf)}
<label for="newPassword">${t(locale, 'password_change.new')}</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required autofocus>
<button type="submit">${t(locale, 'password_change.submit')}</button>
</form>`,
  );
}

export function secondFactorPage(ctx: FormContext, error?: MessageId): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'mfa.title'),
    html`
<p>${t(locale, 'mfa.intro')}</p>
${errorBox(error && t(locale, error))}
<form method="post" action="${ctx.action}/second-factor">
${csrfField(ctx.csrf)}
<label for="code">${t(locale, 'mfa.code')}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">${t(locale, 'mfa.verify')}</button>
</form>
<p class="detail">${t(locale, 'mfa.recovery_hint')}</p>`,
  );
}

export interface EnrolmentView {
  qrDataUrl: string;
  groupedKey: string;
}

/** The enrolment form; `action` is where the code is posted. */
export function enrolmentPage(
  ctx: FormContext,
  enrolment: EnrolmentView,
  options: { action: string; required: boolean; error?: MessageId },
): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'mfa.enrol_title'),
    html`
${options.required ? html`<p>${t(locale, 'mfa.enrol_required')}</p>` : ''}
<p>${t(locale, 'mfa.enrol_intro')}</p>
<img class="qr" src="${enrolment.qrDataUrl}" alt="${t(locale, 'mfa.qr_alt')}" width="240" height="240">
<p>${t(locale, 'mfa.manual_key')}</p>
<p><code class="key" id="totp-key">${enrolment.groupedKey}</code></p>
${errorBox(options.error && t(locale, options.error))}
<form method="post" action="${options.action}">
${csrfField(ctx.csrf)}
<label for="code">${t(locale, 'mfa.code')}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">${t(locale, 'mfa.verify')}</button>
</form>`,
  );
}

/** Shown once, right after enrolment (or on regeneration); only hashes are stored. */
export function recoveryCodesPage(ctx: FormContext, codes: string[], action: string): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'mfa.recovery_title'),
    html`
<p>${t(locale, 'mfa.recovery_intro')}</p>
<ul class="codes" id="recovery-codes">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<form method="post" action="${action}">
${csrfField(ctx.csrf)}
<button type="submit">${t(locale, 'mfa.continue')}</button>
</form>`,
  );
}

export function chooseTenantPage(ctx: FormContext, tenants: { accountId: string; name: string }[]): string {
  const { locale } = ctx;
  return page(
    locale,
    t(locale, 'tenant.title'),
    html`
<p>${t(locale, 'tenant.intro')}</p>
<form method="post" action="${ctx.action}/tenant">
${csrfField(ctx.csrf)}
${tenants.map((tenant) => html`<button type="submit" name="account" value="${tenant.accountId}" class="choice">${tenant.name}</button>`)}
</form>`,
  );
}

export function consentPage(ctx: FormContext, scopes: string[]): string {
  const { locale } = ctx;
  const label = (scope: string) => {
    const id = `scope.${scope}` as MessageId;
    return ['openid', 'profile', 'email', 'offline_access'].includes(scope) ? t(locale, id) : scope;
  };
  return page(
    locale,
    t(locale, 'consent.title'),
    html`
<p>${t(locale, 'consent.intro', { client: ctx.clientName })}</p>
<ul>${scopes.map((scope) => html`<li>${label(scope)}</li>`)}</ul>
<form method="post" action="${ctx.action}/consent">
${csrfField(ctx.csrf)}
<button type="submit">${t(locale, 'consent.allow')}</button>
</form>
<form method="post" action="${ctx.action}/abort">
${csrfField(ctx.csrf)}
<button type="submit" class="secondary">${t(locale, 'consent.deny')}</button>
</form>`,
  );
}

/** `providerForm` is oidc-provider's own hidden logout form (it carries its own xsrf token). */
export function logoutPage(locale: Locale, providerForm: string): string {
  return page(
    locale,
    t(locale, 'logout.title'),
    html`
<p>${t(locale, 'logout.question')}</p>
${raw(providerForm)}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>${t(locale, 'logout.yes')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t(locale, 'logout.no')}</button>`,
  );
}

export function loggedOutPage(locale: Locale): string {
  return page(locale, t(locale, 'logout.done_title'), html`<p>${t(locale, 'logout.done')}</p>`);
}

/**
 * Sends the browser on to an upstream identity provider. A page rather than a redirect: a
 * redirect answering a form post would be checked against the form-action policy, which
 * rightly does not list every upstream. Works without JavaScript (meta refresh, plus a link).
 */
export const AUTO_SUBMIT_SCRIPT_PATH = '/assets/auto-submit.js';
/** The one script of ours: submits a form marked data-auto-submit (the SAML HTTP-POST binding). */
export const AUTO_SUBMIT_SCRIPT = "document.querySelector('form[data-auto-submit]')?.submit();\n";

export function upstreamRedirectPage(locale: Locale, url: string, name: string): string {
  return page(
    locale,
    t(locale, 'federation.redirecting', { name }),
    html`
<p><a class="button" href="${url}">${t(locale, 'federation.continue')}</a></p>`,
    html`<meta http-equiv="refresh" content="0;url=${url}">`,
  );
}

/**
 * An upstream that takes our request by HTTP-POST (SAML): a form the self-hosted
 * /assets/auto-submit.js sends at once (the CSP allows no inline script); without
 * script, the person presses Continue.
 */
export function upstreamPostPage(locale: Locale, url: string, fields: Record<string, string>, name: string): string {
  return page(
    locale,
    t(locale, 'federation.redirecting', { name }),
    html`
<form method="post" action="${url}" data-auto-submit>
${Object.entries(fields).map(([field, value]) => html`<input type="hidden" name="${field}" value="${value}">`)}
<button type="submit">${t(locale, 'federation.continue')}</button>
</form>`,
    html`<script src="${AUTO_SUBMIT_SCRIPT_PATH}" defer></script>`,
  );
}

export function errorPage(locale: Locale, message: MessageId, code?: string, requestId = currentRequestId()): string {
  return page(
    locale,
    t(locale, 'error.title'),
    html`
<p class="error" role="alert">${t(locale, message)}</p>
${code ? html`<p class="detail">${t(locale, 'error.detail', { code })}</p>` : ''}
${requestId ? html`<p class="detail">${t(locale, 'error.reference', { id: requestId })}</p>` : ''}`,
  );
}
