import { html, type SafeHtml } from '../../html.js';
import type { Locale } from '../../i18n/messages.js';
import { ct } from '../../i18n/console-messages.js';
import type { FieldProblem } from '../admin-api.js';

/** How one form field becomes a JSON value for the API. */
export type FieldKind = 'text' | 'optionalText' | 'nullableText' | 'number' | 'nullableNumber' | 'boolean' | 'list' | 'optionalOneItemList';

/** A form's fields by their API path (`password.minLength`), each with its kind. */
export type FormSpec = Record<string, FieldKind>;

/** What a form shows: its values as strings, and the API's messages under the field they belong to. */
export interface FormView {
  locale: Locale;
  csrf: string;
  values: Record<string, string>;
  errors: Record<string, string[]>;
  /** Messages that belong to no field on the form. */
  general: string[];
}

export function emptyForm(locale: Locale, csrf: string, values: Record<string, string> = {}): FormView {
  return { locale, csrf, values, errors: {}, general: [] };
}

/**
 * Turns the posted strings into the API's document. Numbers that are not numbers are sent as
 * they are, so that the API (the one place the rules live) names what is wrong with them.
 */
export function formToJson(spec: FormSpec, form: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const raw = (form[name] ?? '').trim();
    let value: unknown;
    switch (kind) {
      case 'text':
        value = form[name] ?? '';
        break;
      case 'optionalText':
        value = raw === '' ? undefined : raw;
        break;
      case 'nullableText':
        value = raw === '' ? null : raw;
        break;
      case 'number':
        value = /^-?\d+$/.test(raw) ? Number(raw) : raw;
        break;
      case 'nullableNumber':
        value = raw === '' ? null : /^-?\d+$/.test(raw) ? Number(raw) : raw;
        break;
      case 'boolean':
        value = form[name] === 'on' || form[name] === 'true';
        break;
      case 'optionalOneItemList':
        // One multi-line value (a PEM certificate) as a list of one.
        value = raw === '' ? undefined : [raw];
        break;
      case 'list':
        value = raw
          .split(/[\n,]/)
          .map((item) => item.trim())
          .filter(Boolean);
        break;
    }
    if (value !== undefined) setPath(out, name, value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
}

/** An API object as form strings under dotted names: booleans as "on" or "", lists one a line, null as "". */
export function jsonToForm(spec: FormSpec, value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, kind] of Object.entries(spec)) {
    let node: unknown = value;
    for (const part of name.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    if (kind === 'boolean') out[name] = node === true ? 'on' : '';
    else if (Array.isArray(node)) out[name] = node.map(String).join('\n');
    else out[name] = node === null || node === undefined ? '' : String(node as string | number);
  }
  return out;
}

/** The API's problems, each under the form field it names (or the nearest enclosing one); the rest in `general`. */
export function withProblems(view: FormView, problems: FieldProblem[] | undefined, fallback: string | undefined): FormView {
  const known = new Set(Object.keys(view.values));
  const errors: Record<string, string[]> = {};
  const general: string[] = [];
  for (const problem of problems ?? []) {
    let field = problem.field;
    while (field && !known.has(field)) field = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : '';
    const message = problem.message || problem.code;
    if (field) (errors[field] ??= []).push(message);
    else general.push(problem.field ? `${problem.field}: ${message}` : message);
  }
  if (!problems?.length && fallback) general.push(fallback);
  return { ...view, errors, general };
}

