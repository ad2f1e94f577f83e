import type { z } from 'zod';
import { invalid, type Problem } from './errors.js';

/** Parses input with a schema, turning every failed rule into a Problem at once. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(toProblems(result.error));
}

export function toProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    field: issue.path.join('.'),
    code: issue.code,
    message: issue.message,
  }));
}
