import type { Services } from '../services.js';
import { t, type Locale, type MessageId } from '../i18n/messages.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { SESSION_DEVICE, type SessionDevice } from '../oidc/session-devices.js';
import type { ProfileApp, ProfileLists, ProfileSession } from '../views/profile-pages.js';
import { PROFILE_CLIENT_ID } from './session.js';

/** More than anyone has; the page stays bounded whatever is stored. */
const LISTED = 100;

const KNOWN_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

interface GrantPayload {
  grantId?: string;
  accountId?: string;
  clientId?: string;
  iat?: number;
  openid?: { scope?: string };
}

function scopeLabel(locale: Locale, scope: string): string {
  return KNOWN_SCOPES.has(scope) ? t(locale, `scope.${scope}` as MessageId) : scope;
}

/** The apps the person allowed (their grants, "My profile" itself left out) and their live sessions. */
export async function profileLists(
  payloads: OidcPayloadRepository,
  services: Services,
  accountId: string,
  currentSessionUid: string,
  locale: Locale,
): Promise<ProfileLists> {
  const grants = (await payloads.findByAccountId('Grant', accountId, LISTED)) as GrantPayload[];
  const apps: ProfileApp[] = [];
  for (const grant of grants) {
    if (!grant.grantId || !grant.clientId || grant.clientId === PROFILE_CLIENT_ID) continue;
    const client = await services.clients.findById(grant.clientId);
    if (!client) continue;
    const scopes = (grant.openid?.scope ?? '').split(' ').filter(Boolean);
    apps.push({
      grantId: grant.grantId,
      name: client.name,
      scopes: scopes.map((s) => scopeLabel(locale, s)),
      grantedAt: grant.iat ?? null,
    });
  }
  const sessions: ProfileSession[] = [];
  for (const session of await payloads.findByAccountId('Session', accountId, LISTED)) {
    const uid = String(session.uid);
    const device = (await payloads.find(SESSION_DEVICE, uid)) as SessionDevice | undefined;
    const mine = device?.accountId === accountId ? device : undefined;
    sessions.push({
      current: uid === currentSessionUid,
      userAgent: mine?.userAgent ?? null,
      ip: mine?.ip ?? null,
      signedInAt: mine?.signedInAt ?? (typeof session.loginTs === 'number' ? session.loginTs : null),
    });
  }
  sessions.sort((a, b) => Number(b.current) - Number(a.current));
  return { apps, sessions };
}

/**
 * Ends the person's grant `grantId` (refused unless it is theirs): the grant, its codes and
 * tokens go, and each session that signed in to the app queues it a back-channel logout.
 */
export async function revokeApp(
  payloads: OidcPayloadRepository,
  services: Services,
  accountId: string,
  grantId: string,
): Promise<{ clientId: string } | null> {
  if (!grantId || grantId.length > 200) return null;
  const grant = (await payloads.find('Grant', grantId)) as GrantPayload | undefined;
  if (!grant || grant.accountId !== accountId || !grant.clientId || grant.clientId === PROFILE_CLIENT_ID) return null;
  await services.sessions.endAppSessions(accountId, grant.clientId);
  await payloads.revokeByGrantId(grantId);
  await payloads.destroy('Grant', grantId);
  return { clientId: grant.clientId };
}
