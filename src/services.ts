import { SettingsError, type Settings } from './config/settings.js';
import type { Logger } from './log/logger.js';
import type { Storage } from './storage/port.js';
import { AccountService } from './accounts/service.js';
import { PasswordHasher } from './accounts/password-hasher.js';
import { LockNotifier } from './accounts/lock-notifier.js';
import { SecurityNotices } from './accounts/security-notices.js';
import { AuditService, PURGE_ACTION } from './audit/service.js';
import { TenantPurge } from './tenants/purge.js';
import { ClientService } from './clients/service.js';
import { TenantService } from './tenants/service.js';
import { openMailer } from './mail/open.js';
import type { Mailer } from './mail/types.js';
import { MailService } from './mail/service.js';
import { Throttle } from './throttle/throttle.js';
import { FieldCipher } from './crypto/field-cipher.js';
import { SigningKeyService } from './keys/service.js';
import { loadOrCreateDevelopmentKey, parseEncryptionKeys } from './crypto/keyring.js';
import { assertSamplesOpen, type SealedSample } from './crypto/key-check.js';
import { MfaService } from './mfa/service.js';
import { AccountLinks, accountThrottleKeys } from './links/account-links.js';
import { LinkTokens } from './links/link-tokens.js';
import { ConnectionService } from './federation/service.js';
import { Connectors } from './federation/connectors/index.js';
import { OidcConnector } from './federation/connectors/oidc/connector.js';
import { SamlConnector } from './federation/connectors/saml/connector.js';
import { SamlSingleLogout } from './federation/connectors/saml/single-logout.js';
import { GrandidConnector } from './federation/connectors/grandid/connector.js';
import { assertionReplayCache } from './oidc/replay-cache.js';
import { HomeRealm } from './federation/home-realm.js';
import { FederatedSignIn } from './federation/federated-sign-in.js';
import { SignInEligibility } from './accounts/sign-in-eligibility.js';
import { RoleService } from './roles/service.js';
import { OPERATORS_TENANT_SLUG } from './config/defaults.js';
import { PersonalNumbers } from './accounts/personal-numbers.js';

/** The domain services, wired to one store. Shared by the server and the CLI. */
export interface Services {
  tenants: TenantService;
  accounts: AccountService;
  /** Personnummer on accounts: hashed for lookup, sealed for display. */
  personalNumbers: PersonalNumbers;
  passwordHasher: PasswordHasher;
  /** Who may sign in, where, and with how many factors. */
  eligibility: SignInEligibility;
  clients: ClientService;
  audit: AuditService;
  mailer: Mailer;
  mail: MailService;
  lockNotifier: LockNotifier;
  notices: SecurityNotices;
  mfa: MfaService;
  /** Password attempts per client IP address. */
  loginThrottle: Throttle;
  links: AccountLinks;
  connections: ConnectionService;
  upstream: Connectors;
  /** SAML single logout: our LogoutRequest and LogoutResponse, and reading the IdP's. */
  samlLogout: SamlSingleLogout;
  /** Ends every session (and grant) of an account here: the IdP's LogoutRequest. */
  endSessionsOf(accountId: string): Promise<void>;
  homeRealm: HomeRealm;
  federatedSignIn: FederatedSignIn;
  /** "Forgot password" requests per client IP address. */
  resetThrottle: Throttle;
  /** Removes the data of tenants whose deletion is due. */
  tenantPurge: TenantPurge;
  /** Signing key rotation and listing (KEY_STORE). */
  signingKeys: SigningKeyService;
  /** Administrator roles and time-boxed support grants (R12). */
  roles: RoleService;
}

type ServiceSettings = Pick<
  Settings,
  | 'issuer'
  | 'bcryptCost'
  | 'smtpUrl'
  | 'dataDir'
  | 'mailFrom'
  | 'loginRateLimit'
  | 'loginRateWindowSeconds'
  | 'encryptionKeys'
  | 'linkRateLimitPerAccount'
  | 'linkRateLimitPerAddress'
  | 'mailRetryDelaysMs'
  | 'databaseUrl'
  | 'keyStore'
  | 'keysDir'
  | 'keyPublishDelaySeconds'
>;

/**
 * ENCRYPTION_KEYS when set; otherwise, on the embedded store only, a development key kept in
 * the data directory. Nodes sharing MongoDB must share keys, so there it is required.
 */
