import { types } from 'node:util';
import { errors } from 'oidc-provider';
import { skipStacksOfProtocolRefusals } from '../../src/oidc/protocol-error-stacks.js';
import { adminToken, clientCredentialsRequest } from '../support/admin-client.js';
import { startIdp, type TestIdp } from '../support/server.js';

// The server installs the cheap construction of protocol refusals when it builds its provider.
describe('protocol refusals are built without a stack walk; faults keep their stacks', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startIdp();
  });
  afterAll(() => idp.stop());

  test('a refusal is still an Error of its class with every protocol field, and its stack is "Name: message"', () => {
    const refusal = new errors.InvalidToken('access token not found');
    expect(refusal).toBeInstanceOf(Error);
    expect(refusal).toBeInstanceOf(errors.OIDCProviderError);
    expect(refusal).toBeInstanceOf(errors.InvalidToken);
    expect(Object.prototype.toString.call(refusal)).toBe('[object Error]');
    expect(refusal).toMatchObject({
      name: 'InvalidToken',
      message: 'invalid_token',
      error: 'invalid_token',
      error_description: 'invalid token provided',
      error_detail: 'access token not found',
      status: 401,
      statusCode: 401,
      expose: true,
    });
    expect(refusal.stack).toBe('InvalidToken: invalid_token');
    // Built without Error's constructor (which walks the stack), not only without the second capture.
    expect(types.isNativeError(refusal)).toBe(false);
    // As on a native Error: message and stack are not own enumerable fields that end up in a JSON body.
    expect(Object.keys(refusal)).not.toContain('message');
    expect(Object.keys(refusal)).not.toContain('stack');

    const cause = new Error('upstream said no');
    const metadata = new errors.InvalidClientMetadata('could not load sector_identifier_uri response', { cause });
    expect(metadata).toMatchObject({ cause, error_detail: 'upstream said no' });
    expect(new errors.InvalidClient('client authentication failed').stack).toBe('InvalidClient: invalid_client');
    expect(() => new errors.InvalidGrant(42 as never)).not.toThrow();
  });

  test('an oidc-provider error with a 5xx status, and every other error, keep their frames', () => {
    const unavailable = new errors.InvalidRequest('store down', 503);
    expect(unavailable.stack).toMatch(/^InvalidRequest: invalid_request\n {4}at /);
    expect(new TypeError('a bug').stack).toMatch(/^TypeError: a bug\n {4}at /);
    class OwnError extends Error {
      constructor() {
        super('ours');
        Error.captureStackTrace(this, OwnError);
      }
    }
    expect(new OwnError().stack).toMatch(/^Error: ours\n {4}at /);
    // The base class made directly has no subclass to capture for it.
    expect(new errors.OIDCProviderError(503, 'temporarily_unavailable').stack).toMatch(
      /^OIDCProviderError: temporarily_unavailable\n {4}at /,
    );
  });

  test('Error.captureStackTrace without a constructorOpt still starts at its caller, also after a second install', () => {
    skipStacksOfProtocolRefusals();
    const holder: { stack?: string } = {};
    (function callerOfCapture() {
      Error.captureStackTrace(holder);
    })();
    expect(holder.stack!.split('\n')[1]).toMatch(/^ {4}at callerOfCapture /);
  });

  test('over HTTP a refusal answers as before: 401 invalid_token on userinfo with a forged token', async () => {
    const response = await fetch(`${idp.url}/me`, { headers: { authorization: 'Bearer forged-token-value' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'invalid token provided' });
  });

  test('a fault under a protocol endpoint is still logged with its stack', async () => {
    const { clientId, secret } = await adminToken(idp);
    await idp.storage.close(); // the store goes away under a running server: a fault, not a refusal
    const response = await clientCredentialsRequest(idp.url, clientId, secret, 'admin');
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: 'server_error' });
    const line = idp
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as { msg?: string; err?: { stack?: string } })
      .find((entry) => entry.msg === 'oidc-provider server error');
    expect(line?.err?.stack).toMatch(/\n {4}at /);
  });
});
