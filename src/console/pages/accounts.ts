import type Router from '@koa/router';
import { html } from '../../html.js';
import { apiPath, query } from '../admin-api.js';
import { accountLabel, type AccountView, type Page, type TenantView } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import {
  actionForm,
  checkbox,
  csrfInput,
  emptyForm,
  errorSummary,
  formToJson,
  notice,
  select,
  textField,
  type FormSpec,
  type FormView,
} from '../views/form.js';
import { tenantPath } from './tenants.js';

const CREATE: FormSpec = { email: 'text', name: 'optionalText', locale: 'optionalText', staff: 'boolean', invite: 'boolean' };
const STATES = ['invited', 'active', 'locked', 'disabled'] as const;

/** Accounts: search, create or invite, and one account's state with what an administrator may do to it. */
export function registerAccountPages(router: Router, kit: ConsoleKit): void {
  const { session, form, render, t } = kit;
  const base = (ctx: ConsoleContext) => `${tenantPath(ctx.params.tenant!)}/accounts`;
  const readTenant = (ctx: ConsoleContext) => ctx.state.api.get<TenantView>(apiPath`/tenants/${ctx.params.tenant!}`);
  const when = (ctx: ConsoleContext, time: string | null) =>
    time ? html`<time datetime="${time}">${time.replace('T', ' ').slice(0, 19)} UTC</time>` : t(ctx, 'console.never');
  const stateOf = (ctx: ConsoleContext, state: AccountView['state']) => t(ctx, `accounts.state_${state}`);

  async function list(ctx: ConsoleContext): Promise<void> {
    const tenant = await readTenant(ctx);
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 200) : '';
    const state = typeof ctx.query.state === 'string' && (STATES as readonly string[]).includes(ctx.query.state) ? ctx.query.state : '';
    const after = typeof ctx.query.after === 'string' ? ctx.query.after : undefined;
    const { items, next } = await ctx.state.api.get<Page<AccountView>>(
      apiPath`/tenants/${tenant.id}/accounts` + query({ q, state, limit: 50, after }),
    );
    const filters = emptyForm(ctx.state.locale, ctx.state.csrf, { q, state });
    render(
      ctx,
      `${t(ctx, 'accounts.title')}: ${tenant.name}`,
      html`
<p><a href="${tenantPath(tenant.slug)}">${t(ctx, 'console.back_to_tenant', { tenant: tenant.name })}</a></p>
${notice(kit.done(ctx))}
<p><a class="button" href="${base(ctx)}/new">${t(ctx, 'accounts.new')}</a></p>
<form method="get" action="${base(ctx)}" class="filters" role="search">
${textField(filters, 'q', t(ctx, 'accounts.search_label'), { type: 'text', spellcheck: false })}
${select(filters, 'state', t(ctx, 'accounts.state'), [['', t(ctx, 'console.any')], ...STATES.map((s) => [s, stateOf(ctx, s)] as [string, string])])}
<button type="submit">${t(ctx, 'console.search')}</button>
</form>
${
  items.length
    ? html`<div class="table"><table>
<thead><tr><th scope="col">${t(ctx, 'accounts.email')}</th><th scope="col">${t(ctx, 'accounts.name')}</th><th scope="col">${t(ctx, 'accounts.state')}</th><th scope="col">${t(ctx, 'accounts.last_sign_in')}</th></tr></thead>
<tbody>
${items.map(
  (account) =>
    html`<tr><td><a href="${base(ctx)}/${account.id}">${accountLabel(account)}</a></td><td>${account.name ?? ''}</td><td>${stateOf(ctx, account.state)}</td><td>${when(ctx, account.lastLoginAt)}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}
${next ? html`<p><a href="${base(ctx)}${query({ q, state, after: next })}">${t(ctx, 'console.next_page')}</a></p>` : ''}`,
      'tenants',
    );
  }

  function createPage(ctx: ConsoleContext, tenant: TenantView, view: FormView, status = 200): void {
    render(
      ctx,
      t(ctx, 'accounts.new'),
      html`
<p><a href="${base(ctx)}">${t(ctx, 'accounts.title')}: ${tenant.name}</a></p>
${errorSummary(view)}
<form method="post" action="${base(ctx)}" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'email', t(ctx, 'accounts.email'), { type: 'email', required: true, autocomplete: 'off', spellcheck: false })}
${textField(view, 'name', t(ctx, 'accounts.name'), { autocomplete: 'off' })}
${select(view, 'locale', t(ctx, 'accounts.locale'), [
  ['', t(ctx, 'tenants.locale_none')],
  ['sv', 'Svenska'],
  ['en', 'English'],
])}
${checkbox(view, 'staff', t(ctx, 'accounts.staff'))}
${checkbox(view, 'invite', t(ctx, 'accounts.invite'))}
<button type="submit">${t(ctx, 'console.create')}</button>
</form>`,
      'tenants',
      status,
    );
  }

  async function create(ctx: ConsoleContext): Promise<void> {
    const body = formToJson(CREATE, ctx.state.form);
    if (body.invite === false) delete body.invite;
    const result = await ctx.state.api.call<AccountView>('POST', apiPath`/tenants/${ctx.params.tenant!}/accounts`, body);
    if (result.ok) return kit.redirect(ctx, `${base(ctx)}/${result.data.id}`, body.invite ? 'invited' : 'saved');
    const values = { email: '', name: '', locale: '', staff: '', invite: '', ...ctx.state.form };
    createPage(ctx, await readTenant(ctx), kit.refusedForm(ctx, values, result), result.status);
  }

  function accountPage(ctx: ConsoleContext, tenant: TenantView, account: AccountView, view: FormView, status = 200): void {
    const path = `${base(ctx)}/${account.id}`;
    const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${value as string}</dd>`;
    const identities = account.identities ?? [];
    render(
      ctx,
      accountLabel(account),
      html`
<p><a href="${base(ctx)}">${t(ctx, 'accounts.title')}: ${tenant.name}</a></p>
${notice(kit.done(ctx))}
${errorSummary(view)}
<dl>
${row(t(ctx, 'accounts.email'), account.email ?? '')}
${row(t(ctx, 'accounts.name'), account.name ?? '')}
${account.personalNumber ? row(t(ctx, 'accounts.personal_number'), account.personalNumber) : ''}
${row(t(ctx, 'accounts.state'), html`<span id="account-state">${stateOf(ctx, account.state)}</span>`)}
${row(t(ctx, 'accounts.last_sign_in'), when(ctx, account.lastLoginAt))}
${row(t(ctx, 'accounts.mfa'), account.mfaEnabled ? t(ctx, 'accounts.mfa_on', { n: String(account.recoveryCodesLeft) }) : t(ctx, 'console.no'))}
${row(t(ctx, 'accounts.failed_attempts'), String(account.failedAttempts))}
${account.lockedAt ? row(t(ctx, 'accounts.locked_since'), when(ctx, account.lockedAt)) : ''}
${account.lockedUntil ? row(t(ctx, 'accounts.locked_until'), when(ctx, account.lockedUntil)) : ''}
${account.lockedReason ? row(t(ctx, 'accounts.locked_reason'), html`<code>${account.lockedReason}</code>`) : ''}
</dl>
<h2>${t(ctx, 'accounts.identities')}</h2>
${
  identities.length
    ? html`<div class="table"><table><thead><tr><th scope="col">${t(ctx, 'accounts.identity_connection')}</th><th scope="col">${t(ctx, 'accounts.identity_subject')}</th><th scope="col">${t(ctx, 'accounts.identity_linked')}</th></tr></thead>
<tbody>${identities.map((i) => html`<tr><td><code>${i.connectionId}</code></td><td><code>${i.subject}</code></td><td>${when(ctx, i.linkedAt)}</td></tr>`)}</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}
<h2>${t(ctx, 'accounts.actions')}</h2>
${
  account.state === 'locked'
    ? html`<form method="post" action="${path}/unlock" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'reason', t(ctx, 'accounts.unlock_reason'), { required: true })}
<button type="submit">${t(ctx, 'accounts.unlock')}</button>
</form>`
    : ''
}
${account.state === 'invited' ? actionForm(view.csrf, `${path}/invitation`, t(ctx, 'accounts.resend')) : ''}
${
  account.state === 'disabled'
    ? actionForm(view.csrf, `${path}/enable`, t(ctx, 'accounts.enable'))
    : actionForm(view.csrf, `${path}/disable`, t(ctx, 'accounts.disable'), html``, true)
}
${account.mfaEnabled ? actionForm(view.csrf, `${path}/reset-mfa`, t(ctx, 'accounts.reset_mfa'), html``, true) : ''}`,
      'tenants',
      status,
    );
  }

  const readAccount = (ctx: ConsoleContext) =>
    ctx.state.api.get<AccountView>(apiPath`/tenants/${ctx.params.tenant!}/accounts/${ctx.params.id!}`);

  async function show(ctx: ConsoleContext): Promise<void> {
    const [tenant, account] = await Promise.all([readTenant(ctx), readAccount(ctx)]);
    accountPage(ctx, tenant, account, emptyForm(ctx.state.locale, ctx.state.csrf, { reason: '' }));
  }

  /** One account action through the API; a refusal with field problems is shown on the account's page. */
  function action(method: string, apiSuffix: string, done: Parameters<ConsoleKit['redirect']>[2], body?: (ctx: ConsoleContext) => unknown) {
    return async (ctx: ConsoleContext): Promise<void> => {
      const path = apiPath`/tenants/${ctx.params.tenant!}/accounts/${ctx.params.id!}` + apiSuffix;
      const result = await ctx.state.api.call(method, path, body?.(ctx));
      if (result.ok) return kit.redirect(ctx, `${base(ctx)}/${ctx.params.id!}`, done);
      const view = kit.refusedForm(ctx, { reason: ctx.state.form.reason ?? '' }, result);
      const [tenant, account] = await Promise.all([readTenant(ctx), readAccount(ctx)]);
      accountPage(ctx, tenant, account, view, result.status);
    };
  }

  router.get('/tenants/:tenant/accounts', session, list);
  router.get('/tenants/:tenant/accounts/new', session, async (ctx: ConsoleContext) =>
    createPage(
      ctx,
      await readTenant(ctx),
      emptyForm(ctx.state.locale, ctx.state.csrf, { email: '', name: '', locale: '', staff: '', invite: 'on' }),
    ),
  );
  router.post('/tenants/:tenant/accounts', session, form, create);
  router.get('/tenants/:tenant/accounts/:id', session, show);
  router.post(
    '/tenants/:tenant/accounts/:id/unlock',
    session,
    form,
    action('POST', '/unlock', 'unlocked', (ctx) => ({ reason: ctx.state.form.reason ?? '' })),
  );
  router.post(
    '/tenants/:tenant/accounts/:id/disable',
    session,
    form,
    action('PATCH', '', 'disabled', () => ({ state: 'disabled' })),
  );
  router.post(
    '/tenants/:tenant/accounts/:id/enable',
    session,
    form,
    action('PATCH', '', 'enabled', () => ({ state: 'active' })),
  );
  router.post('/tenants/:tenant/accounts/:id/reset-mfa', session, form, action('DELETE', '/mfa', 'mfa_reset'));
  router.post('/tenants/:tenant/accounts/:id/invitation', session, form, action('POST', '/invitation', 'invited'));
}
