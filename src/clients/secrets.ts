import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits: a fast hash is enough, since there is nothing to guess. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
