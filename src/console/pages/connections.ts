import type Router from '@koa/router';
import { html, type SafeHtml } from '../../html.js';
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

type Kind = 'entra' | 'google' | 'oidc' | 'saml' | 'grandid';
const KINDS: Kind[] = ['entra', 'google', 'oidc', 'saml', 'grandid'];
const OIDC_KINDS = new Set<Kind>(['entra', 'google', 'oidc']);

const common: FormSpec = { name: 'text', firstSignIn: 'text', trustUpstreamMfa: 'boolean' };
const FIELDS: Record<Kind, FormSpec> = {
  entra: { ...common, issuer: 'optionalText', clientId: 'text', clientSecret: 'text', allowedEntraTenants: 'list' },
  google: { ...common, clientId: 'text', clientSecret: 'text', allowedGoogleDomains: 'list' },
  oidc: { ...common, issuer: 'text', clientId: 'text', clientSecret: 'text' },
  saml: {
    ...common,
    metadataUrl: 'optionalText',
    metadataXml: 'optionalText',
    entityId: 'optionalText',
    ssoUrl: 'optionalText',
    certificates: 'optionalOneItemList',
    'attributes.email': 'text',
    'attributes.name': 'text',
    emailVerified: 'boolean',
  },
  grandid: { ...common, baseUrl: 'text', apiKey: 'text', serviceKey: 'text' },
};
/** Written once, never shown again: a refused form asks for them anew. */
const SECRETS = ['clientSecret', 'apiKey', 'serviceKey'];

interface SamlDetails {
  sp?: { entityId: string; acsUrl: string; metadataUrl: string };
}

/**
 * Upstream connections: the list, one connection, and guided set-up for Microsoft Entra ID,
 * Google Workspace, any OpenID Connect provider, a SAML IdP and GrandID (Swedish e-ID).
 */
export function registerConnectionPages(router: Router, kit: ConsoleKit, issuer: string): void {
  const { session, form, render, t } = kit;
  const base = (ctx: ConsoleContext) => `${tenantPath(ctx.params.tenant!)}/connections`;
  const readTenant = (ctx: ConsoleContext) => ctx.state.api.get<TenantView>(apiPath`/tenants/${ctx.params.tenant!}`);
  const redirectUri = `${issuer}/federation/callback`;
  const back = (ctx: ConsoleContext, tenant: TenantView) =>
    html`<p><a href="${base(ctx)}">${t(ctx, 'connections.title')}: ${tenant.name}</a></p>`;

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
<tbody>${items.map((c) => html`<tr><td><a href="${base(ctx)}/${c.id}">${c.name}</a></td><td><code>${c.kind}</code></td><td>${c.enabled ? t(ctx, 'console.yes') : t(ctx, 'console.no')}</td></tr>`)}</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}`,
      'tenants',
    );
  }

  /** What the upstream's administrator needs from us: the redirect URI, or (SAML) our service provider's details. */
  function ourSide(ctx: ConsoleContext, kind: Kind, connection?: ConnectionView & SamlDetails): SafeHtml {
    if (OIDC_KINDS.has(kind)) return copyable(ctx.state.locale, 'redirect-uri', redirectUri);
    if (kind === 'saml' && connection?.sp) {
      return html`<dl>
<dt>${t(ctx, 'connections.sp_metadata')}</dt><dd>${copyable(ctx.state.locale, 'sp-metadata', connection.sp.metadataUrl)}</dd>
<dt>${t(ctx, 'connections.sp_entity_id')}</dt><dd>${copyable(ctx.state.locale, 'sp-entity-id', connection.sp.entityId)}</dd>
<dt>${t(ctx, 'connections.sp_acs')}</dt><dd>${copyable(ctx.state.locale, 'sp-acs', connection.sp.acsUrl)}</dd>
</dl>`;
    }
    return html``;
  }

  function kindFields(ctx: ConsoleContext, kind: Kind, view: FormView): SafeHtml {
    const url = (name: string, label: ConsoleMessageId, hint?: ConsoleMessageId) =>
      textField(view, name, t(ctx, label), { type: 'url', spellcheck: false, hint: hint && t(ctx, hint) });
    switch (kind) {
      case 'entra':
      case 'google':
      case 'oidc':
        return html`
${kind !== 'google' ? url('issuer', 'connections.issuer', kind === 'entra' ? 'connections.entra_issuer_hint' : undefined) : ''}
${textField(view, 'clientId', t(ctx, 'connections.client_id'), { required: true, spellcheck: false, autocomplete: 'off' })}
${textField(view, 'clientSecret', t(ctx, 'connections.client_secret'), { type: 'password', required: true, autocomplete: 'new-password' })}
${kind === 'entra' ? textArea(view, 'allowedEntraTenants', t(ctx, 'connections.entra_tenants'), t(ctx, 'console.one_per_line')) : ''}
${kind === 'google' ? textArea(view, 'allowedGoogleDomains', t(ctx, 'connections.google_domains'), t(ctx, 'console.one_per_line')) : ''}`;
      case 'saml':
        return html`
