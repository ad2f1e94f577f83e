import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction, passwordStep, signIn } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import { decodeMail, linkIn, startSmtpServer } from '../support/smtp.js';
import { outbox, waitForOutbox } from '../support/outbox.js';
import { LinkTokens } from '../../src/links/link-tokens.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const NEW_PASSWORD = 'brand-new Passw0rd!';

describe('registration and reset links over a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;
  let config: oidc.Configuration;
  let call: ReturnType<typeof api>;
  let n = 0;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    idp = await startIdp({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'IdP <no-reply@idp.example>',
      LOGIN_RATE_LIMIT: '10000',
      LINK_RATE_LIMIT_PER_ACCOUNT: '3',
    });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    call = api(idp.url, (await adminToken(idp)).token);
  });
  afterAll(async () => {
    await idp.stop();
    await smtp.close();
  });

  const email = () => `person${(n += 1)}@acme.example`;

  async function mailTo(address: string, nth = 1) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = smtp.mails.filter((m) => m.to.includes(address));
      if (found.length >= nth || Date.now() > deadline) return found[nth - 1];
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function openLink(browser: FormClient, link: string) {
    const page = await browser.follow(link);
    return { page, csrf: /name="csrf" value="([^"]+)"/.exec(page.html)?.[1], token: new URL(link).searchParams.get('token')! };
  }

  async function requestReset(address: string) {
    const browser = new FormClient(idp.url);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const step = await passwordStep(browser, url.toString(), address);
    const forgot = await browser.follow(formAction(step.html, '/password').replace('/password', '/forgot'));
    const answer = await browser.follow(formAction(forgot.html, '/forgot'), { form: { csrf: csrfToken(forgot.html), email: address } });
    return { browser, answer };
  }

  test('an invitation mails a link (over STARTTLS, from the tenant sender) that sets the password and signs the person in', async () => {
    expect(
      (await call('PATCH', '/tenants/acme', { mail: { from: 'Acme IT <it@acme.example>', replyTo: 'help@acme.example' } })).status,
    ).toBe(200);
    expect((await call('PATCH', '/tenants/acme', { mail: { from: 'Evil\r\nBcc: x@y.z <a@b.c>' } })).status).toBe(400);
    const address = email();
    const created = await call('POST', '/tenants/acme/accounts', { email: address, name: 'New Person', invite: true });
    expect(created.body).toMatchObject({ state: 'invited', hasPassword: false, invitationSent: true });
    const mail = (await mailTo(address))!;
    expect(mail.secure).toBe(true);
    expect(mail.raw).toMatch(/^From: Acme IT <it@acme.example>/m);
    expect(mail.raw).toMatch(/^Reply-To: help@acme.example/m);
    expect(mail.text).toContain('Choose your password for Acme AB');
    expect(mail.raw).toContain('Content-Type: text/html');
    const link = linkIn(mail);

    const browser = new FormClient(idp.url);
    const { page, csrf, token } = await openLink(browser, link);
    expect(page.html).toContain(`For ${address} at Acme AB.`);
    const weak = await browser.request('/password/set', { form: { csrf: csrf!, token, newPassword: 'abc' } });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('Use at least 6 characters.');
    const done = await browser.follow('/password/set', { form: { csrf: csrf!, token, newPassword: NEW_PASSWORD } });
    // Straight into "My profile", signed in by the link.
    expect(done.html).toContain('<h1>My profile</h1>');
    expect(done.html).toContain(address);
    expect((await call('GET', `/tenants/acme/accounts/${created.body.id}`)).body).toMatchObject({ state: 'active', hasPassword: true });

    const again = await new FormClient(idp.url).follow(link);
    expect(again.response.status).toBe(400);
    expect(again.html).toContain('This link has expired or was already used.');
    await call('PATCH', '/tenants/acme', { mail: { from: null, replyTo: null } });
  });

  test('forgot password: the same answer for a known and an unknown e-mail, and mail only for the known one', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email(), password: PASSWORD });
    const before = smtp.mails.length;
    const known = await requestReset(account.email);
    const unknown = await requestReset('nobody-here@acme.example');
    const normalize = (html: string, address: string) =>
      html
        .replaceAll(address, 'EMAIL')
        .replace(/value="[\w-]{43}"/g, '')
        .replace(/\/interaction\/[\w-]+/g, '');
    expect(known.answer.response.status).toBe(200);
    expect(unknown.answer.response.status).toBe(200);
    expect(normalize(unknown.answer.html, 'nobody-here@acme.example')).toBe(normalize(known.answer.html, account.email));
    await mailTo(account.email);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails.slice(before).map((m) => m.to[0])).toEqual([account.email]);
    const events = await idp.services.audit.list({ action: 'account.reset_requested', limit: 5 });
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'failure', reason: 'unknown_account', details: { email: 'nobody-here@acme.example' } }),
        expect.objectContaining({ outcome: 'success', target: { type: 'account', id: account.id } }),
      ]),
    );
  });

  test('a reset continues the sign-in it came from, ends every old session and token, and sends a notice', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email(), password: PASSWORD });
    const verifier = oidc.randomPKCECodeVerifier();
    const old = await oidc.authorizationCodeGrant(
      config,
      new URL(
        await signIn(
          new FormClient(idp.url),
          oidc
            .buildAuthorizationUrl(config, {
              redirect_uri: REDIRECT_URI,
              scope: 'openid offline_access',
              prompt: 'consent',
              code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
              code_challenge_method: 'S256',
            })
            .toString(),
          account.email,
          PASSWORD,
        ),
      ),
      { pkceCodeVerifier: verifier },
    );

    const { browser } = await requestReset(account.email);
    const link = linkIn((await mailTo(account.email))!);
    const { csrf, token } = await openLink(browser, link);
    const done = await browser.follow('/password/set', { form: { csrf: csrf!, token, newPassword: NEW_PASSWORD } });
    expect(done.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);

    await expect(oidc.refreshTokenGrant(config, old.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const notice = (await mailTo(account.email, 2))!;
    expect(notice.text).toContain('was just changed through a reset link');
    const oldPassword = await passwordStep(
      new FormClient(idp.url),
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        })
        .toString(),
      account.email,
    );
    expect(oldPassword.action).toBeTruthy();
    const again = new FormClient(idp.url);
    expect(
      await signIn(
        again,
        oidc
          .buildAuthorizationUrl(config, {
            redirect_uri: REDIRECT_URI,
            scope: 'openid',
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          })
          .toString(),
        account.email,
        NEW_PASSWORD,
      ),
    ).toMatch(/code=/);
  });

  test('a newer link voids the older one; tampered and malformed tokens are refused', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email(), password: PASSWORD });
    await requestReset(account.email);
    const first = linkIn((await mailTo(account.email))!);
    await requestReset(account.email);
    const second = linkIn((await mailTo(account.email, 2))!);
    expect((await new FormClient(idp.url).follow(first)).response.status).toBe(400);
    const token = new URL(second).searchParams.get('token')!;
    const tampered = second.replace(token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    expect((await new FormClient(idp.url).follow(tampered)).html).toContain('This link has expired or was already used.');
    expect((await new FormClient(idp.url).follow(`${idp.url}/password/set?token=short`)).response.status).toBe(400);
    expect((await new FormClient(idp.url).follow(second)).response.status).toBe(200);
    const reasons = (await idp.services.audit.list({ action: 'account.password_set', limit: 3 })).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['unknown']));
  });

  test('an expired link is refused and changes nothing', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email(), password: PASSWORD });
    const yesterday = new LinkTokens(idp.storage.tokens, () => new Date(Date.now() - 24 * 3600_000));
    const token = await yesterday.issue('reset', account, 60 * 60_000, null);
    const browser = new FormClient(idp.url);
    const page = await browser.follow(`${idp.url}/password/set?token=${token}`);
    expect(page.response.status).toBe(400);
    expect(page.html).toContain('This link has expired or was already used.');
    const [event] = await idp.services.audit.list({ action: 'account.password_set', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', reason: 'expired' });
    expect((await idp.services.accounts.findById(account.id))!.passwordHash).toBe(account.passwordHash);
  });

  test("a form posted without this browser's cookie (cross-site) is refused and the link stays unspent", async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email() });
    await call('POST', `/tenants/acme/accounts/${account.id}/invitation`);
    const link = linkIn((await mailTo(account.email))!);
    const { csrf, token } = await openLink(new FormClient(idp.url), link);
    const forged = await new FormClient(idp.url).request('/password/set', { form: { csrf: csrf!, token, newPassword: NEW_PASSWORD } });
    expect(forged.status).toBe(403);
    expect((await new FormClient(idp.url).follow(link)).response.status).toBe(200);
  });

  test('a reset lifts a lockout only where the tenant allows it (by default only an administrator unlocks)', async () => {
    const resetWhileLocked = async () => {
      const account = await idp.services.accounts.create(fixture.tenant.id, { email: email(), password: PASSWORD });
      await idp.storage.accounts.update(account.id, (a) => ({
        ...a,
        state: 'locked',
        lockedAt: new Date().toISOString(),
        lockedReason: 'too_many_failed_attempts',
        failedAttempts: 5,
      }));
      const { browser } = await requestReset(account.email);
      const { csrf, token } = await openLink(browser, linkIn((await mailTo(account.email))!));
      await browser.follow('/password/set', { form: { csrf: csrf!, token, newPassword: NEW_PASSWORD } });
      return (await idp.services.accounts.findById(account.id))!;
    };
    expect(await resetWhileLocked()).toMatchObject({ state: 'locked', failedAttempts: 5 });
    await call('PUT', '/tenants/acme/policy', { lockout: { resetUnlocks: true } });
    try {
      expect(await resetWhileLocked()).toMatchObject({ state: 'active', failedAttempts: 0 });
    } finally {
      await call('PUT', '/tenants/acme/policy', {});
    }
  });

  test('a registration link of an account that already has its password is refused; any password change voids pending links', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email() });
    await call('POST', `/tenants/acme/accounts/${account.id}/invitation`);
    const registration = linkIn((await mailTo(account.email))!);
    await call('PATCH', `/tenants/acme/accounts/${account.id}`, { password: 'set by the administrator' });
    const page = await new FormClient(idp.url).follow(registration);
    expect(page.response.status).toBe(400);
    expect(page.html).toContain('This link has expired or was already used.');
  });

  test('resends are limited per account', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: email() });
    for (let i = 0; i < 3; i += 1) expect((await call('POST', `/tenants/acme/accounts/${account.id}/invitation`)).status).toBe(200);
    const limited = await call('POST', `/tenants/acme/accounts/${account.id}/invitation`);
    expect(limited.status).toBe(429);
    expect(limited.type).toContain('application/problem+json');
    const active = await call('POST', `/tenants/acme/accounts/${fixture.account.id}/invitation`);
    expect(active.status).toBe(409);
  });
});

