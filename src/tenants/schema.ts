import { z } from 'zod';
import { DEFAULT_LINK_LIFETIMES, LINK_LIFETIME_BOUNDS, TENANT_DELETION_GRACE_DAYS } from '../config/defaults.js';

const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens, 1-63 characters')
  // A slug shaped like a tenant id could stand in for another tenant wherever either is accepted.
  .refine((slug) => !ID_SHAPE.test(slug), 'must not look like a tenant id');

export const domainSchema = z
  .string()
  .max(253)
  .transform((d) => d.trim().toLowerCase())
  .pipe(z.string().regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a domain name such as example.com'));

const nameSchema = z.string().trim().min(1).max(200);
const bareAddress = z.email();
/** `it@acme.example` or `Acme IT <it@acme.example>`. */
const mailAddress = z
  .string()
  .trim()
  .max(320)
  .refine((value) => {
    const named = /^([^<>"\r\n]{1,100}?)\s*<([^<>\s]+)>$/.exec(value);
    return bareAddress.safeParse(named ? named[2] : value).success;
  }, 'an e-mail address, optionally with a name: Acme IT <it@acme.example>');

const settingsFields = {
  locale: z.enum(['sv', 'en']).nullable(),
  mail: z.strictObject({ from: mailAddress.nullable().default(null), replyTo: mailAddress.nullable().default(null) }),
  links: z.strictObject({
    registrationHours: z
      .number()
      .int()
      .min(LINK_LIFETIME_BOUNDS.registrationHours.min)
      .max(LINK_LIFETIME_BOUNDS.registrationHours.max)
      .default(DEFAULT_LINK_LIFETIMES.registrationHours),
    resetMinutes: z
      .number()
      .int()
      .min(LINK_LIFETIME_BOUNDS.resetMinutes.min)
      .max(LINK_LIFETIME_BOUNDS.resetMinutes.max)
      .default(DEFAULT_LINK_LIFETIMES.resetMinutes),
  }),
};

export const tenantCreateSchema = z.strictObject({
  slug: slugSchema,
  name: nameSchema,
  domains: z.array(domainSchema).max(100).default([]),
  locale: settingsFields.locale.default(null),
  mail: settingsFields.mail.default({ from: null, replyTo: null }),
  links: settingsFields.links.default(DEFAULT_LINK_LIFETIMES),
  passwordsAllowed: z.boolean().default(true),
});

export const tenantUpdateSchema = z.strictObject({
  name: nameSchema.optional(),
  domains: z.array(domainSchema).max(100).optional(),
  locale: settingsFields.locale.optional(),
  mail: settingsFields.mail.optional(),
  links: settingsFields.links.optional(),
  passwordsAllowed: z.boolean().optional(),
});

/** How long a deleted tenant's data is kept before the purge (R11: 30 days by default, never beyond six months). */
export const tenantDeleteSchema = z.strictObject({
  graceDays: z
    .number()
    .int()
    .min(TENANT_DELETION_GRACE_DAYS.min)
    .max(TENANT_DELETION_GRACE_DAYS.max)
    .default(TENANT_DELETION_GRACE_DAYS.default),
});

export type TenantDeleteInput = z.input<typeof tenantDeleteSchema>;
export type TenantCreateInput = z.input<typeof tenantCreateSchema>;
export type TenantUpdateInput = z.input<typeof tenantUpdateSchema>;
