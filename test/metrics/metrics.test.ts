import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, passwordStep, signIn } from '../support/form-client.js';
import { PASSWORD, authorizationUrl, seed } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import { waitForOutbox, outbox } from '../support/outbox.js';
import { Metrics } from '../../src/metrics/metrics.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const TOKEN = randomBytes(24).toString('base64url');

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}

describe('/metrics in the Prometheus text format counts what happened, behind a token or on its own port', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    idp = await startIdp({ METRICS_TOKEN: TOKEN, METRICS_PORT: '0', LOGIN_RATE_LIMIT: '10000' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  async function scrape(): Promise<{ text: string; families: Map<string, Family> }> {
    const response = await fetch(`${idp.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
    return { text, families };
  }
  const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) => {
    const found = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return Number(found?.value ?? 0);
  };

  async function attempt(email: string, password: string) {
    const browser = new FormClient(idp.url);
    const { csrf, action } = await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), email);
    return browser.request(action, { form: { csrf, password } });
  }

  test('without the token: 401 on the main port; the separate port serves it; a wrong token is refused too', async () => {
    expect((await fetch(`${idp.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${idp.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    const separate = await fetch(idp.metricsUrl!);
    expect(separate.status).toBe(200);
    expect(await separate.text()).toContain('idp_sign_ins_total');
    expect((await fetch(idp.metricsUrl!.replace('/metrics', '/admin/v1/tenants'))).status).toBe(404);
  });

  test('sign-ins by outcome, lockouts, unlocks, tokens by grant type, e-mails, latency and event-loop lag match what was done', async () => {
    const before = (await scrape()).families;
    const locked = await idp.services.accounts.create(fixture.tenant.id, { email: 'lock.me@acme.example', password: PASSWORD });
    const mailsBefore = outbox(idp.dataDir).length;

    // One success with a code exchange, two wrong passwords, one unknown e-mail, then a lockout (5 failures).
    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    await oidc.authorizationCodeGrant(
      config,
      new URL(await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD)),
      { pkceCodeVerifier: verifier },
    );
    expect((await attempt('ann@acme.example', 'wrong one')).status).toBe(401);
    expect((await attempt('ann@acme.example', 'wrong two')).status).toBe(401);
    expect((await attempt('nobody@acme.example', 'whatever')).status).toBe(401);
    for (let i = 0; i < 5; i += 1) await attempt('lock.me@acme.example', 'wrong');
    await waitForOutbox(idp.dataDir, mailsBefore + 1);
    // Client credentials (the admin token), then an unlock through the admin API.
    const call = api(idp.url, (await adminToken(idp)).token);
    expect((await call('POST', `/tenants/acme/accounts/${locked.id}/unlock`, { reason: 'called support' })).status).toBe(200);

    const { text, families } = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(families, name, labels) - value(before, name, labels);
    expect(delta('idp_sign_ins_total', { method: 'password', outcome: 'success' })).toBe(1);
    expect(delta('idp_sign_ins_total', { method: 'password', outcome: 'wrong_password' })).toBe(2 + 5);
    expect(delta('idp_sign_ins_total', { method: 'password', outcome: 'unknown_account' })).toBe(1);
    expect(delta('idp_lockouts_total')).toBe(1);
    expect(delta('idp_unlocks_total')).toBe(1);
    expect(delta('idp_tokens_issued_total', { grant_type: 'authorization_code' })).toBe(1);
    expect(delta('idp_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(1);
    expect(delta('idp_emails_total', { kind: 'account_locked', outcome: 'sent' })).toBe(1);
    expect(families.get('idp_http_request_duration_seconds')!.type).toBe('HISTOGRAM');
    // The parser keeps a histogram's buckets but not its labels: the _count samples are read from the text.
    const counts = text
      .split('\n')
      .filter((line) => line.startsWith('idp_http_request_duration_seconds_count{'))
      .map((line) => {
        const [, labels, count] = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line)!;
        return { labels: Object.fromEntries([...labels!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])), count: Number(count) };
      });
    const interaction = counts.find((c) => c.labels.route === 'interaction' && c.labels.method === 'POST' && c.labels.status === '4xx');
    expect(interaction?.count).toBeGreaterThanOrEqual(8);
    expect(counts.some((c) => c.labels.route === 'token' && c.labels.status === '2xx')).toBe(true);
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    const ages = families.get('idp_signing_key_age_seconds')!.metrics.filter((m) => m.labels?.state === 'current');
    expect(ages.map((m) => m.labels!.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const age of ages) expect(Number(age.value)).toBeGreaterThanOrEqual(0);
    // No label carries an e-mail, an address or an account id.
    expect(text).not.toMatch(/@acme\.example|127\.0\.0\.1|::1|::ffff/);
    expect(text).not.toContain(locked.id);
  });
});

describe('sign-in counts by connection kind', () => {
  test('federated sign-ins are counted under their kind; anything else a kind could say is "other"', async () => {
    const metrics = new Metrics();
    metrics.observe({ action: 'login.federated', outcome: 'success', reason: null, details: { kind: 'saml' } });
    metrics.observe({ action: 'login.federated', outcome: 'failure', reason: 'bad_signature', details: { kind: 'entra' } });
    metrics.observe({ action: 'login.federated', outcome: 'success', reason: null, details: { kind: 'evil"label' } });
    metrics.observe({ action: 'login.password', outcome: 'success', reason: null, details: { kind: 'saml' } });
    const text = await metrics.registry.getSingleMetricAsString('idp_sign_ins_total');
    expect(text).toContain('idp_sign_ins_total{method="federated",kind="saml",outcome="success"} 1');
    expect(text).toMatch(/idp_sign_ins_total\{method="federated",kind="entra",outcome="[a-z_]+"\} 1/);
    expect(text).toContain('idp_sign_ins_total{method="federated",kind="other",outcome="success"} 1');
    expect(text).toContain('idp_sign_ins_total{method="password",kind="none",outcome="success"} 1');
    expect(text).not.toContain('evil');
  });
});
