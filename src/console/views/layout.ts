import { html, type SafeHtml } from '../../html.js';
import type { Locale } from '../../i18n/messages.js';
import { ct } from '../../i18n/console-messages.js';
import { CONSOLE_PATH } from '../settings.js';

export interface Chrome {
  locale: Locale;
  /** Absent on pages shown without a session (errors, the sign-in hand-over). */
  csrf?: string;
  who?: string;
  /** This page's path, to come back to after switching the language. */
  here?: string;
  /** Which menu entry is current. */
  section?: 'tenants' | 'clients' | 'audit';
}

/** The console's page: a skip link, the menu, one h1, and the content in <main>. */
export function consolePage(chrome: Chrome, title: string, body: SafeHtml, head: SafeHtml = html``): string {
  const { locale } = chrome;
  const item = (section: NonNullable<Chrome['section']>, href: string, label: string) =>
    html`<li><a href="${href}"${chrome.section === section ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} – ${ct(locale, 'console.name')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CONSOLE_PATH}/assets/console.css">
<script src="${CONSOLE_PATH}/assets/console.js" defer></script>
${head}
</head>
<body>
<a class="skip" href="#main">${ct(locale, 'console.skip')}</a>
<header class="top">
<p class="brand"><a href="${CONSOLE_PATH}/">${ct(locale, 'console.name')}</a></p>
${
  chrome.csrf
    ? html`<nav aria-label="${ct(locale, 'console.nav')}"><ul>
${item('tenants', `${CONSOLE_PATH}/tenants`, ct(locale, 'console.nav_tenants'))}
${item('clients', `${CONSOLE_PATH}/clients`, ct(locale, 'console.nav_clients'))}
${item('audit', `${CONSOLE_PATH}/audit`, ct(locale, 'console.nav_audit'))}
</ul></nav>
<p class="language"><a href="${CONSOLE_PATH}/language?to=${locale === 'sv' ? 'en' : 'sv'}&amp;back=${encodeURIComponent(chrome.here ?? `${CONSOLE_PATH}/`)}" lang="${locale === 'sv' ? 'en' : 'sv'}">${locale === 'sv' ? 'English' : 'Svenska'}</a></p>
<form class="sign-out" method="post" action="${CONSOLE_PATH}/sign-out">
<input type="hidden" name="csrf" value="${chrome.csrf}">
${chrome.who ? html`<span class="who">${ct(locale, 'console.signed_in_as', { who: chrome.who })}</span>` : ''}
<button type="submit" class="secondary">${ct(locale, 'console.sign_out')}</button>
</form>`
    : ''
}
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.value;
}
