/**
 * Key material kept in the store: one sealed document per name (signing keys, cookie secrets,
 * the token-id key). Writes are atomic so that nodes racing each other end with one value:
 * `create` inserts only if absent, `replace` only if nobody changed the document since it was read.
 */
export interface KeyDocument {
  /** Sealed with ENCRYPTION_KEYS (FieldCipher), context `keys:<name>`. */
  sealed: string;
  /** Bumped by every replace; what `replace` compares. */
  version: number;
}

export interface KeyDocumentRepository {
  read(name: string): Promise<KeyDocument | undefined>;
  /** Inserts version 1 unless the name exists; true when this call created it. */
  create(name: string, sealed: string): Promise<boolean>;
  /** Writes version+1 if the stored version is still `version`; false when another writer came first. */
  replace(name: string, version: number, sealed: string): Promise<boolean>;
}
