import type Router from '@koa/router';
import { html } from '../../html.js';
import { apiPath, query } from '../admin-api.js';
import type { ClientView, Page } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import { CONSOLE_PATH } from '../settings.js';
import {
  actionForm,
  checkbox,
  copyable,
  csrfInput,
  emptyForm,
  errorSummary,
  formToJson,
  jsonToForm,
  notice,
  textArea,
  textField,
  type FormSpec,
  type FormView,
} from '../views/form.js';

const CREATE: FormSpec = { name: 'text', redirectUris: 'list', postLogoutRedirectUris: 'list', public: 'boolean', firstParty: 'boolean' };
const UPDATE: FormSpec = { name: 'text', redirectUris: 'list', postLogoutRedirectUris: 'list', firstParty: 'boolean' };

/** Relying applications: the list, a new one (its secret shown once), redirect URIs, a new secret. */
export function registerClientPages(router: Router, kit: ConsoleKit): void {
  const { session, form, render, t } = kit;
  const base = `${CONSOLE_PATH}/clients`;

  async function list(ctx: ConsoleContext): Promise<void> {
    const after = typeof ctx.query.after === 'string' ? ctx.query.after : undefined;
    const { items, next } = await ctx.state.api.get<Page<ClientView>>(`/clients${query({ limit: 50, after })}`);
    render(
      ctx,
      t(ctx, 'clients.title'),
      html`
<p><a class="button" href="${base}/new">${t(ctx, 'clients.new')}</a></p>
${
  items.length
    ? html`<div class="table"><table><thead><tr><th scope="col">${t(ctx, 'clients.name')}</th><th scope="col">${t(ctx, 'clients.id')}</th><th scope="col">${t(ctx, 'clients.type')}</th></tr></thead>
<tbody>${items.map((c) => html`<tr><td><a href="${base}/${encodeURIComponent(c.id)}">${c.name}</a></td><td><code>${c.id}</code></td><td>${c.public ? t(ctx, 'clients.type_public') : t(ctx, 'clients.type_confidential')}</td></tr>`)}</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}
${next ? html`<p><a href="${base}?after=${next}">${t(ctx, 'console.next_page')}</a></p>` : ''}`,
      'clients',
    );
  }

  function createPage(ctx: ConsoleContext, view: FormView, status = 200): void {
    render(
      ctx,
      t(ctx, 'clients.new'),
      html`
${errorSummary(view)}
<form method="post" action="${base}" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'name', t(ctx, 'clients.name'), { required: true })}
${textArea(view, 'redirectUris', t(ctx, 'clients.redirect_uris'), t(ctx, 'console.one_per_line'))}
${textArea(view, 'postLogoutRedirectUris', t(ctx, 'clients.post_logout_uris'), t(ctx, 'console.one_per_line'))}
${checkbox(view, 'public', t(ctx, 'clients.public'))}
${checkbox(view, 'firstParty', t(ctx, 'clients.first_party'))}
<button type="submit">${t(ctx, 'console.create')}</button>
</form>`,
      'clients',
      status,
    );
  }

  function clientPage(ctx: ConsoleContext, client: ClientView, view: FormView, secret: string | null = null, status = 200): void {
    const path = `${base}/${encodeURIComponent(client.id)}`;
    render(
      ctx,
      client.name,
      html`
${notice(kit.done(ctx))}
${secret ? html`<div class="secret" role="status"><p>${t(ctx, 'clients.secret_once')}</p>${copyable(ctx.state.locale, 'client-secret', secret)}</div>` : ''}
<p>${t(ctx, 'clients.id')}:</p>
${copyable(ctx.state.locale, 'client-id', client.id)}
${errorSummary(view)}
<form method="post" action="${path}" novalidate>
${csrfInput(view.csrf)}
${textField(view, 'name', t(ctx, 'clients.name'), { required: true })}
${textArea(view, 'redirectUris', t(ctx, 'clients.redirect_uris'), t(ctx, 'console.one_per_line'))}
${textArea(view, 'postLogoutRedirectUris', t(ctx, 'clients.post_logout_uris'), t(ctx, 'console.one_per_line'))}
${checkbox(view, 'firstParty', t(ctx, 'clients.first_party'))}
<button type="submit">${t(ctx, 'console.save')}</button>
</form>
${
  client.public
    ? ''
    : html`<h2>${t(ctx, 'clients.rotate')}</h2><p>${t(ctx, 'clients.rotate_hint')}</p>${actionForm(view.csrf, `${path}/secret`, t(ctx, 'clients.rotate'), html``, true)}`
}`,
      'clients',
      status,
    );
  }

  const formOf = (ctx: ConsoleContext, client: ClientView) => emptyForm(ctx.state.locale, ctx.state.csrf, jsonToForm(UPDATE, client));

  async function create(ctx: ConsoleContext): Promise<void> {
    const result = await ctx.state.api.call<{ client: ClientView; secret: string | null }>(
      'POST',
      '/clients',
      formToJson(CREATE, ctx.state.form),
    );
    if (!result.ok) return createPage(ctx, kit.refusedForm(ctx, { ...jsonToForm(CREATE, {}), ...ctx.state.form }, result), result.status);
    // Shown in this answer only, never behind a URL that could be reloaded or logged.
    clientPage(ctx, result.data.client, formOf(ctx, result.data.client), result.data.secret, 201);
  }

  const readClient = (ctx: ConsoleContext) => ctx.state.api.get<ClientView>(apiPath`/clients/${ctx.params.id!}`);

  async function update(ctx: ConsoleContext): Promise<void> {
    const result = await ctx.state.api.call<ClientView>('PATCH', apiPath`/clients/${ctx.params.id!}`, formToJson(UPDATE, ctx.state.form));
    if (result.ok) return kit.redirect(ctx, `${base}/${encodeURIComponent(result.data.id)}`, 'saved');
    clientPage(
      ctx,
      await readClient(ctx),
      kit.refusedForm(ctx, { ...jsonToForm(UPDATE, {}), ...ctx.state.form }, result),
      null,
      result.status,
    );
  }

  async function rotate(ctx: ConsoleContext): Promise<void> {
    const { client, secret } = await ctx.state.api.need<{ client: ClientView; secret: string | null }>(
      'POST',
      apiPath`/clients/${ctx.params.id!}/secret`,
    );
    clientPage(ctx, client, formOf(ctx, client), secret);
  }

  router.get('/clients', session, list);
  router.get('/clients/new', session, (ctx: ConsoleContext) =>
    createPage(ctx, emptyForm(ctx.state.locale, ctx.state.csrf, jsonToForm(CREATE, {}))),
  );
  router.post('/clients', session, form, create);
  router.get('/clients/:id', session, async (ctx: ConsoleContext) => {
    const client = await readClient(ctx);
    clientPage(ctx, client, formOf(ctx, client));
  });
  router.post('/clients/:id', session, form, update);
  router.post('/clients/:id/secret', session, form, rotate);
}
