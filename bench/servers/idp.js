// The real service as its own process for `npm run bench`: production settings from the
// environment, fixtures seeded through the storage layer, then one JSON line on stdout.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import bcrypt from 'bcrypt';
import { createIdp } from '../../dist/app.js';
import { loadSettings } from '../../dist/config/settings.js';
import { newAccount } from '../../dist/accounts/types.js';
import { PasswordHasher } from '../../dist/accounts/password-hasher.js';
import { openCipher } from '../../dist/services.js';
import { newTotpSecret } from '../../dist/mfa/totp.js';
import { mintTokens } from './tokens.js';
import { profileServing } from './profile.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const PASSWORD = process.env.BENCH_PASSWORD ?? 'correct horse battery';
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const BATCH = 5_000;
/** Accounts with a second factor, each signed in at most once per 30-second step (codes work once). */
const TOTP_ACCOUNTS = Number(process.env.BENCH_TOTP_ACCOUNTS ?? 200);

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
const firstAccount = await idp.storage.accounts.findByEmail(tenant.id, 'user0@bench.example');
// Second-factor accounts as enrolment leaves them: the secret sealed with the data-at-rest key.
const cipher = openCipher(settings, idp.logger);
const totp = [];
for (let i = 0; i < TOTP_ACCOUNTS; i += 1) {
  const email = `totp${i}@bench.example`;
  const secret = newTotpSecret();
  const account = newAccount({ tenantId: tenant.id, email, passwordHash: hash, passwordChangedAt: now, state: 'active' }, now);
  account.totp = { sealedSecret: cipher.seal(secret, `totp:${account.id}`), lastUsedStep: null, enabledAt: now };
  await idp.storage.accounts.insert(account);
  totp.push({ email, secret });
}
const admin = await idp.services.clients.create({ name: 'Bench admin', admin: true });
const app = await idp.services.clients.create({ name: 'Bench app', redirectUris: [REDIRECT_URI], firstParty: true });
const tokens = await mintTokens(idp.provider, app.client.id, firstAccount.id);
const url = await idp.listen();
const stopProfile = await profileServing('idp');
globalThis.gc?.();
process.stdout.write(
  `${JSON.stringify({
    url,
    seedSeconds,
    accounts: ACCOUNTS,
    password: PASSWORD,
    admin: { id: admin.client.id, secret: admin.secret },
    app: { id: app.client.id, secret: app.secret, redirectUri: REDIRECT_URI },
    totp,
    ...tokens,
  })}\n`,
);

// How long the event loop was kept from running, since the last SIGUSR2 (the harness sends one before
// the sign-ins), reported on stdout at SIGTERM. Made at the first SIGUSR2: the idle RSS measured
// before must not include the harness's own histogram (bare has none).
let loopDelay = null;
process.on('SIGUSR2', () => {
  loopDelay ??= monitorEventLoopDelay({ resolution: 5 });
  loopDelay.disable();
  loopDelay.reset();
  loopDelay.enable();
});
const ms = (ns) => Math.round(ns / 1e4) / 100;

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  loopDelay?.disable();
  const eventLoopDelay = loopDelay && { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  process.stdout.write(`${JSON.stringify({ eventLoopDelay })}\n`);
  void stopProfile()
    .then(() => idp.close())
    .finally(() => process.exit(0));
});
