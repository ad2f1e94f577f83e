// The real service as its own process for `npm run bench`: production settings from the
// environment, fixtures seeded through the storage layer, then one JSON line on stdout.
import bcrypt from 'bcrypt';
import { createIdp } from '../../dist/app.js';
import { loadSettings } from '../../dist/config/settings.js';
import { newAccount } from '../../dist/accounts/types.js';
import { PasswordHasher } from '../../dist/accounts/password-hasher.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const PASSWORD = process.env.BENCH_PASSWORD ?? 'correct horse battery';
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const BATCH = 5_000;

const settings = loadSettings(process.env);
const idp = await createIdp(settings);

const tenant = await idp.services.tenants.create({ slug: 'bench', name: 'Bench', domains: [] });
const hash = await new PasswordHasher(settings.bcryptCost).hash(PASSWORD);
if (bcrypt.getRounds(hash) !== settings.bcryptCost) throw new Error('unexpected bcrypt cost');
const seeding = performance.now();
const now = new Date().toISOString();
for (let start = 0; start < ACCOUNTS; start += BATCH) {
  const batch = [];
  for (let i = start; i < Math.min(ACCOUNTS, start + BATCH); i += 1) {
    const email = `user${i}@bench.example`;
    batch.push(newAccount({ tenantId: tenant.id, email, passwordHash: hash, passwordChangedAt: now, state: 'active' }, now));
  }
  await Promise.all(batch.map((account) => idp.storage.accounts.insert(account)));
}
const seedSeconds = (performance.now() - seeding) / 1000;
const admin = await idp.services.clients.create({ name: 'Bench admin', admin: true });
const app = await idp.services.clients.create({ name: 'Bench app', redirectUris: [REDIRECT_URI], firstParty: true });
const url = await idp.listen();
globalThis.gc?.();
process.stdout.write(
  `${JSON.stringify({
    url,
    seedSeconds,
    accounts: ACCOUNTS,
    password: PASSWORD,
    admin: { id: admin.client.id, secret: admin.secret },
    app: { id: app.client.id, secret: app.secret, redirectUri: REDIRECT_URI },
  })}\n`,
);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void idp.close().finally(() => process.exit(0));
});
