import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Pairwise subject identifiers (OIDC Core 8.1): an HMAC of the client id and the account id
 * under a salt derived from the token-id key (KEYS_DIR or the key store), so every client sees
 * its own stable `sub` for a person and two clients cannot correlate theirs. The client id, not
 * the redirect host, is the sector: two clients on one host still see different subjects.
 */
export function pairwiseSubjects(secret: Buffer) {
  const salt = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'idp pairwise subject', 32));
  return (accountId: string, clientId: string) => createHmac('sha256', salt).update(`${clientId}\n${accountId}`).digest('base64url');
}
