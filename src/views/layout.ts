import { t, type Locale } from '../i18n/messages.js';
import { html, type SafeHtml } from '../html.js';

export function page(locale: Locale, title: string, body: SafeHtml, head: SafeHtml = html``): string {
  return html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} – ${t(locale, 'app.name')}</title>
<link rel="stylesheet" href="/assets/idp.css">
${head}
</head>
<body>
<main class="card">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.value;
}

/** Hidden field every form carries; checked against the flow on submit. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

export function errorBox(message: string | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}
