import { z } from 'zod';

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens, 1-63 characters');

export const domainSchema = z
  .string()
  .max(253)
  .transform((d) => d.trim().toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        'a domain name such as example.com',
      ),
  );

const nameSchema = z.string().trim().min(1).max(200);

export const tenantCreateSchema = z.strictObject({
  slug: slugSchema,
  name: nameSchema,
  domains: z.array(domainSchema).max(100).default([]),
});

export const tenantUpdateSchema = z.strictObject({
  name: nameSchema.optional(),
  domains: z.array(domainSchema).max(100).optional(),
});

export type TenantCreateInput = z.input<typeof tenantCreateSchema>;
export type TenantUpdateInput = z.input<typeof tenantUpdateSchema>;
