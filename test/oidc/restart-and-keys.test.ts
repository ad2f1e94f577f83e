import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { rotateSigningKeys } from '../../src/oidc/keys.js';
import { RETIRED_KEY_GRACE_SECONDS } from '../../src/config/defaults.js';
import { startIdp, freePort, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens, signIn } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

async function kids(url: string): Promise<string[]> {
  const { keys } = (await (await fetch(`${url}/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
  for (const key of keys) expect(key.d).toBeUndefined();
  return keys.map((k) => k.kid);
}

describe('restart and key rotation', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-restart-'));
  const dirs = { dataDir: path.join(root, 'data'), keysDir: path.join(root, 'keys') };
  let port: number;
  let idp: TestIdp;

  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(async () => {
    await idp?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('keys are generated once, private, and the server comes back with its data, keys and tokens', async () => {
    idp = await startIdp({ PORT: String(port) }, dirs);
    const keyFile = path.join(dirs.keysDir, 'signing-keys.json');
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { jwk: { kty: string; n?: string } }[] };
    const rsa = stored.keys.find((k) => k.jwk.kty === 'RSA')!;
    expect(Buffer.from(rsa.jwk.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    const fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const tokens = await codeFlowTokens(
      config,
      new FormClient(idp.url),
      { email: 'ann@acme.example', password: PASSWORD },
      { redirectUri: REDIRECT_URI },
    );
    const before = await kids(idp.url);
    await idp.stop({ keepFiles: true });

    idp = await startIdp({ PORT: String(port) }, dirs);
    expect(await kids(idp.url)).toEqual(before);
    expect(idp.logs()).not.toContain('generated new signing keys');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe(fixture.account.id);
    expect((await idp.services.tenants.get('acme')).name).toBe('Acme AB');
  });

  test('rotation signs with new keys and keeps the old public keys published', async () => {
    const before = await kids(idp.url);
    const rotation = await rotateSigningKeys(dirs.keysDir, RETIRED_KEY_GRACE_SECONDS);
    expect(rotation.retired.sort()).toEqual([...before].sort());
    await idp.stop({ keepFiles: true });
    idp = await startIdp({ PORT: String(port) }, dirs);
    const after = await kids(idp.url);
    expect(after.slice(0, 2).sort()).toEqual([...rotation.added].sort());
    expect(after).toEqual(expect.arrayContaining(before));

    const { client, secret } = await idp.services.clients.create({
      name: 'After rotation',
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    const config = await oidc.discovery(new URL(idp.url), client.id, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD)),
      { pkceCodeVerifier: verifier },
    );
    expect(rotation.added).toContain(decodeProtectedHeader(tokens.id_token!).kid);
    await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), { issuer: idp.url, audience: client.id });
  });

  test('retired keys disappear once their grace period is over', async () => {
    const later = new Date(Date.now() + (RETIRED_KEY_GRACE_SECONDS + 60) * 1000);
    const rotation = await rotateSigningKeys(dirs.keysDir, RETIRED_KEY_GRACE_SECONDS, later);
    expect(rotation.removed).toHaveLength(2);
  });
});
