import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../log/logger.js';
import { TOKEN_TTL } from '../config/defaults.js';
import type { OidcPayloadRepository } from './repository.js';

/** Stored beside each session, under its uid: what "My profile" shows of where a person is signed in. */
export const SESSION_DEVICE = 'SessionDevice';

export interface SessionDevice {
  /** So it goes with the account's sessions (and with the account, when its tenant is purged). */
  accountId: string;
  userAgent: string | null;
  ip: string | null;
  /** Epoch seconds. */
  signedInAt: number;
  lastSeenAt: number;
}

/**
 * oidc-provider's session keeps no device details: each successful authorization notes the
 * browser and address on a record of ours, named by the session's uid, that ends with it
 * (it expires with the session, and is only read for a live one).
 */
export function recordSessionDevices(provider: Provider, payloads: OidcPayloadRepository, logger: Logger): void {
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    if (!session?.accountId) return;
    const now = Math.floor(Date.now() / 1000);
    const device: SessionDevice = {
      accountId: session.accountId,
      userAgent: ctx.get('user-agent').slice(0, 300) || null,
      ip: ctx.ip || null,
      signedInAt: session.loginTs ?? now,
      lastSeenAt: now,
    };
    const expiresAt = (session.exp ?? now + TOKEN_TTL.Session) * 1000;
    payloads
      .upsert(SESSION_DEVICE, session.uid, { ...device }, expiresAt)
      .catch((error: unknown) => logger.error({ err: error }, 'could not record the session device'));
  });
}
