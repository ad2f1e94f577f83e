import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';

/** GET /tenants/{t}/accounts?q=&state=&mfa=: an index behind it, cursor paging, bad input refused. */
describe('account search in the admin API', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  const annas: string[] = [];

  beforeAll(async () => {
    idp = await startIdp();
    call = api(idp.url, (await adminToken(idp)).token);
    const acme = await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: [] });
    const other = await idp.services.tenants.create({ slug: 'other', name: 'Other AB', domains: [] });
    for (let i = 0; i < 12; i += 1) {
      const account = await idp.services.accounts.create(acme.id, { email: `anna.${i}@acme.example`, name: `Anna Nummer${i}` });
      annas.push(account.id);
    }
    await idp.services.accounts.create(acme.id, {
      email: 'bertil@acme.example',
      name: 'Bertil Annasson',
      password: 'correct horse battery',
    });
    await idp.services.accounts.create(other.id, { email: 'anna@other.example', name: 'Anna Other' });
    // One locked, one with a second factor.
    await idp.storage.accounts.update(annas[3]!, (a) => ({
      ...a,
      state: 'locked',
      lockedReason: 'too_many_attempts',
      lockedAt: new Date().toISOString(),
    }));
    await idp.storage.accounts.update(annas[5]!, (a) => ({
      ...a,
      totp: { sealedSecret: 'v1.x', lastUsedStep: 0, enabledAt: new Date().toISOString() },
    }));
  });
  afterAll(() => idp.stop());

  test('pages through every match with the next cursor, without repeats, within the tenant only', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const answer = await call('GET', `/tenants/acme/accounts?q=ANNA&limit=5${after ? `&after=${after}` : ''}`);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((a: { id: string }) => a.id));
      after = answer.body.next;
      pages += 1;
    } while (after);
    // Twelve by their e-mail and first name, Bertil by a word of his name.
    expect(seen).toHaveLength(13);
    expect(new Set(seen).size).toBe(13);
    expect(pages).toBe(3);
    expect(seen).toEqual(expect.arrayContaining(annas));
  });

  test('filters by state and 2FA, alone or with q', async () => {
    const locked = await call('GET', '/tenants/acme/accounts?state=locked');
    expect(locked.body.items.map((a: { id: string }) => a.id)).toEqual([annas[3]]);
    const mfa = await call('GET', '/tenants/acme/accounts?mfa=enabled&q=anna');
    expect(mfa.body.items.map((a: { id: string }) => a.id)).toEqual([annas[5]]);
    const active = await call('GET', '/tenants/acme/accounts?state=active');
    expect(active.body.items.map((a: { email: string }) => a.email)).toEqual(['bertil@acme.example']);
    const invitedWithout = await call('GET', '/tenants/acme/accounts?state=invited&mfa=disabled&q=anna.1');
    expect(invitedWithout.body.items.map((a: { email: string }) => a.email).sort()).toEqual(
      ['anna.1@acme.example', 'anna.10@acme.example', 'anna.11@acme.example'].sort(),
    );
    expect((await call('GET', '/tenants/acme/accounts?q=nummer1')).body.items).toHaveLength(3);
  });

  test('bad filters are refused with problem+json', async () => {
    const state = await call('GET', '/tenants/acme/accounts?state=sleeping');
    expect(state.status).toBe(400);
    expect(state.body.problems).toEqual([expect.objectContaining({ field: 'state' })]);
    expect((await call('GET', `/tenants/acme/accounts?q=${'a'.repeat(300)}`)).status).toBe(400);
    expect((await call('GET', '/tenants/acme/accounts?mfa=yes')).status).toBe(400);
    expect((await call('GET', '/tenants/acme/accounts?limit=0')).status).toBe(400);
  });
});
