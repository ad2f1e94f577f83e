import path from 'node:path';
import { z } from 'zod';
import { hostKey } from '../web/issuer-host.js';
import {
  DEFAULT_BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS,
  DEFAULT_KEY_PUBLISH_DELAY_SECONDS,
  DEFAULT_KEYS_POLL_INTERVAL_MS,
} from './defaults.js';

/**
 * Every setting the service reads, with its default and why it exists.
 * The environment variable names are a contract (DESIGN.md section 4).
 */
export interface Settings {
  /** TCP port to listen on. */
  port: number;
  /** Public issuer URL; every token names it and every link is built from it. */
  issuer: string;
  /**
   * Further `host[:port]` names a request may be addressed to (any other is answered 421),
   * normalised as hostKey does; answers still carry only the issuer's URLs.
   */
  allowedHosts: string[];
  /** Where the embedded store, outbox and development keys live. */
  dataDir: string;
  /** Unset: SQLite in dataDir. mongodb:// or mongodb+srv://: MongoDB. */
  databaseUrl: string | undefined;
  /** Where signing keys and cookie secrets are generated on first start. */
  keysDir: string;
  /**
   * Key files others may read or change, or a keys directory others may write to: `refuse`
   * to start (default), or only `warn` (for secret volumes whose modes cannot be set).
   */
  keysModeCheck: 'refuse' | 'warn';
  /** Where signing keys and secrets live: the store (every node shares them) or KEYS_DIR files (one node). */
  keyStore: 'database' | 'files';
  /** A rotated-in key is published this long before it signs (keys in the store). */
  keyPublishDelaySeconds: number;
  /** How often each node looks for key changes. */
  keysPollIntervalMs: number;
  /** Bearer token that opens /metrics on the main port; unset: not served there. */
  metricsToken: string | undefined;
  /** A separate port serving only /metrics (no token); unset: none. */
  metricsPort: number | undefined;
  /** Unset: e-mails are written as .eml files under dataDir/outbox. */
  smtpUrl: string | undefined;
  /** Sender of every e-mail; defaults to no-reply at the issuer's host. */
  mailFrom: string;
  /** Waits between delivery attempts (milliseconds); one retry per entry. */
  mailRetryDelaysMs: number[];
  /** Waits between back-channel logout attempts (milliseconds); one retry per entry (defaults.ts explains). */
  backchannelLogoutRetryDelaysMs: number[];
  /** Password attempts one IP address may make per window before being slowed down (429). */
  loginRateLimit: number;
  loginRateWindowSeconds: number;
  /** Registration and reset links per account, and reset requests per IP address, per hour. */
  linkRateLimitPerAccount: number;
  linkRateLimitPerAddress: number;
  /** Sign-ins (authorization requests) one client address may start per window before 429: each stores an interaction. */
  interactionRateLimit: number;
  interactionRateWindowSeconds: number;
  /** Largest authorization request (query string or form body) in bytes; its parameters are stored with the interaction. */
  maxAuthorizationRequestBytes: number;
  /** Serve HTTPS directly (TLS 1.2 minimum) when both are set. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** Keys for data at rest, `id:base64key` separated by commas, newest first. */
  encryptionKeys: string | undefined;
  logLevel: string;
  /** bcrypt cost factor for password hashes. */
  bcryptCost: number;
  /** Nice value given to libuv's thread pool (bcrypt, and the signing of tokens), so the event loop is scheduled first (Linux; 0 leaves it alone). 3 by default: 10 protected the event loop little more and slowed token signing (README, "Performance"). */
  hashingThreadNice: number;
  /** Largest accepted form or JSON body, in bytes. */
  maxBodyBytes: number;
  /** Trust X-Forwarded-* headers from a reverse proxy. */
  trustProxy: boolean;
  /** How many proxies stand in front: the client address is read that many entries from the right of X-Forwarded-For. */
  proxyHops: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are closed. */
  shutdownTimeoutSeconds: number;
  /**
   * On shutdown, how long /readyz answers 503 (draining) while requests are still served, before
   * the listener closes: a balancer routing on /readyz stops sending first, so no request is
   * caught in the listen queue when it closes.
   */
  shutdownDelaySeconds: number;
  /** Where each periodic audit anchor (the head of every chain) is also written; unset: the log only. */
  auditAnchorFile: string | undefined;
  /** How often an audit anchor is taken. */
  auditAnchorIntervalSeconds: number;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ISSUER: z.url().optional(),
  ALLOWED_HOSTS: z.string().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'DATABASE_URL must start with mongodb:// or mongodb+srv://')
    .optional(),
  KEYS_DIR: z.string().min(1).default('./keys'),
  KEYS_MODE_CHECK: z.enum(['refuse', 'warn']).default('refuse'),
  KEY_STORE: z.enum(['database', 'files']).optional(),
  KEY_PUBLISH_DELAY_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(DEFAULT_KEY_PUBLISH_DELAY_SECONDS),
  METRICS_TOKEN: z.string().min(32, 'METRICS_TOKEN must be at least 32 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  KEYS_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_KEYS_POLL_INTERVAL_MS),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).optional(),
  MAIL_RETRY_DELAYS_MS: z
    .string()
    .regex(/^(\d{1,6}(,\d{1,6}){0,9})?$/, 'comma-separated milliseconds, e.g. 1000,5000')
    .default('1000,5000'),
  BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS: z
    .string()
    .regex(/^(\d{1,7}(,\d{1,7}){0,9})?$/, 'comma-separated milliseconds, e.g. 10000,60000,300000')
    .default(DEFAULT_BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS.join(',')),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(100000).default(20),
  LOGIN_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  LINK_RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
  LINK_RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).max(100000).default(20),
  INTERACTION_RATE_LIMIT: z.coerce.number().int().min(1).max(1000000).default(300),
  INTERACTION_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  MAX_AUTHORIZATION_REQUEST_BYTES: z.coerce.number().int().min(1024).max(65536).default(8192),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  ENCRYPTION_KEYS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  HASHING_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(3),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(1048576).default(16384),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  PROXY_HOPS: z.coerce.number().int().min(1).max(10).default(1),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
  SHUTDOWN_DELAY_SECONDS: z.coerce.number().int().min(0).max(120).default(0),
  AUDIT_ANCHOR_FILE: z.string().optional(),
  AUDIT_ANCHOR_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(3600),
});

