import type { Idp } from '../../src/app.js';

export const PASSWORD = 'correct horse battery';

/** A tenant with one active account, and a confidential first-party client. */
export async function seed(
  idp: Idp,
  options: { redirectUri: string; slug?: string; email?: string; firstParty?: boolean; postLogoutRedirectUri?: string },
) {
  const tenant = await idp.services.tenants.create({ slug: options.slug ?? 'acme', name: 'Acme AB', domains: [] });
  const account = await idp.services.accounts.create(tenant.id, {
    email: options.email ?? 'ann@acme.example',
    name: 'Ann Andersson',
    password: PASSWORD,
  });
  const { client, secret } = await idp.services.clients.create({
    name: 'Acme Portal',
    redirectUris: [options.redirectUri],
    postLogoutRedirectUris: options.postLogoutRedirectUri ? [options.postLogoutRedirectUri] : [],
    firstParty: options.firstParty ?? true,
  });
  return { tenant, account, client, secret: secret! };
}

/** A plain authorization request (code + PKCE) as a relying app would send it. */
export function authorizationUrl(issuer: string, clientId: string, redirectUri: string, extra: Record<string, string> = {}): string {
  const url = new URL('/auth', issuer);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url.toString();
}