export function openCipher(settings: Pick<Settings, 'encryptionKeys' | 'databaseUrl' | 'dataDir'>, logger: Logger): FieldCipher {
  if (settings.encryptionKeys) return new FieldCipher(parseEncryptionKeys(settings.encryptionKeys));
  if (settings.databaseUrl)
    throw new SettingsError('ENCRYPTION_KEYS is required with DATABASE_URL: every node must seal and open with the same keys');
  const { keys, generated } = loadOrCreateDevelopmentKey(settings.dataDir);
  if (generated) {
    logger.warn(
      { dataDir: settings.dataDir },
      'ENCRYPTION_KEYS is not set: generated a development key in the data directory. Set ENCRYPTION_KEYS in production.',
    );
  }
  return new FieldCipher(keys);
}

export interface ServiceOptions {
  mailer?: Mailer;
  /** How upstream identity providers are reached (tests point well-known hosts at local servers). */
  upstreamFetch?: typeof fetch;
  /** The time the tenant lifecycle (grace periods, purges) and support grants (expiry) see; tests move it forward. */
  clock?: () => Date;
}

export function createServices(storage: Storage, settings: ServiceSettings, logger: Logger, options: ServiceOptions = {}): Services {
  const revokeSessions = (accountId: string, keepSessionId?: string) => storage.oidc.revokeByAccountId(accountId, keepSessionId);
  const passwordHasher = new PasswordHasher(settings.bcryptCost);
  const tenants = new TenantService(storage.tenants, storage.accounts, (accountId) => revokeSessions(accountId), options.clock);
  const audit = new AuditService(storage.audit, logger);
  const mailer = options.mailer ?? openMailer(settings, logger);
  const mail = new MailService(mailer, audit, logger, settings.mailRetryDelaysMs);
  const cipher = openCipher(settings, logger);
  const personalNumbers = new PersonalNumbers(storage.keys, cipher);
  const accounts = new AccountService({
    accounts: storage.accounts,
    hasher: passwordHasher,
    personalNumbers,
    policyOf: (tenantId) => tenants.policyOf(tenantId),
    revokeSessions,
    voidPendingLinks: async (accountId) => {
      await storage.tokens.voidOthers(accountId, 'registration', '');
      await storage.tokens.voidOthers(accountId, 'reset', '');
    },
  });
  const roles = new RoleService(
    storage.roles,
    storage.supportGrants,
    {
      resolveTenant: async (ref) => (await tenants.get(ref).catch(() => null))?.id ?? null,
      operatorsTenantId: async () => (await tenants.findBySlug(OPERATORS_TENANT_SLUG))?.id ?? null,
      findAccount: (id) => storage.accounts.findById(id),
    },
    options.clock,
  );
  const eligibility = new SignInEligibility({ accounts: storage.accounts, tenants });
  const connections = new ConnectionService(storage.connections, storage.accounts, cipher, {
    issuer: settings.issuer,
    fetch: options.upstreamFetch,
  });
  const oidcConnector = new OidcConnector((connection) => connections.clientSecretOf(connection), options.upstreamFetch);
  const samlConnector = new SamlConnector(
    {
      signingKeyOf: (connection) => connections.secretOf(connection),
      decryptionKeyOf: (connection) => connections.encryptionKeyOf(connection),
    },
    assertionReplayCache(storage.oidc),
  );
  const tenantPurge = new TenantPurge({
    tenants: storage.tenants,
    accounts: storage.accounts,
    connections: storage.connections,
    clock: options.clock,
    async forgetAccount(account) {
      await storage.oidc.revokeByAccountId(account.id);
      await roles.forgetAccount(account.id);
      await storage.tokens.voidOthers(account.id, 'registration', '');
      await storage.tokens.voidOthers(account.id, 'reset', '');
      await storage.rateLimits.deleteKeys(Object.values(accountThrottleKeys(account.id)));
      return account.email === null ? 0 : ((await mailer.forget?.(account.email)) ?? 0);
    },
    async releaseClients(tenantId) {
      // Roles and support grants naming the tenant go with it too (staff keep their other roles).
      await roles.forgetTenant(tenantId);
      let changed = 0;
      for (let after: string | undefined; ;) {
        const page = await storage.clients.list({ limit: 200, after });
        for (const client of page.filter((c) => c.tenantIds.includes(tenantId))) {
          const tenantIds = client.tenantIds.filter((id) => id !== tenantId);
          // Emptied, the list would admit every tenant: a client of this tenant alone goes with it.
          if (tenantIds.length === 0) await storage.clients.delete(client.id);
          else await storage.clients.replace({ ...client, tenantIds });
          changed += 1;
        }
        if (page.length < 200) return changed;
        after = page[page.length - 1]!.id;
      }
    },
    deleteAuditChain: (tenantId) => audit.deleteChain(tenantId),
    async recordPurged(tenant, counts) {
      await audit.record({
        tenantId: null,
        actor: { type: 'system', id: 'tenant-purge' },
        action: PURGE_ACTION,
        target: { type: 'tenant', id: tenant.id },
        details: { slug: tenant.slug, deletionScheduledFor: tenant.purgeAfter, removed: counts },
      });
    },
  });
  return {
    tenants,
    accounts,
    personalNumbers,
    passwordHasher,
    eligibility,
    mfa: new MfaService({ accounts: storage.accounts, attempts: accounts, cipher }),
    connections,
    signingKeys: new SigningKeyService(storage.keys, cipher, settings),
    upstream: new Connectors({
      entra: oidcConnector,
      google: oidcConnector,
      oidc: oidcConnector,
      saml: samlConnector,
      grandid: new GrandidConnector((connection) => connections.grandidSecretsOf(connection), options.upstreamFetch),
    }),
    samlLogout: new SamlSingleLogout(samlConnector),
    endSessionsOf: (accountId) => revokeSessions(accountId),
    homeRealm: new HomeRealm(tenants, connections),
    federatedSignIn: new FederatedSignIn(storage.accounts, personalNumbers),
    clients: new ClientService(storage.clients, async (ref) => (await tenants.get(ref).catch(() => null))?.id ?? null),
    audit,
    mailer,
    mail,
    lockNotifier: new LockNotifier(audit, mail, tenants, logger),
    notices: new SecurityNotices(mail, tenants, logger),
    loginThrottle: new Throttle(storage.rateLimits, { limit: settings.loginRateLimit, windowSeconds: settings.loginRateWindowSeconds }),
    resetThrottle: new Throttle(storage.rateLimits, { limit: settings.linkRateLimitPerAddress, windowSeconds: 3600 }),
    tenantPurge,
    roles,
    links: new AccountLinks({
      issuer: settings.issuer,
      tokens: new LinkTokens(storage.tokens),
      accounts,
      eligibility,
      tenants,
      mail,
      audit,
      perAccount: new Throttle(storage.rateLimits, { limit: settings.linkRateLimitPerAccount, windowSeconds: 3600 }),
      revokeSessions: (accountId) => revokeSessions(accountId),
      logger,
    }),
  };
}

