import { PASSWORD_INPUT_MAX } from '../config/defaults.js';
import { z } from 'zod';
import { parsePersonalNumber } from './personal-number.js';

export const emailSchema = z.string().trim().max(254).pipe(z.email('a valid e-mail address'));

/**
 * Only a sanity bound: the tenant's password policy decides what a good password is,
 * and reports every rule at once. This stops absurd input before it is hashed.
 */
export const passwordInputSchema = z
  .string()
  .min(1, 'a password is required')
  .max(PASSWORD_INPUT_MAX, `at most ${PASSWORD_INPUT_MAX} characters`);

const nameSchema = z.string().trim().min(1).max(200);

const localeSchema = z.enum(['sv', 'en']);

/** A personnummer or samordningsnummer in any valid form (10 or 12 digits, with or without `-`/`+`), normalised to 12 digits. */
export const personalNumberSchema = z
  .string()
  .max(20, 'a personnummer: YYYYMMDD-NNNN, YYMMDD-NNNN or without the separator')
  .transform((value, ctx) => {
    const parsed = parsePersonalNumber(value);
    if (parsed.ok) return parsed.value;
    // The message never repeats the number.
    ctx.addIssue({ code: 'custom', message: `not a valid personnummer (${parsed.reason})` });
    return z.NEVER;
  })
  .describe('Swedish personnummer or samordningsnummer, e.g. 19811218-9876 or 811218-9876; read back masked');

export const accountCreateSchema = z.strictObject({
  email: emailSchema,
  name: nameSchema.optional(),
  locale: localeSchema.optional(),
  staff: z.boolean().default(false),
  password: passwordInputSchema.optional(),
});

export const accountUpdateSchema = z.strictObject({
  email: emailSchema.optional(),
  name: nameSchema.nullable().optional(),
  locale: localeSchema.nullable().optional(),
  staff: z.boolean().optional(),
  state: z.enum(['active', 'disabled']).optional(),
  password: passwordInputSchema.optional(),
  /** null removes it. */
  personalNumber: personalNumberSchema.nullable().optional(),
});

export const unlockSchema = z.strictObject({
  reason: z.string().trim().min(1, 'say why the account is unlocked').max(500),
});

export type AccountCreateInput = z.input<typeof accountCreateSchema>;
export type AccountUpdateInput = z.input<typeof accountUpdateSchema>;
