import type Router from '@koa/router';
import { html } from '../../html.js';
import { query } from '../admin-api.js';
import type { AuditEventView, Page } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import { CONSOLE_PATH } from '../settings.js';
import { emptyForm, errorSummary, select, textField } from '../views/form.js';

const FILTERS = ['tenant', 'action', 'actor', 'target', 'outcome', 'since', 'until'] as const;

/** The audit trail, newest first, filtered as the API filters it (tenant, action, actor, target, outcome, time). */
export function registerAuditPages(router: Router, kit: ConsoleKit): void {
  const { session, render, t } = kit;

  async function list(ctx: ConsoleContext): Promise<void> {
    const values: Record<string, string> = {};
    for (const name of FILTERS) values[name] = typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, 200) : '';
    // Who sees only some tenants reads one at a time: the first they may see, unless they chose.
    if (!values.tenant) {
      const me = await ctx.state.api.get<{ tenants: 'all' | string[] }>('/me');
      if (me.tenants !== 'all' && me.tenants.length > 0) values.tenant = me.tenants[0]!;
    }
    const before = typeof ctx.query.before === 'string' ? ctx.query.before : undefined;
    const result = await ctx.state.api.call<Page<AuditEventView>>('GET', `/audit-events${query({ ...values, limit: 50, before })}`);
    let view = emptyForm(ctx.state.locale, ctx.state.csrf, values);
    if (!result.ok) view = kit.refusedForm(ctx, values, result);
    const items = result.ok ? result.data.items : [];
    const next = result.ok ? result.data.next : null;
    const who = (actor: AuditEventView['actor']) => (actor.id ? `${actor.type}:${actor.id}` : actor.type);
    render(
      ctx,
      t(ctx, 'audit.title'),
      html`
${errorSummary(view)}
<form method="get" action="${CONSOLE_PATH}/audit" class="filters" role="search" novalidate>
${textField(view, 'tenant', t(ctx, 'audit.tenant'), { spellcheck: false })}
${textField(view, 'action', t(ctx, 'audit.action'), { spellcheck: false })}
${textField(view, 'actor', t(ctx, 'audit.actor'), { spellcheck: false })}
${textField(view, 'target', t(ctx, 'audit.target'), { spellcheck: false })}
${select(view, 'outcome', t(ctx, 'audit.outcome'), [
  ['', t(ctx, 'console.any')],
  ['success', t(ctx, 'audit.outcome_success')],
  ['failure', t(ctx, 'audit.outcome_failure')],
])}
${textField(view, 'since', t(ctx, 'audit.since'), { spellcheck: false })}
${textField(view, 'until', t(ctx, 'audit.until'), { spellcheck: false })}
<button type="submit">${t(ctx, 'console.filter')}</button>
</form>
${
  items.length
    ? html`<div class="table"><table id="audit-events">
<thead><tr><th scope="col">${t(ctx, 'audit.time')}</th><th scope="col">${t(ctx, 'audit.action')}</th><th scope="col">${t(ctx, 'audit.outcome')}</th><th scope="col">${t(ctx, 'audit.actor')}</th><th scope="col">${t(ctx, 'audit.target')}</th><th scope="col">${t(ctx, 'audit.ip')}</th></tr></thead>
<tbody>
${items.map(
  (e) =>
    html`<tr><td><time datetime="${e.time}">${e.time.replace('T', ' ').slice(0, 19)}</time></td><td><code>${e.action}</code></td><td>${t(ctx, `audit.outcome_${e.outcome}`)}${e.reason ? html` <code>${e.reason}</code>` : ''}</td><td><code>${who(e.actor)}</code></td><td>${e.target ? html`<code>${e.target.type}:${e.target.id}</code>` : ''}</td><td>${e.ip ?? ''}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p>${t(ctx, 'console.none')}</p>`
}
${next ? html`<p><a href="${CONSOLE_PATH}/audit${query({ ...values, before: next })}">${t(ctx, 'console.next_page')}</a></p>` : ''}`,
      'audit',
      result.ok ? 200 : result.status,
    );
  }

  router.get('/audit', session, list);
}
