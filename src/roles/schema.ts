import { z } from 'zod';
import { ROLES } from './types.js';

export const roleGrantSchema = z.strictObject({
  role: z.enum(ROLES),
  tenant: z
    .string()
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .describe('The tenant (id or slug) a tenant-admin, helpdesk or tenant auditor covers'),
});

/** The whole set of roles an account holds; an empty list takes every role away. */
export const roleSetSchema = z.strictObject({ roles: z.array(roleGrantSchema).max(100) });

export const supportGrantCreateSchema = z.strictObject({
  staffAccountId: z.string().min(1).max(64),
  reason: z.string().trim().min(1, 'say why support needs access').max(500),
  caseReference: z.string().trim().min(1, 'name the support case').max(100),
  expiresAt: z.iso.datetime({ offset: true }),
});

export type RoleSetInput = z.input<typeof roleSetSchema>;
export type SupportGrantCreateInput = z.input<typeof supportGrantCreateSchema>;
