import type Router from '@koa/router';
import { html } from '../../html.js';
import { apiPath } from '../admin-api.js';
import type { ConnectionView, TenantView } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import type { ConsoleMessageId } from '../../i18n/console-messages.js';
import {
  checkbox,
  copyable,
  csrfInput,
  emptyForm,
  errorSummary,
  formToJson,
  notice,
  select,
  textArea,
  textField,
  type FormSpec,
  type FormView,
} from '../views/form.js';
import { tenantPath } from './tenants.js';

type GuidedKind = 'entra' | 'google' | 'oidc';
const KINDS: GuidedKind[] = ['entra', 'google', 'oidc'];

const FIELDS: Record<GuidedKind, FormSpec> = {
  entra: {
    name: 'text',
    issuer: 'optionalText',
    clientId: 'text',
    clientSecret: 'text',
    allowedEntraTenants: 'list',
    firstSignIn: 'text',
    trustUpstreamMfa: 'boolean',
  },
  google: {
    name: 'text',
    clientId: 'text',
    clientSecret: 'text',
    allowedGoogleDomains: 'list',
    firstSignIn: 'text',
    trustUpstreamMfa: 'boolean',
  },
  oidc: { name: 'text', issuer: 'text', clientId: 'text', clientSecret: 'text', firstSignIn: 'text', trustUpstreamMfa: 'boolean' },
};

/** Upstream connections: the list, and guided set-up for Entra ID, Google Workspace and any OpenID Connect provider. */
export function registerConnectionPages(router: Router, kit: ConsoleKit, issuer: string): void {
  const { session, form, render, t } = kit;
  const base = (ctx: ConsoleContext) => `${tenantPath(ctx.params.tenant!)}/connections`;
  const readTenant = (ctx: ConsoleContext) => ctx.state.api.get<TenantView>(apiPath`/tenants/${ctx.params.tenant!}`);
  const redirectUri = `${issuer}/federation/callback`;

  async function list(ctx: ConsoleContext): Promise<void> {
    const tenant = await readTenant(ctx);
    const { items } = await ctx.state.api.get<{ items: ConnectionView[] }>(apiPath`/tenants/${tenant.id}/connections`);
    render(
      ctx,
      `${t(ctx, 'connections.title')}: ${tenant.name}`,
      html`
<p><a href="${tenantPath(tenant.slug)}">${t(ctx, 'console.back_to_tenant', { tenant: tenant.name })}</a></p>
${notice(kit.done(ctx))}
<p>${t(ctx, 'connections.intro')}</p>
<ul class="sections">${KINDS.map((kind) => html`<li><a href="${base(ctx)}/new?kind=${kind}">${t(ctx, `connections.new_${kind}`)}</a></li>`)}</ul>
${
  items.length
    ? html`<div class="table"><table><thead><tr><th scope="col">${t(ctx, 'connections.name')}</th><th scope="col">${t(ctx, 'connections.kind')}</th><th scope="col">${t(ctx, 'connections.enabled')}</th></tr></thead>
<tbody>${items.map((c) => html`<tr><td>${c.name}</td><td><code>${c.kind}</code></td><td>${c.enabled ? t(ctx, 'console.yes') : t(ctx, 'console.no')}</td></tr>`)}</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}`,
      'tenants',
    );
  }

  function newPage(ctx: ConsoleContext, tenant: TenantView, kind: GuidedKind, view: FormView, status = 200): void {
    const fields = FIELDS[kind];
    render(
      ctx,
      t(ctx, `connections.new_${kind}`),
      html`
<p><a href="${base(ctx)}">${t(ctx, 'connections.title')}: ${tenant.name}</a></p>
${errorSummary(view)}
<h2>${t(ctx, 'connections.step_register')}</h2>
${copyable(ctx.state.locale, 'redirect-uri', redirectUri)}
<p>${t(ctx, `connections.${kind}_register` as ConsoleMessageId)}</p>
<h2>${t(ctx, 'connections.step_details')}</h2>
<form method="post" action="${base(ctx)}?kind=${kind}" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'name', t(ctx, 'connections.name'), { required: true })}
${'issuer' in fields ? textField(view, 'issuer', t(ctx, 'connections.issuer'), { type: 'url', spellcheck: false, hint: kind === 'entra' ? t(ctx, 'connections.entra_issuer_hint') : undefined }) : ''}
${textField(view, 'clientId', t(ctx, 'connections.client_id'), { required: true, spellcheck: false, autocomplete: 'off' })}
${textField(view, 'clientSecret', t(ctx, 'connections.client_secret'), { type: 'password', required: true, autocomplete: 'new-password' })}
${'allowedEntraTenants' in fields ? textArea(view, 'allowedEntraTenants', t(ctx, 'connections.entra_tenants'), t(ctx, 'console.one_per_line')) : ''}
${'allowedGoogleDomains' in fields ? textArea(view, 'allowedGoogleDomains', t(ctx, 'connections.google_domains'), t(ctx, 'console.one_per_line')) : ''}
${select(view, 'firstSignIn', t(ctx, 'connections.first_sign_in'), [
  ['link', t(ctx, 'connections.first_link')],
  ['create', t(ctx, 'connections.first_create')],
  ['refuse', t(ctx, 'connections.first_refuse')],
])}
${checkbox(view, 'trustUpstreamMfa', t(ctx, 'connections.trust_mfa'))}
<button type="submit">${t(ctx, 'console.create')}</button>
</form>`,
      'tenants',
      status,
    );
  }

  const kindOf = (ctx: ConsoleContext): GuidedKind =>
    (KINDS as string[]).includes(String(ctx.query.kind)) ? (ctx.query.kind as GuidedKind) : 'oidc';
  const blank = (kind: GuidedKind): Record<string, string> => ({
    ...Object.fromEntries(Object.keys(FIELDS[kind]).map((n) => [n, ''])),
    firstSignIn: 'link',
  });

  async function create(ctx: ConsoleContext): Promise<void> {
    const kind = kindOf(ctx);
    const body = { kind, ...formToJson(FIELDS[kind], ctx.state.form) };
    const result = await ctx.state.api.call('POST', apiPath`/tenants/${ctx.params.tenant!}/connections`, body);
    if (result.ok) return kit.redirect(ctx, base(ctx), 'connection_created');
    // The secret is never sent back to the browser: it is typed again.
    const view = kit.refusedForm(ctx, { ...blank(kind), ...ctx.state.form, clientSecret: '' }, result);
    newPage(ctx, await readTenant(ctx), kind, view, result.status);
  }

  router.get('/tenants/:tenant/connections', session, list);
  router.get('/tenants/:tenant/connections/new', session, async (ctx: ConsoleContext) => {
    const kind = kindOf(ctx);
    newPage(ctx, await readTenant(ctx), kind, emptyForm(ctx.state.locale, ctx.state.csrf, blank(kind)));
  });
  router.post('/tenants/:tenant/connections', session, form, create);
}
