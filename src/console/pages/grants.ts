import type Router from '@koa/router';
import { html } from '../../html.js';
import { OPERATORS_TENANT_SLUG } from '../settings.js';
import { apiPath, query, type FieldProblem } from '../admin-api.js';
import { accountLabel, type AccountView, type Page, type SupportGrantView, type TenantView } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import { actionForm, csrfInput, emptyForm, errorSummary, notice, select, textField, withProblems, type FormView } from '../views/form.js';
import { tenantPath } from './tenants.js';

/** The form asks for hours; the API wants the end time. */
const renamed = (problems: FieldProblem[] | undefined) => problems?.map((p) => (p.field === 'expiresAt' ? { ...p, field: 'hours' } : p));

/** Support grants: time-boxed access of one support person to this tenant (R12), granted, listed and ended early. */
export function registerGrantPages(router: Router, kit: ConsoleKit): void {
  const { session, form, render, t } = kit;
  const base = (ctx: ConsoleContext) => `${tenantPath(ctx.params.tenant!)}/support-grants`;
  const readTenant = (ctx: ConsoleContext) => ctx.state.api.get<TenantView>(apiPath`/tenants/${ctx.params.tenant!}`);

  async function page(ctx: ConsoleContext, view: FormView, status = 200): Promise<void> {
    const tenant = await readTenant(ctx);
    const { items } = await ctx.state.api.get<Page<SupportGrantView>>(apiPath`/tenants/${tenant.id}/support-grants`);
    // Support people are the operators' staff accounts; whoever may not read them types an account id.
    const staff = await ctx.state.api.call<Page<AccountView>>(
      'GET',
      apiPath`/tenants/${OPERATORS_TENANT_SLUG}/accounts` + query({ limit: 200 }),
    );
    const grantee =
      staff.ok && staff.data.items.length
        ? select(
            view,
            'staffAccountId',
            t(ctx, 'grants.grantee'),
            staff.data.items.map((a) => [a.id, a.name ? `${a.name} <${accountLabel(a)}>` : accountLabel(a)]),
          )
        : textField(view, 'staffAccountId', t(ctx, 'grants.grantee'), { spellcheck: false });
    const names = new Map(staff.ok ? staff.data.items.map((a) => [a.id, accountLabel(a)]) : []);
    // `user:<id>` of a staff member reads as their e-mail; an admin client stays `admin_client:<id>`.
    const grantor = (by: string) => {
      const email = by.startsWith('user:') ? names.get(by.slice(5)) : undefined;
      return email ?? html`<code>${by}</code>`;
    };
    render(
      ctx,
      `${t(ctx, 'grants.title')}: ${tenant.name}`,
      html`
<p><a href="${tenantPath(tenant.slug)}">${t(ctx, 'console.back_to_tenant', { tenant: tenant.name })}</a></p>
${notice(kit.done(ctx))}
<p>${t(ctx, 'grants.intro')}</p>
${
  items.length
    ? html`<div class="table"><table><thead><tr><th scope="col">${t(ctx, 'grants.grantee')}</th><th scope="col">${t(ctx, 'grants.reason')}</th><th scope="col">${t(ctx, 'grants.expires')}</th><th scope="col">${t(ctx, 'grants.granted_by')}</th><th scope="col"><span class="visually-hidden">${t(ctx, 'accounts.actions')}</span></th></tr></thead>
<tbody>${items.map((g) => {
        const live = g.live;
        return html`<tr><td>${names.get(g.staffAccountId) ?? g.staffAccountId}</td><td>${g.reason} <code>${g.caseReference}</code></td><td>${g.endedAt ?? g.expiresAt}</td><td>${grantor(g.createdBy)}</td><td>${live ? actionForm(ctx.state.csrf, `${base(ctx)}/${g.id}/end`, t(ctx, 'grants.revoke'), html``, true) : ''}</td></tr>`;
      })}</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}
<h2>${t(ctx, 'grants.new')}</h2>
${errorSummary(view)}
<form method="post" action="${base(ctx)}" novalidate>
${csrfInput(view.csrf)}
${grantee}
${textField(view, 'reason', t(ctx, 'grants.reason'), { required: true })}
${textField(view, 'caseReference', t(ctx, 'grants.case'), { required: true, spellcheck: false })}
${textField(view, 'hours', t(ctx, 'grants.hours'), { type: 'number', required: true })}
<button type="submit">${t(ctx, 'grants.new')}</button>
</form>`,
      'tenants',
      status,
    );
  }

  const blank = (ctx: ConsoleContext) =>
    emptyForm(ctx.state.locale, ctx.state.csrf, { staffAccountId: '', reason: '', caseReference: '', hours: '4' });

  async function grant(ctx: ConsoleContext): Promise<void> {
    const { staffAccountId = '', reason = '', caseReference = '', hours = '' } = ctx.state.form;
    const h = Number(hours.trim());
    const expiresAt = /^\d+$/.test(hours.trim()) && h > 0 ? new Date(Date.now() + h * 3600_000).toISOString() : hours;
    const result = await ctx.state.api.call('POST', apiPath`/tenants/${ctx.params.tenant!}/support-grants`, {
      staffAccountId,
      reason,
      caseReference,
      expiresAt,
    });
    if (result.ok) return kit.redirect(ctx, base(ctx), 'granted');
    kit.refusedForm(ctx, {}, result);
    const view = withProblems(
      emptyForm(ctx.state.locale, ctx.state.csrf, { staffAccountId, reason, caseReference, hours }),
      renamed(result.problem.problems),
      result.problem.detail,
    );
    await page(ctx, view, result.status);
  }

  async function end(ctx: ConsoleContext): Promise<void> {
    await ctx.state.api.need('DELETE', apiPath`/tenants/${ctx.params.tenant!}/support-grants/${ctx.params.id!}`);
    kit.redirect(ctx, base(ctx), 'revoked');
  }

  router.get('/tenants/:tenant/support-grants', session, (ctx: ConsoleContext) => page(ctx, blank(ctx)));
  router.post('/tenants/:tenant/support-grants', session, form, grant);
  router.post('/tenants/:tenant/support-grants/:id/end', session, form, end);
}
