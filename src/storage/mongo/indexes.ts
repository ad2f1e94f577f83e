import type { Db } from 'mongodb';

/**
 * Before accounts could lack an e-mail address, (tenant, e-mail) was unique over every record;
 * now it is unique over the records that have one (a partial index, under another name). The
 * old index is dropped first: two indexes on one key pattern cannot differ only in this way.
 */
async function replaceAccountEmailIndex(db: Db): Promise<void> {
  const accounts = db.collection('accounts');
  const existing = await accounts.indexes().catch(() => []);
  if (!existing.some((index) => index.name === 'tenantId_1_emailNormalized_1')) return;
  // Another node starting at the same time may have dropped it already.
  await accounts.dropIndex('tenantId_1_emailNormalized_1').catch((error: { codeName?: string }) => {
    if (error.codeName !== 'IndexNotFound') throw error;
  });
}

/** Creates the indexes each collection relies on; a no-op when they already exist. */
export async function createIndexes(db: Db): Promise<void> {
  await replaceAccountEmailIndex(db);
  await Promise.all([
    db.collection('tenants').createIndexes([{ key: { slug: 1 }, unique: true }, { key: { domains: 1 } }]),
    db.collection('accounts').createIndexes([
      {
        key: { tenantId: 1, emailNormalized: 1 },
        name: 'accounts_email_per_tenant',
        unique: true,
        partialFilterExpression: { emailNormalized: { $type: 'string' } },
      },
      {
        key: { tenantId: 1, 'personalNumber.hash': 1 },
        name: 'accounts_personal_number_per_tenant',
        unique: true,
        partialFilterExpression: { 'personalNumber.hash': { $type: 'string' } },
      },
      { key: { emailNormalized: 1 } },
      { key: { tenantId: 1, _id: 1 } },
      // Account search: a prefix of any term (e-mail, name, name words) within the tenant.
      { key: { tenantId: 1, searchTerms: 1 } },
      {
        key: { 'identities.connectionId': 1, 'identities.subject': 1 },
        unique: true,
        partialFilterExpression: { 'identities.subject': { $exists: true } },
      },
    ]),
    db.collection('connections').createIndexes([{ key: { tenantId: 1, _id: 1 } }]),
    db
      .collection('audit_events')
      .createIndexes([
        { key: { tenantId: 1, _id: 1 } },
        { key: { action: 1, _id: 1 } },
        { key: { chain: 1, seq: 1 }, unique: true, partialFilterExpression: { chain: { $exists: true } } },
      ]),
    db.collection('oidc_payloads').createIndexes([
      { key: { grantId: 1 }, sparse: true },
      { key: { accountId: 1 }, sparse: true },
      { key: { model: 1, uid: 1 }, partialFilterExpression: { uid: { $exists: true } } },
      { key: { model: 1, userCode: 1 }, partialFilterExpression: { userCode: { $exists: true } } },
      { key: { expiresAt: 1 }, expireAfterSeconds: 0 },
    ]),
    db.collection('role_assignments').createIndexes([{ key: { 'roles.tenantId': 1 } }]),
    db.collection('support_grants').createIndexes([{ key: { tenantId: 1, _id: -1 } }, { key: { staffAccountId: 1, expiresAt: 1 } }]),
    db.collection('rate_limits').createIndexes([{ key: { expiresAt: 1 }, expireAfterSeconds: 0 }]),
    db
      .collection('one_time_tokens')
      .createIndexes([{ key: { accountId: 1, kind: 1 } }, { key: { expiresAtDate: 1 }, expireAfterSeconds: 0 }]),
  ]);
}