<p>${t(ctx, 'connections.saml_source')}</p>
${url('metadataUrl', 'connections.saml_metadata_url')}
${textArea(view, 'metadataXml', t(ctx, 'connections.saml_metadata_xml'))}
<fieldset><legend>${t(ctx, 'connections.saml_by_hand')}</legend>
${textField(view, 'entityId', t(ctx, 'connections.saml_entity_id'), { spellcheck: false })}
${url('ssoUrl', 'connections.saml_sso_url')}
${textArea(view, 'certificates', t(ctx, 'connections.saml_certificate'))}
</fieldset>
${textField(view, 'attributes.email', t(ctx, 'connections.saml_email_attribute'), { spellcheck: false })}
${textField(view, 'attributes.name', t(ctx, 'connections.saml_name_attribute'), { spellcheck: false })}
${checkbox(view, 'emailVerified', t(ctx, 'connections.saml_email_verified'))}`;
      case 'grandid':
        return html`
${url('baseUrl', 'connections.grandid_base_url', 'connections.grandid_base_url_hint')}
${textField(view, 'apiKey', t(ctx, 'connections.grandid_api_key'), { type: 'password', required: true, autocomplete: 'new-password' })}
${textField(view, 'serviceKey', t(ctx, 'connections.grandid_service_key'), { type: 'password', required: true, autocomplete: 'new-password' })}`;
    }
  }

  function newPage(ctx: ConsoleContext, tenant: TenantView, kind: Kind, view: FormView, status = 200): void {
    const firstSignIn: [string, string][] = [
      ['link', t(ctx, 'connections.first_link')],
      ...(kind === 'grandid' ? [] : ([['create', t(ctx, 'connections.first_create')]] as [string, string][])),
      ['refuse', t(ctx, 'connections.first_refuse')],
    ];
    render(
      ctx,
      t(ctx, `connections.new_${kind}`),
      html`
${back(ctx, tenant)}
${errorSummary(view)}
<h2>${t(ctx, 'connections.step_register')}</h2>
${ourSide(ctx, kind)}
<p>${t(ctx, `connections.${kind}_register`)}</p>
<h2>${t(ctx, 'connections.step_details')}</h2>
<form method="post" action="${base(ctx)}?kind=${kind}" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'name', t(ctx, 'connections.name'), { required: true })}
${kindFields(ctx, kind, view)}
${select(view, 'firstSignIn', t(ctx, 'connections.first_sign_in'), firstSignIn)}
${checkbox(view, 'trustUpstreamMfa', t(ctx, 'connections.trust_mfa'))}
<button type="submit">${t(ctx, 'console.create')}</button>
</form>`,
      'tenants',
      status,
    );
  }

  async function show(ctx: ConsoleContext): Promise<void> {
    const [tenant, connection] = await Promise.all([
      readTenant(ctx),
      ctx.state.api.get<ConnectionView & SamlDetails>(apiPath`/tenants/${ctx.params.tenant!}/connections/${ctx.params.id!}`),
    ]);
    const kind = (KINDS as string[]).includes(connection.kind) ? (connection.kind as Kind) : 'oidc';
    render(
      ctx,
      connection.name,
      html`
${back(ctx, tenant)}
${notice(kit.done(ctx))}
<dl>
<dt>${t(ctx, 'connections.kind')}</dt><dd><code>${connection.kind}</code></dd>
<dt>${t(ctx, 'connections.enabled')}</dt><dd>${connection.enabled ? t(ctx, 'console.yes') : t(ctx, 'console.no')}</dd>
${connection.issuer ? html`<dt>${t(ctx, 'connections.issuer')}</dt><dd><code>${connection.issuer}</code></dd>` : ''}
</dl>
<h2>${t(ctx, 'connections.our_side')}</h2>
${ourSide(ctx, kind, connection)}`,
      'tenants',
    );
  }

  const kindOf = (ctx: ConsoleContext): Kind => ((KINDS as string[]).includes(String(ctx.query.kind)) ? (ctx.query.kind as Kind) : 'oidc');
  const blank = (kind: Kind): Record<string, string> => ({
    ...Object.fromEntries(Object.keys(FIELDS[kind]).map((n) => [n, ''])),
    firstSignIn: 'link',
    ...(kind === 'saml' ? { 'attributes.email': 'email', 'attributes.name': 'name' } : {}),
  });

  async function create(ctx: ConsoleContext): Promise<void> {
    const kind = kindOf(ctx);
    const body = { kind, ...formToJson(FIELDS[kind], ctx.state.form) };
    const result = await ctx.state.api.call<ConnectionView>('POST', apiPath`/tenants/${ctx.params.tenant!}/connections`, body);
    if (result.ok) return kit.redirect(ctx, `${base(ctx)}/${result.data.id}`, 'connection_created');
    const typed = Object.fromEntries(Object.entries(ctx.state.form).filter(([name]) => !SECRETS.includes(name)));
    const view = kit.refusedForm(ctx, { ...blank(kind), ...typed }, result);
    newPage(ctx, await readTenant(ctx), kind, view, result.status);
  }

  router.get('/tenants/:tenant/connections', session, list);
  router.get('/tenants/:tenant/connections/new', session, async (ctx: ConsoleContext) => {
    const kind = kindOf(ctx);
    newPage(ctx, await readTenant(ctx), kind, emptyForm(ctx.state.locale, ctx.state.csrf, blank(kind)));
  });
  router.post('/tenants/:tenant/connections', session, form, create);
  router.get('/tenants/:tenant/connections/:id', session, show);
}
