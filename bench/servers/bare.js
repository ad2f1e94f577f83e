// The ceiling of the stack for `npm run bench`: bare oidc-provider on koa's own server with
// an in-memory adapter (memory-adapter.js), the same key types and sizes as ours, and a client that may use
// client credentials and introspection. Prints one JSON line on stdout.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';
import { mintTokens } from './tokens.js';
import { profileServing } from './profile.js';
import { MemoryAdapter } from './memory-adapter.js';
import { sqliteAdapter } from './sqlite-adapter.js';

const port = Number(process.env.PORT);
const issuer = `http://localhost:${port}`;
const jwk = async (alg, options) => ({
  ...(await exportJWK((await generateKeyPair(alg, { extractable: true, ...options })).privateKey)),
  alg,
  use: 'sig',
  kid: alg,
});
const keys = [await jwk('RS256', { modulusLength: 3072 }), await jwk('ES256')];
const client = {
  client_id: 'bench-admin',
  client_secret: 'bench-admin-secret-value-0123456789abcdef',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: 'admin',
};
// The relying app of the refresh-token and userinfo scenarios (ours: the bench's first-party app).
const app = {
  client_id: 'bench-app',
  client_secret: 'bench-app-secret-value-0123456789abcdef01',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: ['http://localhost:8123/callback'],
  scope: 'openid offline_access email',
};

const provider = new Provider(issuer, {
  adapter: process.env.BENCH_BARE_STORE === 'sqlite' ? sqliteAdapter(process.env.DATA_DIR) : MemoryAdapter,
  jwks: { keys },
  clients: [client, app],
  scopes: ['openid', 'offline_access', 'email', 'admin'],
  claims: { openid: ['sub'], email: ['email'] },
  // What our findAccount answers, without the store: the same claims for the minted account.
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: `${sub}@bench.example` }) }),
  rotateRefreshToken: true,
  routes: { jwks: '/jwks', introspection: '/token/introspection' },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: { ClientCredentials: 600 },
});
const tokens = await mintTokens(provider, app.client_id, 'bench-account');
const stopProfile = await profileServing('bare');
const server = provider.listen(port, () => {
  process.stdout.write(
    `${JSON.stringify({
      url: issuer,
      admin: { id: client.client_id, secret: client.client_secret },
      app: { id: app.client_id, secret: app.client_secret },
      ...tokens,
    })}\n`,
  );
});
process.on('SIGTERM', () => void stopProfile().then(() => server.close(() => process.exit(0))));
