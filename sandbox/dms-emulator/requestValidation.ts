import { z } from 'zod';
import { invalidValue } from './dmsFault';

/** Validates a request body against an operation's zod schema; failures answer InvalidParameterValueException naming the field. */
export function parseInput<T extends z.ZodType>(operation: string, schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`).join('; ');
  throw invalidValue(`${operation}: ${details}`);
}

export const filtersInput = z.array(z.object({ Name: z.string(), Values: z.array(z.string()) })).optional();
export const tagsInput = z.array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256).optional() })).optional();
/** Timestamps arrive as epoch seconds (numbers); botocore may send ISO strings. */
export const timestampInput = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${String(value)}` });
    return z.NEVER;
  }
  return ms;
});
