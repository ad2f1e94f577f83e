// The ceiling's store: records in a Map, nothing written anywhere. oidc-provider's own
// development adapter keeps only its 1,000 most recent records, which under load drops the
// grant that a refresh token needs; this one keeps every record until it expires.
const records = new Map();
const grants = new Map();
const key = (model, id) => `${model}:${id}`;

export class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  async upsert(id, payload, expiresIn) {
    records.set(key(this.model, id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.grantId) {
      let ids = grants.get(payload.grantId);
      if (!ids) grants.set(payload.grantId, (ids = []));
      ids.push(key(this.model, id));
    }
  }

  async find(id) {
    const found = records.get(key(this.model, id));
    if (!found) return undefined;
    if (found.expiresAt <= Date.now()) {
      records.delete(key(this.model, id));
      return undefined;
    }
    return found.payload;
  }

  async findByUid(uid) {
    for (const [k, { payload }] of records) if (k.startsWith(`${this.model}:`) && payload.uid === uid) return payload;
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [k, { payload }] of records) if (k.startsWith(`${this.model}:`) && payload.userCode === userCode) return payload;
    return undefined;
  }

  async consume(id) {
    const found = records.get(key(this.model, id));
    if (found) found.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    records.delete(key(this.model, id));
  }

  async revokeByGrantId(grantId) {
    for (const k of grants.get(grantId) ?? []) records.delete(k);
    grants.delete(grantId);
  }
}
