import { z } from 'zod';
import { DEFAULT_TENANT_POLICY, POLICY_LIMITS as L } from './defaults.js';

const d = DEFAULT_TENANT_POLICY;
const count = z.number().int().min(L.count.min).max(L.count.max);

export const passwordPolicySchema = z
  .strictObject({
    minLength: z.number().int().min(L.minLength.min).max(L.minLength.max).default(d.password.minLength),
    maxLength: z.number().int().min(L.maxLength.min).max(L.maxLength.max).default(d.password.maxLength),
    minDigits: count.default(d.password.minDigits),
    minSpecial: count.default(d.password.minSpecial),
    minUpper: count.default(d.password.minUpper),
    minLower: count.default(d.password.minLower),
    blocklist: z.boolean().default(d.password.blocklist),
    disallowEmailLocalPart: z.boolean().default(d.password.disallowEmailLocalPart),
    history: z.number().int().min(L.history.min).max(L.history.max).default(d.password.history),
    require2fa: z.boolean().default(d.password.require2fa),
    changeNonCompliantAtLogin: z.boolean().default(d.password.changeNonCompliantAtLogin),
  })
  .superRefine((p, ctx) => {
    if (p.maxLength < p.minLength) {
      ctx.addIssue({ code: 'custom', path: ['maxLength'], message: 'must be at least minLength' });
    }
    const required = p.minDigits + p.minSpecial + p.minUpper + p.minLower;
    if (required > p.maxLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['minDigits'],
        message: 'minDigits + minSpecial + minUpper + minLower must not exceed maxLength',
      });
    }
  });

export const lockoutPolicySchema = z
  .strictObject({
    maxFailedAttempts: z.number().int().min(L.maxFailedAttempts.min).max(L.maxFailedAttempts.max).default(d.lockout.maxFailedAttempts),
    mode: z.enum(['permanent', 'temporary']).default(d.lockout.mode),
    durationMinutes: z.number().int().min(L.durationMinutes.min).max(L.durationMinutes.max).nullable().default(d.lockout.durationMinutes),
    resetUnlocks: z.boolean().default(d.lockout.resetUnlocks),
  })
  .superRefine((p, ctx) => {
    if (p.mode === 'temporary' && p.durationMinutes === null) {
      ctx.addIssue({ code: 'custom', path: ['durationMinutes'], message: 'a temporary lockout needs durationMinutes' });
    }
    if (p.mode === 'permanent' && p.durationMinutes !== null) {
      ctx.addIssue({ code: 'custom', path: ['durationMinutes'], message: 'a permanent lockout has no duration; set it to null' });
    }
  });

/** A whole policy document; omitted fields take their defaults (PUT replaces the document). */
export const tenantPolicySchema = z.strictObject({
  password: passwordPolicySchema.default(d.password),
  lockout: lockoutPolicySchema.default(d.lockout),
});

export type TenantPolicyInput = z.input<typeof tenantPolicySchema>;
