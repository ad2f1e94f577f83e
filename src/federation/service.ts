import { z } from 'zod';
import type { AccountRepository } from '../accounts/repository.js';
import type { ConnectionRepository } from './repository.js';
import { newId } from '../ids.js';
import type { FieldCipher } from '../crypto/field-cipher.js';
import { invalid, notFound } from '../errors.js';
import { parseOrThrow, toProblems } from '../validation.js';
import { randomBytes } from 'node:crypto';
import type { Connection, GrandidConnection, SamlConnection } from './types.js';
import type { GrandidSecrets } from './connectors/grandid/connector.js';
import {
  connectionCreateSchema,
  connectionUpdateSchema,
  ENTRA_AUTHORITY,
  GOOGLE_ISSUER,
  kindRules,
  type ConnectionCreateInput,
  type ConnectionUpdateInput,
  type SamlCreateInput,
} from './schema.js';
import { parseIdpMetadata, type IdpSettings, type MetadataLifetime } from './connectors/saml/metadata.js';
import { generateSpKey } from './connectors/saml/sp-key.js';
import { SAML_METADATA_MAX_BYTES, SAML_METADATA_MIN_REFRESH_MS, SAML_METADATA_REFRESH_MS } from '../config/defaults.js';

/** Where our SAML SP endpoints live under the issuer. */
export const samlPaths = (connectionId: string) => ({
  metadata: `/federation/saml/${connectionId}/metadata`,
  acs: `/federation/saml/${connectionId}/acs`,
  slo: `/federation/saml/${connectionId}/slo`,
});

/**
 * When a metadata URL is read next: at most SAML_METADATA_REFRESH_MS on, sooner by the document's
 * cacheDuration, and halfway to its validUntil (room for retries before it expires); never sooner
 * than SAML_METADATA_MIN_REFRESH_MS.
 */