const SAMPLE_TENANTS = 50;
const SAMPLE_ACCOUNTS_PER_TENANT = 100;

/**
 * At start, over a sample of what is stored: the configured data-at-rest keys must open it
 * (second-factor seeds, upstream client secrets), or the service refuses to start naming the
 * key id; and the password hasher learns what stored hashes cost, for its unknown-account decoy.
 */
export async function startupChecks(services: Services): Promise<void> {
  const samples: SealedSample[] = [];
  const hashes: string[] = [];
  const personalNumberKey = await services.personalNumbers.keySample();
  if (personalNumberKey) samples.push({ what: 'the personal-number key in the store', ...personalNumberKey });
  for (const tenant of await services.tenants.list({ limit: SAMPLE_TENANTS })) {
    for (const connection of await services.connections.list(tenant.id)) {
      samples.push({
        what: `the sealed ${connection.kind === 'saml' ? 'SP signing key' : connection.kind === 'grandid' ? 'GrandID keys' : 'client secret'} of connection ${connection.id}`,
        sealed: services.connections.sealedSecretOf(connection),
        open: () => services.connections.secretOf(connection),
      });
      const encryption = connection.kind === 'saml' ? connection.sp.encryption : null;
      if (connection.kind === 'saml' && encryption)
        samples.push({
          what: `the sealed SP encryption key of connection ${connection.id}`,
          sealed: encryption.sealedPrivateKey,
          open: () => services.connections.encryptionKeyOf(connection)!,
        });
    }
    for (const account of await services.accounts.list(tenant.id, { limit: SAMPLE_ACCOUNTS_PER_TENANT })) {
      const { totp, passwordHash, personalNumber } = account;
      if (personalNumber)
        samples.push({
          what: `sealed personnummer of account ${account.id}`,
          sealed: personalNumber.sealed,
          open: () => services.personalNumbers.open({ ...account, personalNumber }),
        });
      if (totp)
        samples.push({
          what: `second-factor seed of account ${account.id}`,
          sealed: totp.sealedSecret,
          open: () => services.mfa.openSecret({ ...account, totp }),
        });
      if (passwordHash) hashes.push(passwordHash);
    }
  }
  assertSamplesOpen(samples);
  services.passwordHasher.observeStored(hashes);
}
