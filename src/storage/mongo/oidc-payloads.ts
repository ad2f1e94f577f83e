import type { Collection, Db, Document } from 'mongodb';
import type { OidcPayload, OidcPayloadRepository } from '../../oidc/repository.js';
import { accountOf } from '../oidc-payload-fields.js';

interface PayloadDoc {
  _id: string;
  model: string;
  /** JSON text: payload keys may hold dots or dollars (resource URLs, claims), which update operators refuse. */
  payload: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  expiresAt?: Date;
  consumedAt?: number;
}

const key = (model: string, id: string) => `${model}:${id}`;

/** The TTL monitor deletes expired records only about once a minute, so reads filter them too. */
const unexpired = () => ({ expiresAt: { $not: { $lte: new Date() } } });

function toPayload(doc: PayloadDoc | null): OidcPayload | undefined {
  if (!doc) return undefined;
  const payload = JSON.parse(doc.payload) as OidcPayload;
  return doc.consumedAt === undefined ? payload : { ...payload, consumed: doc.consumedAt };
}

/** $set for the fields that have a value, $unset for the rest, so no lookup outlives its payload. */
function setOrUnset(fields: Record<string, unknown>): Document {
  const entries = Object.entries(fields);
  const $set = Object.fromEntries(entries.filter(([, value]) => value != null));
  const $unset = Object.fromEntries(entries.filter(([, value]) => value == null).map(([name]) => [name, '']));
  return Object.keys($unset).length > 0 ? { $set, $unset } : { $set };
}

export class MongoOidcPayloads implements OidcPayloadRepository {
  private readonly payloads: Collection<PayloadDoc>;

  constructor(db: Db) {
    this.payloads = db.collection('oidc_payloads');
  }

  async upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined) {
    const update = setOrUnset({
      model,
      payload: JSON.stringify(payload),
      grantId: payload.grantId,
      uid: payload.uid,
      userCode: payload.userCode,
      accountId: accountOf(payload),
      expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
    });
    await this.payloads.updateOne({ _id: key(model, id) }, update, { upsert: true });
  }

  async find(model: string, id: string) {
    return toPayload(await this.payloads.findOne({ _id: key(model, id), ...unexpired() }));
  }

  async findByUid(model: string, uid: string) {
    return toPayload(await this.payloads.findOne({ model, uid, ...unexpired() }));
  }

  async findByUserCode(model: string, userCode: string) {
    return toPayload(await this.payloads.findOne({ model, userCode, ...unexpired() }));
  }

  async findByAccountId(model: string, accountId: string, limit: number) {
    const docs = await this.payloads
      .find({ model, accountId, ...unexpired() })
      .limit(limit)
      .toArray();
    return docs.map((doc) => toPayload(doc)!);
  }

  async consume(model: string, id: string, at: number) {
    const result = await this.payloads.updateOne({ _id: key(model, id), consumedAt: { $exists: false } }, { $set: { consumedAt: at } });
    return result.modifiedCount === 1;
  }

  async destroy(model: string, id: string) {
    await this.payloads.deleteOne({ _id: key(model, id) });
  }

  async revokeByGrantId(grantId: string) {
    await this.payloads.deleteMany({ grantId });
  }

  async revokeByAccountId(accountId: string, keepSessionId?: string, keepGrantIds: readonly string[] = []) {
    await this.payloads.deleteMany({
      accountId,
      ...(keepSessionId ? { _id: { $ne: key('Session', keepSessionId) } } : {}),
      ...(keepGrantIds.length ? { grantId: { $nin: [...keepGrantIds] } } : {}),
    });
  }

  /** Nothing here tells the nodes of each other's changes: every lookup goes to the store. */
  revision() {
    return null;
  }

  async purgeExpired(now: number) {
    return (await this.payloads.deleteMany({ expiresAt: { $lte: new Date(now) } })).deletedCount;
  }
}