export function nextMetadataRefresh(lifetime: MetadataLifetime, now: number): number {
  let at = now + SAML_METADATA_REFRESH_MS;
  if (lifetime.cacheDurationMs !== null) at = Math.min(at, now + lifetime.cacheDurationMs);
  if (lifetime.validUntil !== null) at = Math.min(at, now + (lifetime.validUntil - now) / 2);
  return Math.max(at, now + SAML_METADATA_MIN_REFRESH_MS);
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Where the GrandID broker sends the browser back to (with ?grandidsession=<id>). */
export const grandidCallbackPath = (connectionId: string) => `/federation/grandid/${connectionId}/callback`;

const OIDC_ONLY = ['clientId', 'clientSecret', 'scopes', 'claims', 'allowedEntraTenants', 'allowedGoogleDomains'] as const;
const SAML_ONLY = [
  'attributes',
  'emailVerified',
  'allowSha1',
  'clockSkewSeconds',
  'certificates',
  'ssoBinding',
  'requireEncryptedAssertions',
] as const;
const GRANDID_ONLY = ['apiKey', 'serviceKey'] as const;
const foreignFields = (
  kind: Connection['kind'],
): readonly ((typeof OIDC_ONLY)[number] | (typeof SAML_ONLY)[number] | (typeof GRANDID_ONLY)[number])[] =>
  kind === 'saml' ? [...OIDC_ONLY, ...GRANDID_ONLY] : kind === 'grandid' ? [...OIDC_ONLY, ...SAML_ONLY] : [...SAML_ONLY, ...GRANDID_ONLY];

/** The one sealed secret each connection keeps: the upstream client secret, our SAML SP private key, or the GrandID keys (JSON). */
const sealedOf = (c: Connection): string =>
  c.kind === 'saml' ? c.sp.sealedPrivateKey : c.kind === 'grandid' ? c.sealedKeys : c.sealedClientSecret;
const withSealed = (c: Connection, sealed: string): Connection =>
  c.kind === 'saml'
    ? { ...c, sp: { ...c.sp, sealedPrivateKey: sealed } }
    : c.kind === 'grandid'
      ? { ...c, sealedKeys: sealed }
      : { ...c, sealedClientSecret: sealed };

const secretContext = (connectionId: string) => `connection-secret:${connectionId}`;
const encryptionContext = (connectionId: string) => `connection-encryption-key:${connectionId}`;

/** A tenant's upstream identity providers; client secrets are sealed at rest. */
export class ConnectionService {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly accounts: Pick<AccountRepository, 'unlinkConnection'>,
    private readonly cipher: FieldCipher,
    private readonly options: { issuer: string; fetch?: typeof fetch },
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(tenantId: string, input: ConnectionCreateInput): Promise<Connection> {
    const data = parseOrThrow(connectionCreateSchema, input);
    const id = newId();
    const now = this.clock().toISOString();
    if (data.kind === 'saml') {
      const connection = await this.samlConnection(id, tenantId, data, now);
      await this.connections.insert(connection);
      return connection;
    }
    if (data.kind === 'grandid') {
      const { apiKey, serviceKey, ...rest } = data;
      const secrets: GrandidSecrets = { apiKey, serviceKey, subjectKey: randomBytes(32).toString('base64url') };
      const connection: GrandidConnection = {
        ...rest,
        id,
        tenantId,
        sealedKeys: this.cipher.seal(JSON.stringify(secrets), secretContext(id)),
        createdAt: now,
        updatedAt: now,
      };
      await this.connections.insert(connection);
      return connection;
    }
    const { clientSecret, ...rest } = data;
    const connection: Connection = {
      ...rest,
      id,
      tenantId,
      issuer: data.issuer ?? (data.kind === 'entra' ? ENTRA_AUTHORITY : data.kind === 'google' ? GOOGLE_ISSUER : ''),
      sealedClientSecret: this.cipher.seal(clientSecret, secretContext(id)),
      createdAt: now,
      updatedAt: now,
    };
    await this.connections.insert(connection);
    return connection;
  }

  private async samlConnection(id: string, tenantId: string, data: SamlCreateInput, now: string): Promise<SamlConnection> {
    const { metadataXml, metadataUrl, entityId, ssoUrl, sloUrl, ssoBinding, certificates, kind: _kind, ...rest } = data;
    let idp: IdpSettings;
    let lifetime: MetadataLifetime = { validUntil: null, cacheDurationMs: null };
    const nowMs = Date.parse(now);
    const options = { now: nowMs, binding: ssoBinding, bindingRequired: true };
    try {
      if (metadataXml !== undefined || metadataUrl !== undefined) {
        ({ lifetime, ...idp } = parseIdpMetadata(metadataXml ?? (await this.readMetadata(metadataUrl!)), options));
      } else {
        idp = {
          entityId: entityId!,
          ssoUrl: ssoUrl!,
          ssoBinding: ssoBinding ?? 'redirect',
          certificates: certificates!,
          sloUrl: sloUrl ?? null,
        };
      }
    } catch (error) {
      throw invalid([
        {
          field: metadataXml !== undefined ? 'metadataXml' : 'metadataUrl',
          code: 'metadata',
          message: `the IdP metadata cannot be used: ${(error as Error).message}`,
        },
      ]);
    }
    const paths = samlPaths(id);
    const metadataAt = `${this.options.issuer}${paths.metadata}`;
    const [key, encryption] = await Promise.all([generateSpKey(metadataAt), generateSpKey(`${metadataAt} encryption`)]);
    return {
      ...rest,
      id,
      tenantId,
      kind: 'saml',
      idp,
      metadata: {
        url: metadataUrl ?? null,
        lastRefreshedAt: metadataUrl ? now : null,
        lastError: null,
        validUntil: isoOrNull(lifetime.validUntil),
        nextRefreshAt: metadataUrl ? isoOrNull(nextMetadataRefresh(lifetime, nowMs)) : null,
      },
      sp: {
        entityId: metadataAt,
        acsUrl: `${this.options.issuer}${paths.acs}`,
        sloUrl: `${this.options.issuer}${paths.slo}`,
        metadataUrl: metadataAt,
        certificate: key.certificate,
        sealedPrivateKey: this.cipher.seal(key.privateKey, secretContext(id)),
        encryption: {
          certificate: encryption.certificate,
          sealedPrivateKey: this.cipher.seal(encryption.privateKey, encryptionContext(id)),
        },
      },
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Reads an IdP's metadata document, refusing what is too large to be one. */
  private async readMetadata(url: string): Promise<string> {
    const response = await (this.options.fetch ?? fetch)(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > SAML_METADATA_MAX_BYTES) throw new Error('the document is too large');
    return text;
  }

  /**
   * Reads a SAML connection's metadata URL again. A failure keeps the last good settings and
   * records the error on the connection (shown in the admin API as metadata.lastError).
   */
  async refreshMetadata(connection: SamlConnection): Promise<{ after: SamlConnection; error: string | null }> {
    if (!connection.metadata.url) return { after: connection, error: null };
    const nowMs = this.clock().getTime();
    const at = new Date(nowMs).toISOString();
    let after: SamlConnection;
    let error: string | null = null;
    try {
      const { lifetime, ...idp } = parseIdpMetadata(await this.readMetadata(connection.metadata.url), {
        now: nowMs,
        binding: connection.idp.ssoBinding ?? 'redirect',
      });
      after = {
        ...connection,
        idp,
        metadata: {
          ...connection.metadata,
          lastRefreshedAt: at,
          lastError: null,
          validUntil: isoOrNull(lifetime.validUntil),
          nextRefreshAt: isoOrNull(nextMetadataRefresh(lifetime, nowMs)),
        },
        updatedAt: at,
      };
    } catch (failure) {
      error = (failure as Error).message;
      after = { ...connection, metadata: { ...connection.metadata, lastError: `${at}: ${error}` } };
    }
    await this.connections.replace(after);
    return { after, error };
  }

  async get(tenantId: string, id: string): Promise<Connection> {
    const connection = await this.connections.findById(id);
    if (!connection || connection.tenantId !== tenantId) throw notFound('connection');
    return connection;
  }

  findById(id: string): Promise<Connection | null> {
    return this.connections.findById(id);
  }

  list(tenantId: string): Promise<Connection[]> {
    return this.connections.listByTenant(tenantId);
  }

  async enabledFor(tenantId: string): Promise<Connection[]> {
    return (await this.connections.listByTenant(tenantId)).filter((c) => c.enabled);
  }

  async update(tenantId: string, id: string, input: ConnectionUpdateInput): Promise<{ before: Connection; after: Connection }> {
    const data = parseOrThrow(connectionUpdateSchema, input);
    const before = await this.get(tenantId, id);
    const foreign = foreignFields(before.kind).filter((field) => data[field] !== undefined);
    if (foreign.length)
      throw invalid(foreign.map((field) => ({ field, code: 'kind', message: `not a setting of a ${before.kind} connection` })));
    if (before.kind === 'saml') this.checkSamlUpdate(before, data);
    const { clientSecret, certificates, apiKey, serviceKey, ssoBinding, ...rest } = data;
    const keys =
      before.kind === 'grandid' && (apiKey || serviceKey)
        ? {
            sealedKeys: this.cipher.seal(
              JSON.stringify({ ...this.grandidSecretsOf(before), ...(apiKey ? { apiKey } : {}), ...(serviceKey ? { serviceKey } : {}) }),
              secretContext(id),
            ),
          }
        : {};
    const after = {
      ...before,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      ...(clientSecret ? { sealedClientSecret: this.cipher.seal(clientSecret, secretContext(id)) } : {}),
      ...keys,
      ...(before.kind === 'saml' && (certificates || ssoBinding)
        ? { idp: { ...before.idp, ...(certificates ? { certificates } : {}), ...(ssoBinding ? { ssoBinding } : {}) } }
        : {}),
      updatedAt: this.clock().toISOString(),
    } as Connection;
    if (after.kind !== 'saml' && after.kind !== 'grandid') {
      const merged = z
        .custom<typeof after>()
        .superRefine((c, ctx) => kindRules(c, ctx))
        .safeParse(after);
      if (!merged.success) throw invalid(toProblems(merged.error));
    }
    await this.connections.replace(after);
    return { before, after };
  }

  private checkSamlUpdate(before: SamlConnection, data: ConnectionUpdateInput): void {
    if (data.requireEncryptedAssertions && !before.sp.encryption)
      throw invalid([
        { field: 'requireEncryptedAssertions', code: 'kind', message: 'this connection has no encryption key (made before they were)' },
      ]);
    if (data.ssoBinding && before.metadata.url)
      throw invalid([
        {
          field: 'ssoBinding',
          code: 'kind',
          message: 'the binding of a connection read from a metadata URL follows the metadata (chosen when the connection is created)',
        },
      ]);
  }

  /** Removes the connection and every identity link it made; the accounts themselves stay. */
  async delete(tenantId: string, id: string): Promise<Connection> {
    const connection = await this.get(tenantId, id);
    await this.connections.delete(id);
    await this.accounts.unlinkConnection(id);
    return connection;
  }

  /** Seals the connection's secret again with the newest key, if it is not already; true when it did. */
  async resealSecret(connection: Connection): Promise<boolean> {
    const encryption = connection.kind === 'saml' ? connection.sp.encryption : null;
    const encryptionStale = !!encryption && !this.cipher.isCurrent(encryption.sealedPrivateKey);
    if (this.cipher.isCurrent(sealedOf(connection)) && !encryptionStale) return false;
    let resealed = withSealed(connection, this.cipher.seal(this.secretOf(connection), secretContext(connection.id)));
    if (resealed.kind === 'saml' && encryption) {
      const key = this.cipher.seal(this.encryptionKeyOf(resealed)!, encryptionContext(connection.id));
      resealed = { ...resealed, sp: { ...resealed.sp, encryption: { ...encryption, sealedPrivateKey: key } } };
    }
    return this.connections.replace(resealed);
  }

  /** A SAML connection's SP decryption key in the clear, or null when it has none. */
  encryptionKeyOf(connection: SamlConnection): string | null {
    const sealed = connection.sp.encryption?.sealedPrivateKey;
    return sealed ? this.cipher.open(sealed, encryptionContext(connection.id)) : null;
  }

  /** The connection's secret in the clear: the upstream client secret, or the SAML SP private key. */
  secretOf(connection: Connection): string {
    return this.cipher.open(sealedOf(connection), secretContext(connection.id));
  }

  /** A GrandID connection's broker keys and subject-hash key, in the clear. */
  grandidSecretsOf(connection: GrandidConnection): GrandidSecrets {
    return JSON.parse(this.secretOf(connection)) as GrandidSecrets;
  }

  clientSecretOf(connection: Connection): string {
    return this.secretOf(connection);
  }

  sealedSecretOf(connection: Connection): string {
    return sealedOf(connection);
  }
}
