import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, passwordStep } from '../support/form-client.js';
import { adminToken, api } from '../support/admin-client.js';
import { authorizationUrl } from '../support/fixtures.js';
import { outbox, waitForOutbox } from '../support/outbox.js';
import { decodeMail, linkIn } from '../support/smtp.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

/** Administrators' changes to an account that an outside review showed could be turned against it. */
describe('account changes by an administrator', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let clientId: string;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
    expect((await call('POST', '/tenants', { slug: 'acme', name: 'Acme AB' })).status).toBe(201);
    clientId = (await idp.services.clients.create({ name: 'Portal', redirectUris: [REDIRECT_URI], firstParty: true })).client.id;
  });
  afterAll(() => idp.stop());

  const mailsTo = (address: string) =>
    outbox(idp.dataDir)
      .map(decodeMail)
      .filter((mail) => mail.includes(`To: ${address}`));

  test('correcting a mistyped e-mail voids the link already sent to the old address, and tells that address', async () => {
    const before = outbox(idp.dataDir).length;
    const invited = await call('POST', '/tenants/acme/accounts', { email: 'newhire@acme.exmaple', invite: true });
    expect(invited.body).toMatchObject({ state: 'invited', invitationSent: true });
    const [invitation] = (await waitForOutbox(idp.dataDir, before + 1)).slice(before);
    const staleLink = linkIn(invitation!);

    const patched = await call('PATCH', `/tenants/acme/accounts/${invited.body.id}`, { email: 'newhire@acme.example' });
    expect(patched.status).toBe(200);

    // Whoever holds the old mailbox cannot choose the password of the corrected account.
    const page = await new FormClient(idp.url).follow(new URL(staleLink).pathname + new URL(staleLink).search);
    expect(page.response.status).toBe(400);
    expect(page.html).not.toContain('name="newPassword"');
    expect((await idp.services.accounts.findById(invited.body.id))!).toMatchObject({ state: 'invited', passwordHash: null });

    await waitForOutbox(idp.dataDir, before + 2);
    const notice = mailsTo('newhire@acme.exmaple').find((mail) => mail.includes('no longer signs in'));
    expect(notice).toBeDefined();
    // It does not say where the account went.
    expect(notice).not.toContain('newhire@acme.example');

    // A fresh invitation reaches the right address and works.
    expect((await call('POST', `/tenants/acme/accounts/${invited.body.id}/invitation`)).body).toEqual({ invitationSent: true });
    const [fresh] = (await waitForOutbox(idp.dataDir, before + 3)).slice(before + 2);
    expect(decodeMail(fresh!)).toContain('To: newhire@acme.example');
  });

  test('PATCH state: active does not half-unlock a locked account; only unlock (with a reason) lifts the lock', async () => {
    const created = await call('POST', '/tenants/acme/accounts', { email: 'locked@acme.example', password: 'a fine passphrase' });
    for (let i = 0; i < 5; i += 1) await idp.services.accounts.signIn('locked@acme.example', 'wrong guess', created.body.tenantId);
    expect((await idp.services.accounts.findById(created.body.id))!).toMatchObject({ state: 'locked', failedAttempts: 5 });

    const patched = await call('PATCH', `/tenants/acme/accounts/${created.body.id}`, { state: 'active' });
    expect(patched.status).toBe(409);
    expect(patched.type).toContain('application/problem+json');
    expect(patched.body.problems).toEqual([expect.objectContaining({ field: 'state', code: 'locked_use_unlock' })]);
    expect((await idp.services.accounts.findById(created.body.id))!).toMatchObject({ state: 'locked', failedAttempts: 5 });

    // Disabling and re-enabling is no way around it either.
    expect((await call('PATCH', `/tenants/acme/accounts/${created.body.id}`, { state: 'disabled' })).status).toBe(200);
    expect((await call('PATCH', `/tenants/acme/accounts/${created.body.id}`, { state: 'active' })).status).toBe(409);

    const unlocked = await call('POST', `/tenants/acme/accounts/${created.body.id}/unlock`, { reason: 'ticket 42' });
    expect(unlocked.body).toMatchObject({ state: 'disabled', failedAttempts: 0 });
    expect((await call('PATCH', `/tenants/acme/accounts/${created.body.id}`, { state: 'active' })).body).toMatchObject({
      state: 'active',
      failedAttempts: 0,
    });
  });

  test('promotion to staff: a password below the staff floor must be changed at the next sign-in, and the promotion is audited', async () => {
    const weak = 'qz7#kx';
    const created = await call('POST', '/tenants/acme/accounts', { email: 'promoted@acme.example', password: weak });
    expect(created.status).toBe(201);
    // Creating a staff account with it is refused…
    expect((await call('POST', '/tenants/acme/accounts', { email: 'staff@acme.example', password: weak, staff: true })).status).toBe(400);

    expect((await call('PATCH', `/tenants/acme/accounts/${created.body.id}`, { staff: true })).body).toMatchObject({ staff: true });
    const [granted] = await idp.services.audit.list({ action: 'admin.account.staff_granted', limit: 1 });
    expect(granted).toMatchObject({ target: { type: 'account', id: created.body.id }, actor: { type: 'admin_client' } });

    // …and after the promotion the old password opens only the page that replaces it.
    const browser = new FormClient(idp.url);
    const step = await passwordStep(browser, authorizationUrl(idp.url, clientId, REDIRECT_URI), 'promoted@acme.example');
    const answer = await browser.follow(step.action, { form: { csrf: step.csrf, password: weak } });
    expect(answer.location).toBeNull();
    expect(answer.html).toContain('name="newPassword"');
    const action = /<form method="post" action="([^"]*\/new-password)"/.exec(answer.html)![1]!;
    const again = await browser.request(action, { form: { csrf: step.csrf, newPassword: 'qz7#kx-sh' } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Use at least 12 characters.');
    const done = await browser.follow(action, { form: { csrf: step.csrf, newPassword: 'a staff-grade passphrase' } });
    expect(done.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
  });
});