describe('delivery retries and failures', () => {
  test('a relay that refuses once gets a second attempt; one that always refuses is recorded, not lost silently', async () => {
    const flaky = await startSmtpServer({ failFirst: 1 });
    const idp = await startIdp({ SMTP_URL: flaky.url, MAIL_RETRY_DELAYS_MS: '50,100' });
    try {
      const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme' });
      const account = await idp.services.accounts.create(tenant.id, { email: 'retry@acme.example' });
      expect(await idp.services.links.sendInvitation(account, 'en')).toBe(true);
      expect(flaky.mails).toHaveLength(1);
      const [ok] = await idp.services.audit.list({ action: 'mail.registration', limit: 1 });
      expect(ok).toMatchObject({ outcome: 'success', details: { attempts: 2 } });
    } finally {
      await idp.stop();
      await flaky.close();
    }

    const dead = await startSmtpServer({ failAlways: true });
    const idp2 = await startIdp({ SMTP_URL: dead.url, MAIL_RETRY_DELAYS_MS: '10,10' });
    try {
      const call = api(idp2.url, (await adminToken(idp2)).token);
      await call('POST', '/tenants', { slug: 'acme', name: 'Acme' });
      const created = await call('POST', '/tenants/acme/accounts', { email: 'lost@acme.example', invite: true });
      expect(created.body.invitationSent).toBe(false);
      const [failed] = await idp2.services.audit.list({ action: 'mail.registration', limit: 1 });
      expect(failed).toMatchObject({ outcome: 'failure', reason: 'delivery_failed', details: { attempts: 3 } });
      expect(idp2.logs()).toContain('e-mail not delivered after every retry');
    } finally {
      await idp2.stop();
      await dead.close();
    }
  });
});

describe('the embedded outbox', () => {
  test("without SMTP_URL each e-mail is an .eml file under DATA_DIR/outbox, in the person's language", async () => {
    const idp = await startIdp();
    try {
      const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme', locale: 'sv' });
      const account = await idp.services.accounts.create(tenant.id, { email: 'ny@acme.example' });
      expect(outbox(idp.dataDir)).toHaveLength(0);
      expect(await idp.services.links.sendInvitation(account, 'en')).toBe(true);
      const [mail] = await waitForOutbox(idp.dataDir, 1);
      expect(mail).toContain('To: ny@acme.example');
      expect(linkIn(mail!)).toContain('/password/set?token=');
      expect(idp.logs()).toContain('e-mail written to the outbox');
      expect(decodeMail(mail!)).toContain('Ett konto har skapats åt dig');
    } finally {
      await idp.stop();
    }
  });
});
