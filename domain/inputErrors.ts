import { z } from 'zod';

/** Turns a zod failure into one line per bad field, naming the field: what operators see for a bad input. */
export function formatInputIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : '(input)';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseInput<T>(schema: z.ZodType<T>, kind: string, raw: unknown): ParseResult<T> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: `invalid ${kind} input: ${formatInputIssues(result.error)}` };
}
