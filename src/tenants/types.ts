import { DEFAULT_LINK_LIFETIMES } from '../config/defaults.js';
import { DEFAULT_TENANT_POLICY } from '../policy/defaults.js';
import type { TenantPolicy } from '../policy/types.js';

export type TenantState = 'active' | 'scheduled_for_deletion';

export interface Tenant {
  id: string;
  /** Url-safe, unique, used in the `tenant` authorization parameter and the `tenant` claim. */
  slug: string;
  name: string;
  /** Lower-case e-mail domains this tenant owns. */
  domains: string[];
  state: TenantState;
  policy: TenantPolicy;
  /** Language of e-mails and pages when neither the person nor the request says. */
  locale: 'sv' | 'en' | null;
  /** Sender and reply-to of this tenant's e-mails; null uses the service-wide MAIL_FROM. */
  mail: { from: string | null; replyTo: string | null };
  /** How long registration and reset links work. */
  links: LinkLifetimes;
  /** Whether people may sign in with a password beside the tenant's upstream connections. */
  passwordsAllowed: boolean;
  /** When a scheduled deletion becomes due (state scheduled_for_deletion); null while active. */
  purgeAfter: string | null;
  /** While a node purges the tenant: until when its claim holds (another node may take over after). */
  purgeLeaseUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LinkLifetimes {
  registrationHours: number;
  resetMinutes: number;
}

/** Fields added after the first release get their defaults when an older record is read. */
export function withTenantDefaults(
  stored: Omit<Tenant, 'policy' | 'locale' | 'mail' | 'links' | 'passwordsAllowed' | 'purgeAfter' | 'purgeLeaseUntil'> &
    Partial<Pick<Tenant, 'locale' | 'mail' | 'links' | 'passwordsAllowed' | 'purgeAfter' | 'purgeLeaseUntil'>> & {
      policy?: Partial<TenantPolicy>;
    },
): Tenant {
  return {
    locale: null,
    mail: { from: null, replyTo: null },
    links: DEFAULT_LINK_LIFETIMES,
    passwordsAllowed: true,
    purgeAfter: null,
    purgeLeaseUntil: null,
    ...stored,
    policy: {
      password: { ...DEFAULT_TENANT_POLICY.password, ...stored.policy?.password },
      lockout: { ...DEFAULT_TENANT_POLICY.lockout, ...stored.policy?.lockout },
    },
  };
}