export const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** The list of everything wrong, first on the page, each linking to its field (named by `labels` where given). */
export function errorSummary(view: FormView, labels: Record<string, string> = {}): SafeHtml {
  const entries = Object.entries(view.errors);
  if (entries.length === 0 && view.general.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary">
<h2>${ct(view.locale, 'console.errors_title')}</h2>
<ul>
${entries.map(
  ([name, messages]) =>
    html`<li><a href="#${fieldId(name)}">${labels[name] ? html`${labels[name]}: ` : ''}<span lang="en">${messages.join(' ')}</span></a></li>`,
)}
${view.general.map((message) => html`<li lang="en">${message}</li>`)}
</ul>
</div>`;
}

interface FieldOptions {
  type?: 'text' | 'email' | 'number' | 'password' | 'url';
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  spellcheck?: boolean;
}

/** The API's messages are English: marked so, a screen reader reads them in the right voice. */
function described(view: FormView, name: string, hint: string | undefined) {
  const id = fieldId(name);
  const messages = view.errors[name] ?? [];
  const ids = [hint ? `${id}-hint` : '', messages.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  return {
    id,
    invalid: messages.length > 0,
    describedBy: ids ? html` aria-describedby="${ids}"` : html``,
    hint: hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : html``,
    error: messages.length ? html`<p class="field-error" id="${id}-error" lang="en">${messages.join(' ')}</p>` : html``,
  };
}

export function textField(view: FormView, name: string, label: string, options: FieldOptions = {}): SafeHtml {
  const d = described(view, name, options.hint);
  const type = options.type ?? 'text';
  return html`<div class="field${d.invalid ? ' invalid' : ''}">
<label for="${d.id}">${label}</label>
${d.hint}${d.error}
<input id="${d.id}" name="${name}" type="${type === 'number' ? 'text' : type}"${type === 'number' ? html` inputmode="numeric"` : ''} value="${view.values[name] ?? ''}"${d.describedBy}${d.invalid ? html` aria-invalid="true"` : ''}${options.required ? html` required` : ''}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.spellcheck === false ? html` spellcheck="false"` : ''}>
</div>`;
}

export function textArea(view: FormView, name: string, label: string, hint?: string): SafeHtml {
  const d = described(view, name, hint);
  return html`<div class="field${d.invalid ? ' invalid' : ''}">
<label for="${d.id}">${label}</label>
${d.hint}${d.error}
<textarea id="${d.id}" name="${name}" rows="3" spellcheck="false"${d.describedBy}${d.invalid ? html` aria-invalid="true"` : ''}>${view.values[name] ?? ''}</textarea>
</div>`;
}

export function checkbox(view: FormView, name: string, label: string, hint?: string): SafeHtml {
  const d = described(view, name, hint);
  return html`<div class="field check${d.invalid ? ' invalid' : ''}">
<input id="${d.id}" name="${name}" type="checkbox"${view.values[name] === 'on' ? html` checked` : ''}${d.describedBy}${d.invalid ? html` aria-invalid="true"` : ''}>
<label for="${d.id}">${label}</label>
${d.hint}${d.error}
</div>`;
}

export function select(view: FormView, name: string, label: string, options: [value: string, label: string][], hint?: string): SafeHtml {
  const d = described(view, name, hint);
  const current = view.values[name] ?? '';
  return html`<div class="field${d.invalid ? ' invalid' : ''}">
<label for="${d.id}">${label}</label>
${d.hint}${d.error}
<select id="${d.id}" name="${name}"${d.describedBy}${d.invalid ? html` aria-invalid="true"` : ''}>
${options.map(([value, text]) => html`<option value="${value}"${value === current ? html` selected` : ''}>${text}</option>`)}
</select>
</div>`;
}

export function csrfInput(csrf: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

/** A form that posts one action (unlock, rotate, end a grant), with its CSRF token. */
export function actionForm(csrf: string, action: string, label: string, extra: SafeHtml = html``, danger = false): SafeHtml {
  return html`<form method="post" action="${action}" class="action">
${csrfInput(csrf)}${extra}
<button type="submit"${danger ? html` class="danger"` : ''}>${label}</button>
</form>`;
}

export function notice(message: string | undefined): SafeHtml {
  return message ? html`<p class="notice" role="status">${message}</p>` : html``;
}

/** A value to copy (a redirect URI, a secret): selectable text, and a copy button where scripts run. */
export function copyable(locale: Locale, id: string, value: string): SafeHtml {
  return html`<p class="copy"><code id="${id}">${value}</code> <button type="button" class="secondary copy-button" data-copy="${id}" data-copied="${ct(locale, 'console.copied')}" hidden>${ct(locale, 'console.copy')}</button></p>`;
}
