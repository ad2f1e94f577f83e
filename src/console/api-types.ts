/** What the console reads from the admin API: only the fields its pages show (the API's OpenAPI document has the rest). */

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  domains: string[];
  state: 'active' | 'scheduled_for_deletion';
  policy: unknown;
  locale: 'sv' | 'en' | null;
  mail: { from: string | null; replyTo: string | null };
  links: { registrationHours: number; resetMinutes: number };
  passwordsAllowed: boolean;
  purgeAfter: string | null;
}

export interface AccountView {
  id: string;
  /** Null for an account an e-ID sign-in made, until someone sets one. */
  email: string | null;
  /** A Swedish personnummer, masked, where one is tied for e-ID sign-in. */
  personalNumber?: string | null;
  name: string | null;
  staff: boolean;
  locale: 'sv' | 'en' | null;
  state: 'invited' | 'active' | 'locked' | 'disabled';
  mfaEnabled: boolean;
  recoveryCodesLeft: number;
  lockedReason: string | null;
  lockedAt: string | null;
  lockedUntil: string | null;
  failedAttempts: number;
  lastLoginAt: string | null;
  identities?: { connectionId: string; subject: string; linkedAt: string }[];
}

/** How a person's account is named on a page: its e-mail, else its masked personnummer, else its id. */
export const accountLabel = (a: Pick<AccountView, 'id' | 'email' | 'personalNumber'>): string => a.email ?? a.personalNumber ?? a.id;

export interface ConnectionView {
  id: string;
  kind: string;
  name: string;
  enabled: boolean;
  issuer?: string;
}

export interface ClientView {
  id: string;
  name: string;
  public: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  firstParty: boolean;
  admin: boolean;
}

export interface AuditEventView {
  id: string;
  time: string;
  tenantId: string | null;
  actor: { type: string; id?: string };
  action: string;
  target: { type: string; id: string } | null;
  outcome: 'success' | 'failure';
  reason: string | null;
  ip: string | null;
}

export interface SupportGrantView {
  id: string;
  staffAccountId: string;
  reason: string;
  caseReference: string;
  createdBy: string;
  expiresAt: string;
  endedAt: string | null;
  /** Neither ended nor expired now. */
  live: boolean;
}
