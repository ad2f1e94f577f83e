import type { Idp } from '../../src/app.js';
import type { RoleSetInput } from '../../src/roles/schema.js';
import { PASSWORD } from './fixtures.js';
import { FormClient, csrfToken, formAction } from './form-client.js';
import { codeFor } from './totp.js';

/** An account with a confirmed authenticator app and the roles given; returns its TOTP secret for codes. */
export async function consoleAdmin(idp: Idp, tenantSlug: string, email: string, roles: RoleSetInput['roles'], name = 'Admin') {
  const tenant =
    (await idp.services.tenants.findBySlug(tenantSlug)) ?? (await idp.services.tenants.create({ slug: tenantSlug, name: tenantSlug }));
  const created = await idp.services.accounts.create(tenant.id, { email, name, password: PASSWORD, staff: tenantSlug === 'operators' });
  const enrolment = await idp.services.mfa.beginEnrolment(created, 'test');
  const secret = /secret=([A-Z2-7]+)/.exec(decodeURIComponent(enrolment.otpauthUri))![1]!;
  const confirmed = await idp.services.mfa.confirmEnrolment(created.id, enrolment.sealedSecret, codeFor(secret));
  if (!confirmed.ok) throw new Error(`enrolment failed: ${confirmed.reason}`);
  await idp.services.roles.replace(confirmed.account, await idp.services.roles.prepare(confirmed.account, { roles }));
  return { tenant, account: confirmed.account, secret };
}

/**
 * Signs in to the console over HTTP as a browser would: the console sends it to the hosted
 * sign-in, e-mail, password and code, and back to the callback. Returns the client with its session.
 */
export async function consoleSignInOverHttp(base: string, email: string, secret: string, stepsAhead = 1) {
  const browser = new FormClient(base);
  const login = await browser.follow('/console/');
  const csrf = csrfToken(login.html);
  const step = await browser.follow(formAction(login.html, '/email'), { form: { csrf, email } });
  const code = await browser.follow(formAction(step.html, '/password'), { form: { csrf, password: PASSWORD } });
  const done = await browser.follow(formAction(code.html, '/second-factor'), { form: { csrf, code: codeFor(secret, stepsAhead) } });
  return { browser, html: done.html, response: done.response };
}