export class SettingsError extends Error {}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new SettingsError(`invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    throw new SettingsError('invalid environment: TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  const scheme = e.TLS_CERT_FILE ? 'https' : 'http';
  const issuer = (e.ISSUER ?? `${scheme}://localhost:${e.PORT}`).replace(/\/$/, '');
  const allowedHosts = parseAllowedHosts(issuer, e.ALLOWED_HOSTS);
  return {
    port: e.PORT,
    issuer,
    allowedHosts,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    keysDir: path.resolve(e.KEYS_DIR),
    keysModeCheck: e.KEYS_MODE_CHECK,
    keyStore: e.KEY_STORE ?? (e.DATABASE_URL ? 'database' : 'files'),
    keyPublishDelaySeconds: e.KEY_PUBLISH_DELAY_SECONDS,
    keysPollIntervalMs: e.KEYS_POLL_INTERVAL_MS,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `no-reply@${new URL(issuer).hostname}`,
    mailRetryDelaysMs: e.MAIL_RETRY_DELAYS_MS ? e.MAIL_RETRY_DELAYS_MS.split(',').map(Number) : [],
    backchannelLogoutRetryDelaysMs: e.BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS ? e.BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS.split(',').map(Number) : [],
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    loginRateWindowSeconds: e.LOGIN_RATE_WINDOW_SECONDS,
    linkRateLimitPerAccount: e.LINK_RATE_LIMIT_PER_ACCOUNT,
    linkRateLimitPerAddress: e.LINK_RATE_LIMIT_PER_ADDRESS,
    interactionRateLimit: e.INTERACTION_RATE_LIMIT,
    interactionRateWindowSeconds: e.INTERACTION_RATE_WINDOW_SECONDS,
    maxAuthorizationRequestBytes: e.MAX_AUTHORIZATION_REQUEST_BYTES,
    tlsCertFile: e.TLS_CERT_FILE,
    tlsKeyFile: e.TLS_KEY_FILE,
    encryptionKeys: e.ENCRYPTION_KEYS,
    logLevel: e.LOG_LEVEL,
    bcryptCost: e.BCRYPT_COST,
    hashingThreadNice: e.HASHING_THREAD_NICE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    trustProxy: e.TRUST_PROXY === 'true',
    proxyHops: e.PROXY_HOPS,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    shutdownDelaySeconds: e.SHUTDOWN_DELAY_SECONDS,
    auditAnchorFile: e.AUDIT_ANCHOR_FILE ? path.resolve(e.AUDIT_ANCHOR_FILE) : undefined,
    auditAnchorIntervalSeconds: e.AUDIT_ANCHOR_INTERVAL_SECONDS,
  };
}

function parseAllowedHosts(issuer: string, value: string | undefined): string[] {
  const { host, protocol } = new URL(issuer);
  if (hostKey(host, protocol) === null) throw new SettingsError(`invalid environment: ISSUER: "${host}" is not a host name or IP address`);
  if (value === undefined) return [];
  return value.split(',').map((entry) => {
    const key = hostKey(entry.trim(), protocol);
    if (key === null)
      throw new SettingsError(
        `invalid environment: ALLOWED_HOSTS: "${entry.trim()}" is not host[:port] (comma-separated names, no scheme or path)`,
      );
    return key;
  });
}
