import type Router from '@koa/router';
import { html } from '../../html.js';
import { apiPath } from '../admin-api.js';
import type { TenantView } from '../api-types.js';
import type { ConsoleContext, ConsoleKit } from '../kit.js';
import type { ConsoleMessageId } from '../../i18n/console-messages.js';
import {
  checkbox,
  csrfInput,
  emptyForm,
  errorSummary,
  formToJson,
  jsonToForm,
  notice,
  select,
  textField,
  type FormSpec,
  type FormView,
} from '../views/form.js';
import { tenantPath } from './tenants.js';

/** Every field of the policy document (PUT replaces it whole, so the form always sends all of them). */
const POLICY: FormSpec = {
  'password.minLength': 'number',
  'password.maxLength': 'number',
  'password.minDigits': 'number',
  'password.minSpecial': 'number',
  'password.minUpper': 'number',
  'password.minLower': 'number',
  'password.blocklist': 'boolean',
  'password.disallowEmailLocalPart': 'boolean',
  'password.history': 'number',
  'password.require2fa': 'boolean',
  'password.changeNonCompliantAtLogin': 'boolean',
  'lockout.maxFailedAttempts': 'number',
  'lockout.mode': 'text',
  'lockout.durationMinutes': 'nullableNumber',
  'lockout.resetUnlocks': 'boolean',
};

/** The policy editor: passwords, two-step verification, lockout; the API's rule messages beside each field. */
export function registerPolicyPages(router: Router, kit: ConsoleKit): void {
  const { session, form, render, t } = kit;
  const label = (ctx: ConsoleContext, name: string) => t(ctx, `policy.${name.split('.')[1]}` as ConsoleMessageId);

  function policyPage(ctx: ConsoleContext, tenant: TenantView, view: FormView, status = 200): void {
    const number = (name: string) => textField(view, name, label(ctx, name), { type: 'number' });
    const box = (name: string) => checkbox(view, name, label(ctx, name));
    render(
      ctx,
      `${t(ctx, 'policy.title')}: ${tenant.name}`,
      html`
<p><a href="${tenantPath(tenant.slug)}">${t(ctx, 'console.back_to_tenant', { tenant: tenant.name })}</a></p>
${notice(kit.done(ctx))}
${errorSummary(view, Object.fromEntries(Object.keys(POLICY).map((name) => [name, label(ctx, name)])))}
<form method="post" action="${tenantPath(tenant.slug)}/policy" novalidate>
${csrfInput(view.csrf)}
<fieldset><legend>${t(ctx, 'policy.password_heading')}</legend>
${number('password.minLength')}${number('password.maxLength')}${number('password.minDigits')}${number('password.minSpecial')}
${number('password.minUpper')}${number('password.minLower')}${number('password.history')}
${box('password.blocklist')}${box('password.disallowEmailLocalPart')}${box('password.changeNonCompliantAtLogin')}
</fieldset>
<fieldset><legend>${t(ctx, 'policy.mfa_heading')}</legend>
${box('password.require2fa')}
</fieldset>
<fieldset><legend>${t(ctx, 'policy.lockout_heading')}</legend>
${number('lockout.maxFailedAttempts')}
${select(view, 'lockout.mode', t(ctx, 'policy.mode'), [
  ['permanent', t(ctx, 'policy.mode_permanent')],
  ['temporary', t(ctx, 'policy.mode_temporary')],
])}
${number('lockout.durationMinutes')}
${box('lockout.resetUnlocks')}
</fieldset>
<p class="hint"><a href="${tenantPath(tenant.slug)}#f-links-registrationHours">${t(ctx, 'policy.links_note')}</a></p>
<button type="submit">${t(ctx, 'console.save')}</button>
</form>`,
      'tenants',
      status,
    );
  }

  const readTenant = (ctx: ConsoleContext) => ctx.state.api.get<TenantView>(apiPath`/tenants/${ctx.params.tenant!}`);

  async function show(ctx: ConsoleContext): Promise<void> {
    const tenant = await readTenant(ctx);
    policyPage(ctx, tenant, emptyForm(ctx.state.locale, ctx.state.csrf, jsonToForm(POLICY, tenant.policy)));
  }

  async function save(ctx: ConsoleContext): Promise<void> {
    const result = await ctx.state.api.call('PUT', apiPath`/tenants/${ctx.params.tenant!}/policy`, formToJson(POLICY, ctx.state.form));
    if (result.ok) return kit.redirect(ctx, `${tenantPath(ctx.params.tenant!)}/policy`, 'saved');
    const view = kit.refusedForm(ctx, { ...jsonToForm(POLICY, {}), ...ctx.state.form }, result);
    policyPage(ctx, await readTenant(ctx), view, result.status);
  }

  router.get('/tenants/:tenant/policy', session, show);
  router.post('/tenants/:tenant/policy', session, form, save);
}
