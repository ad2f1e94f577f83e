import { TOKEN_TTL } from '../config/defaults.js';
import type { Logger } from '../log/logger.js';
import type { Services } from '../services.js';
import type { OidcPayloadRepository } from './repository.js';

/**
 * An upstream session (GrandID's sessionId) of a person's latest sign-in through it, kept for
 * as long as our session can live, so that signing out here ends it at the broker too. Keyed
 * by the account: oidc-provider makes the session only after the sign-in, so the sign-in cannot
 * name it. A person signed in on two devices has the later device's broker session ended.
 */
const MODEL = 'UpstreamSession';

export async function rememberUpstreamSession(
  payloads: OidcPayloadRepository,
  accountId: string,
  connectionId: string,
  session: string,
): Promise<void> {
  await payloads.upsert(MODEL, accountId, { connectionId, session }, Date.now() + TOKEN_TTL.Session * 1000);
}

/**
 * Best effort, after the person signed out: asks the upstream to end the session and forgets
 * it. A failure is logged (the connection and the reason, never the session id or a key) and
 * changes nothing for the person, who is signed out here either way.
 */
export async function endUpstreamSession(
  deps: { payloads: OidcPayloadRepository; services: Services; logger: Logger },
  accountId: string,
): Promise<void> {
  const stored = await deps.payloads.find(MODEL, accountId);
  if (!stored || typeof stored.connectionId !== 'string' || typeof stored.session !== 'string') return;
  await deps.payloads.destroy(MODEL, accountId);
  const connection = await deps.services.connections.findById(stored.connectionId);
  if (!connection) return;
  try {
    if (await deps.services.upstream.endSession(connection, stored.session))
      deps.logger.info({ connectionId: connection.id, kind: connection.kind }, 'upstream session ended at sign-out');
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? (error as Error).name;
    deps.logger.warn({ connectionId: connection.id, kind: connection.kind, reason }, 'could not end the upstream session at sign-out');
  }
}
