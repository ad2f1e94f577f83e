import { hash, randomBytes } from 'node:crypto';

/** 256 random bits: a fast hash is enough, since there is nothing to guess. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Runs for every client authentication: the one-shot hash, without a Hash object per call. */
export function hashClientSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}
