import type Router from '@koa/router';
import { html } from '../../html.js';
import { DEFAULT_LINK_LIFETIMES } from '../../config/defaults.js';
import { apiPath, query } from '../admin-api.js';
import type { Page, TenantView } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import { CONSOLE_PATH } from '../settings.js';
import {
  actionForm,
  checkbox,
  csrfInput,
  emptyForm,
  errorSummary,
  formToJson,
  jsonToForm,
  notice,
  select,
  textArea,
  textField,
  type FormSpec,
  type FormView,
} from '../views/form.js';

const SETTINGS: FormSpec = {
  name: 'text',
  domains: 'list',
  locale: 'nullableText',
  'mail.from': 'nullableText',
  'mail.replyTo': 'nullableText',
  'links.registrationHours': 'number',
  'links.resetMinutes': 'number',
  passwordsAllowed: 'boolean',
};
const CREATE: FormSpec = { slug: 'text', ...SETTINGS };

export const tenantPath = (tenant: string) => `${CONSOLE_PATH}/tenants/${encodeURIComponent(tenant)}`;

/** Tenants: the list, a new one, one tenant's settings (domains, mail, link lifetimes) and its deletion. */
export function registerTenantPages(router: Router, kit: ConsoleKit): void {
  const { session, form, render, t } = kit;

  const labels = (ctx: ConsoleContext): Record<string, string> => ({
    slug: t(ctx, 'tenants.slug'),
    name: t(ctx, 'tenants.name'),
    domains: t(ctx, 'tenants.domains'),
    locale: t(ctx, 'tenants.locale'),
    'mail.from': t(ctx, 'tenants.mail_from'),
    'mail.replyTo': t(ctx, 'tenants.mail_reply_to'),
    'links.registrationHours': t(ctx, 'tenants.registration_hours'),
    'links.resetMinutes': t(ctx, 'tenants.reset_minutes'),
    graceDays: t(ctx, 'tenants.grace_days'),
  });

  function settingsFields(ctx: ConsoleContext, view: FormView) {
    return html`
${textField(view, 'name', t(ctx, 'tenants.name'), { required: true })}
${textArea(view, 'domains', t(ctx, 'tenants.domains'), t(ctx, 'console.one_per_line'))}
${select(view, 'locale', t(ctx, 'tenants.locale'), [
  ['', t(ctx, 'tenants.locale_none')],
  ['sv', 'Svenska'],
  ['en', 'English'],
])}
${checkbox(view, 'passwordsAllowed', t(ctx, 'tenants.passwords_allowed'))}
<fieldset><legend>${t(ctx, 'tenants.mail_heading')}</legend>
${textField(view, 'mail.from', t(ctx, 'tenants.mail_from'), { hint: t(ctx, 'tenants.mail_hint'), spellcheck: false })}
${textField(view, 'mail.replyTo', t(ctx, 'tenants.mail_reply_to'), { spellcheck: false })}
</fieldset>
<fieldset><legend>${t(ctx, 'tenants.links_heading')}</legend>
${textField(view, 'links.registrationHours', t(ctx, 'tenants.registration_hours'), { type: 'number' })}
${textField(view, 'links.resetMinutes', t(ctx, 'tenants.reset_minutes'), { type: 'number' })}
</fieldset>`;
  }

  async function list(ctx: ConsoleContext): Promise<void> {
    const result = await ctx.state.api.call<Page<TenantView>>(
      'GET',
      `/tenants${query({ limit: 50, after: typeof ctx.query.after === 'string' ? ctx.query.after : undefined })}`,
    );
    // Someone who may not list tenants manages their own.
    if (!result.ok && result.status === 403 && ctx.state.session.tenant) {
      ctx.redirect(tenantPath(ctx.state.session.tenant));
      return;
    }
    if (!result.ok) return kit.errorPage(ctx, result.status, t(ctx, 'console.forbidden'), result.problem.detail);
    const { items, next } = result.data;
    render(
      ctx,
      t(ctx, 'tenants.title'),
      html`
${notice(kit.done(ctx))}
<p><a class="button" href="${CONSOLE_PATH}/tenants/new">${t(ctx, 'tenants.new')}</a></p>
${
  items.length
    ? html`<div class="table"><table>
<thead><tr><th scope="col">${t(ctx, 'tenants.name')}</th><th scope="col">${t(ctx, 'tenants.slug')}</th><th scope="col">${t(ctx, 'tenants.domains')}</th><th scope="col">${t(ctx, 'tenants.state')}</th></tr></thead>
<tbody>
${items.map(
  (tenant) =>
    html`<tr><td><a href="${tenantPath(tenant.slug)}">${tenant.name}</a></td><td><code>${tenant.slug}</code></td><td>${tenant.domains.join(', ')}</td><td>${t(ctx, `tenants.state_${tenant.state}`)}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}
${next ? html`<p><a href="${CONSOLE_PATH}/tenants?after=${next}">${t(ctx, 'console.next_page')}</a></p>` : ''}`,
      'tenants',
    );
  }

  function createPage(ctx: ConsoleContext, view: FormView, status = 200): void {
    render(
      ctx,
      t(ctx, 'tenants.new'),
      html`
${errorSummary(view, labels(ctx))}
<form method="post" action="${CONSOLE_PATH}/tenants" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'slug', t(ctx, 'tenants.slug'), { hint: t(ctx, 'tenants.slug_hint'), required: true, spellcheck: false })}
${settingsFields(ctx, view)}
<button type="submit">${t(ctx, 'console.create')}</button>
</form>`,
      'tenants',
      status,
    );
  }

  async function create(ctx: ConsoleContext): Promise<void> {
    const values = { ...jsonToForm(CREATE, {}), ...ctx.state.form };
    const result = await ctx.state.api.call<TenantView>('POST', '/tenants', formToJson(CREATE, ctx.state.form));
    if (!result.ok) return createPage(ctx, kit.refusedForm(ctx, values, result), result.status);
    kit.redirect(ctx, tenantPath(result.data.slug), 'saved');
  }

  function tenantPage(ctx: ConsoleContext, tenant: TenantView, view: FormView, status = 200): void {
    const path = tenantPath(tenant.slug);
    const sections: [string, string][] = [
      [`${path}/policy`, t(ctx, 'policy.title')],
      [`${path}/accounts`, t(ctx, 'accounts.title')],
      [`${path}/connections`, t(ctx, 'connections.title')],
      [`${path}/support-grants`, t(ctx, 'grants.title')],
      [`${CONSOLE_PATH}/audit?tenant=${encodeURIComponent(tenant.slug)}`, t(ctx, 'audit.title')],
    ];
    const deletion =
      tenant.state === 'scheduled_for_deletion'
        ? html`<p>${t(ctx, 'tenants.purge_after', { time: tenant.purgeAfter ?? '' })}</p>
${actionForm(view.csrf, `${path}/restore`, t(ctx, 'tenants.restore'))}`
        : html`<p>${t(ctx, 'tenants.delete_intro')}</p>
<form method="post" action="${path}/delete" novalidate>
${csrfInput(view.csrf)}
${textField({ ...view, values: { graceDays: view.values.graceDays ?? '30' } }, 'graceDays', t(ctx, 'tenants.grace_days'), { type: 'number' })}
<button type="submit" class="danger">${t(ctx, 'tenants.delete')}</button>
</form>`;
    render(
      ctx,
      tenant.name,
      html`
${notice(kit.done(ctx))}
${errorSummary(view, labels(ctx))}
<p><code>${tenant.slug}</code> · ${t(ctx, `tenants.state_${tenant.state}`)}</p>
<nav aria-labelledby="sections-heading"><h2 id="sections-heading">${t(ctx, 'tenants.sections')}</h2>
<ul class="sections">${sections.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`)}</ul></nav>
<h2>${t(ctx, 'tenants.settings')}</h2>
<form method="post" action="${path}" novalidate>
${csrfInput(view.csrf)}
${settingsFields(ctx, view)}
<button type="submit">${t(ctx, 'console.save')}</button>
</form>
<h2>${t(ctx, 'tenants.delete_heading')}</h2>
${deletion}`,
      'tenants',
      status,
    );
  }

  const readTenant = (ctx: ConsoleContext) => ctx.state.api.get<TenantView>(apiPath`/tenants/${ctx.params.tenant!}`);

  async function show(ctx: ConsoleContext): Promise<void> {
    const tenant = await readTenant(ctx);
    tenantPage(ctx, tenant, emptyForm(ctx.state.locale, ctx.state.csrf, jsonToForm(SETTINGS, tenant)));
  }

  async function update(ctx: ConsoleContext): Promise<void> {
    const result = await ctx.state.api.call<TenantView>(
      'PATCH',
      apiPath`/tenants/${ctx.params.tenant!}`,
      formToJson(SETTINGS, ctx.state.form),
    );
    if (result.ok) return kit.redirect(ctx, tenantPath(result.data.slug), 'saved');
    const view = kit.refusedForm(ctx, { ...jsonToForm(SETTINGS, {}), ...ctx.state.form }, result);
    tenantPage(ctx, await readTenant(ctx), view, result.status);
  }

  async function scheduleDeletion(ctx: ConsoleContext): Promise<void> {
    const days = (ctx.state.form.graceDays ?? '').trim();
    const result = await ctx.state.api.call<TenantView>('DELETE', apiPath`/tenants/${ctx.params.tenant!}` + query({ graceDays: days }));
    if (result.ok) return kit.redirect(ctx, tenantPath(result.data.slug), 'deletion_scheduled');
    const tenant = await readTenant(ctx);
    const view = kit.refusedForm(ctx, { ...jsonToForm(SETTINGS, tenant), graceDays: days }, result);
    tenantPage(ctx, tenant, view, result.status);
  }

  async function restore(ctx: ConsoleContext): Promise<void> {
    const tenant = await ctx.state.api.need<TenantView>('POST', apiPath`/tenants/${ctx.params.tenant!}/restore`);
    kit.redirect(ctx, tenantPath(tenant.slug), 'restored');
  }

  router.get('/tenants', session, list);
  router.get('/tenants/new', session, (ctx: ConsoleContext) =>
    createPage(
      ctx,
      emptyForm(ctx.state.locale, ctx.state.csrf, jsonToForm(CREATE, { links: DEFAULT_LINK_LIFETIMES, passwordsAllowed: true })),
    ),
  );
  router.post('/tenants', session, form, create);
  router.get('/tenants/:tenant', session, show);
  router.post('/tenants/:tenant', session, form, update);
  router.post('/tenants/:tenant/delete', session, form, scheduleDeletion);
  router.post('/tenants/:tenant/restore', session, form, restore);
}
