import * as oidc from 'openid-client';
import type { TestIdp } from './server.js';
import type { SamlIdp, SamlResponseChange } from './saml-idp.js';
import { WebClient } from './web-client.js';
import { adminToken, api } from './admin-client.js';

export const APP = 'http://localhost:8123/callback';
export const LOGGED_OUT = 'http://localhost:8123/logged-out';

/** A tenant `globex` (domain globex.example) with an app, ready for SAML connections of the test IdP. */
export async function samlTestbed(idp: TestIdp) {
  const call = api(idp.url, (await adminToken(idp)).token);
  await call('POST', '/tenants', { slug: 'globex', name: 'Globex', domains: ['globex.example'] });
  const client = await call('POST', '/clients', {
    name: 'Portal',
    redirectUris: [APP],
    postLogoutRedirectUris: [LOGGED_OUT],
    firstParty: true,
  });
  const config = await oidc.discovery(new URL(idp.url), client.body.client.id, client.body.secret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  return { call, config, clientId: client.body.client.id as string };
}

/**
 * The app sends the browser to sign in at Globex; our page hands it to the IdP (a redirect, or a
 * form to post for the HTTP-POST binding), whose answer the browser posts to our ACS.
 */
export async function samlSignIn(idp: TestIdp, samlIdp: SamlIdp, config: oidc.Configuration, change: SamlResponseChange = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: APP,
    scope: 'openid email',
    tenant: 'globex',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const browser = new WebClient();
  const start = await browser.follow(url.toString());
  const csrf = /name="csrf" value="([^"]+)"/.exec(start.html)![1]!;
  const action = /action="([^"]*\/email)"/.exec(start.html)![1]!;
  samlIdp.next(change);
  let atIdp = await browser.follow(new URL(action, idp.url).toString(), { form: { csrf, email: 'someone@globex.example' } });
  const handOver = atIdp;
  const postForm = /<form method="post" action="([^"]+)" data-auto-submit>/.exec(atIdp.html);
  if (postForm) {
    const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(atIdp.html)![1]!;
    atIdp = await browser.follow(postForm[1]!.replaceAll('&amp;', '&'), { form: { SAMLRequest: samlRequest } });
  }
  const post = samlIdp.lastPost()!;
  const result = await browser.follow(post.action, { form: { SAMLResponse: post.SAMLResponse } }, (u) => u.startsWith(APP));
  return { browser, verifier, result, post, handOver, atIdp };
}

export async function tokensFrom(config: oidc.Configuration, flow: Awaited<ReturnType<typeof samlSignIn>>) {
  if (!flow.result.url.startsWith(`${APP}?code=`))
    throw new Error(`not back at the app with a code: ${flow.result.url} (${flow.result.response.status})`);
  return oidc.authorizationCodeGrant(config, new URL(flow.result.url), { pkceCodeVerifier: flow.verifier });
}
