// The ceiling of the stack for `npm run bench`: bare oidc-provider on koa's own server with
// its in-memory adapter, the same key types and sizes as ours, and a client that may use
// client credentials and introspection. Prints one JSON line on stdout.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

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

const provider = new Provider(issuer, {
  jwks: { keys },
  clients: [client],
  scopes: ['openid', 'admin'],
  routes: { jwks: '/jwks', introspection: '/token/introspection' },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: { ClientCredentials: 600 },
});
const server = provider.listen(port, () => {
  process.stdout.write(`${JSON.stringify({ url: issuer, admin: { id: client.client_id, secret: client.client_secret } })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
