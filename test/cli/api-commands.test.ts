import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import { runIdp } from '../support/cli.js';
import { startIdp, type TestIdp } from '../support/server.js';

const insecure = { execute: [oidc.allowInsecureRequests] };

describe('idp api and the OAuth settings of idp client', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-cli-api-'));
  const env = { DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), BCRYPT_COST: '4' };
  let server: TestIdp;

  async function idp(args: string[]) {
    return runIdp(args, env);
  }

  beforeAll(async () => {
    server = await startIdp({}, { dataDir: env.DATA_DIR, keysDir: env.KEYS_DIR });
    expect((await idp(['tenant', 'create', '--slug', 'acme', '--name', 'Acme'])).code).toBe(0);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('api create, then a service client with --service --api --scope gets a token for it from the running server', async () => {
    const created = await idp([
      'api',
      'create',
      '--identifier',
      'https://api.example.com',
      '--scope',
      'orders:read',
      '--scope',
      'orders:write',
      '--tenant',
      'acme',
      '--token-ttl',
      '900',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({
      identifier: 'https://api.example.com',
      scopes: ['orders:read', 'orders:write'],
      tokenFormat: 'jwt',
      tokenTtlSeconds: 900,
    });
    const service = await idp([
      'client',
      'create',
      '--service',
      '--name',
      'Export',
      '--tenant',
      'acme',
      '--api',
      'https://api.example.com',
      '--scope',
      'orders:read',
      '--json',
    ]);
    expect(service.code).toBe(0);
    const { client, secret } = service.json();
    expect(client).toMatchObject({ service: true, admin: false, apiGrants: [{ api: 'https://api.example.com', scopes: ['orders:read'] }] });
    const config = await oidc.discovery(new URL(server.url), client.id, secret, undefined, insecure);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read', resource: 'https://api.example.com' });
    expect(tokens.expires_in).toBe(900);
    const events = await server.services.audit.list({ action: 'admin.api.create', limit: 1 });
    expect(events[0]).toMatchObject({ actor: { type: 'cli' } });
  });

  test('refusals exit non-zero with the reason and change nothing', async () => {
    const reserved = await idp(['api', 'create', '--identifier', 'https://other.example.com', '--scope', 'admin', '--json']);
    expect(reserved.code).toBe(1);
    expect(JSON.parse(reserved.stderr)).toMatchObject({ error: 'validation_failed', problems: [{ field: 'scopes.0' }] });
    expect((await idp(['api', 'create', '--identifier', 'https://api.example.com', '--scope', 'x'])).stderr).toContain('already exists');
    expect((await idp(['api', 'create', '--identifier', 'https://x.example.com', '--scope', 'x', '--token-ttl', 'soon'])).code).toBe(2);
    const outside = await idp([
      'client',
      'create',
      '--service',
      '--name',
      'X',
      '--tenant',
      'acme',
      '--api',
      'https://api.example.com',
      '--scope',
      'orders:delete',
    ]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('orders:delete');
    expect((await idp(['client', 'create', '--service', '--name', 'X', '--scope', 'orders:read'])).code).toBe(2);
    const apis = await idp(['api', 'list', '--json']);
    expect(apis.json().map((a: { identifier: string }) => a.identifier)).toEqual(['https://api.example.com']);
  });

  test('a private_key_jwt client from a key file, with PAR, DPoP and pairwise subjects; client update turns them off', async () => {
    const keys = await generateKeyPair('ES256', { extractable: true });
    const file = path.join(root, 'client-jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' }] }));
    const created = await idp([
      'client',
      'create',
      '--name',
      'Portal',
      '--redirect-uri',
      'https://portal.example.com/cb',
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      file,
      '--require-par',
      '--dpop',
      '--pairwise',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({
      secret: null,
      client: {
        tokenEndpointAuthMethod: 'private_key_jwt',
        requirePushedAuthorizationRequests: true,
        dpopBoundAccessTokens: true,
        subjectType: 'pairwise',
        jwks: { keys: [{ kid: 'k1' }] },
      },
    });
    const id = created.json().client.id as string;
    const updated = await idp([
      'client',
      'update',
      '--id',
      id,
      '--require-par',
      'off',
      '--dpop',
      'off',
      '--subject-type',
      'public',
      '--json',
    ]);
    expect(updated.code).toBe(0);
    expect(updated.json()).toMatchObject({
      requirePushedAuthorizationRequests: false,
      dpopBoundAccessTokens: false,
      subjectType: 'public',
    });
    expect((await idp(['client', 'update', '--id', id, '--dpop', 'maybe'])).code).toBe(2);
    const wildcard = await idp(['client', 'create', '--name', 'W', '--redirect-uri', 'https://*.example.com/cb']);
    expect(wildcard.code).toBe(1);
  });

  test('api delete takes the API from the clients granted it', async () => {
    expect((await idp(['api', 'delete', '--id', 'https://api.example.com'])).code).toBe(0);
    const clients = (await idp(['client', 'list', '--json'])).json() as { name: string; apiGrants: unknown[] }[];
    expect(clients.find((c) => c.name === 'Export')!.apiGrants).toEqual([]);
  });
});
