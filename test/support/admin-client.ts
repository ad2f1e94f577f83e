import type { Idp } from '../../src/app.js';

/** POSTs a client-credentials grant to `${base}/token`, the client authenticating with HTTP Basic; `scope` only if given. */
export function clientCredentialsRequest(base: string, clientId: string, secret: string, scope?: string): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=client_credentials${scope === undefined ? '' : `&scope=${scope}`}`,
  });
}

/** Creates an admin client and fetches an `admin` access token with client credentials over HTTP. */
export async function adminToken(idp: Idp & { url: string }): Promise<{ token: string; clientId: string; secret: string }> {
  const { client, secret } = await idp.services.clients.create({ name: 'Operator', admin: true });
  const response = await clientCredentialsRequest(idp.url, client.id, secret!, 'admin');
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no admin token: ${JSON.stringify(body)}`);
  return { token: body.access_token, clientId: client.id, secret: secret! };
}

export function api(base: string, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  };
}
