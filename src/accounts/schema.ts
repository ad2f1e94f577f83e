import { z } from 'zod';

export const emailSchema = z.string().trim().max(254).pipe(z.email('a valid e-mail address'));

/**
 * The floor every password meets until the per-tenant policy arrives: R1's minimum
 * length of 6, and an upper bound that keeps hashing cheap to refuse.
 */
export const passwordSchema = z.string().min(6, 'at least 6 characters').max(1024, 'at most 1024 characters');

const nameSchema = z.string().trim().min(1).max(200);

export const accountCreateSchema = z.strictObject({
  email: emailSchema,
  name: nameSchema.optional(),
  password: passwordSchema.optional(),
});

export const accountUpdateSchema = z.strictObject({
  email: emailSchema.optional(),
  name: nameSchema.nullable().optional(),
  state: z.enum(['active', 'disabled']).optional(),
  password: passwordSchema.optional(),
});

export type AccountCreateInput = z.input<typeof accountCreateSchema>;
export type AccountUpdateInput = z.input<typeof accountUpdateSchema>;
