import { z } from 'zod';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from './common';

const instanceIdentifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must be a DMS replication instance identifier (a letter, then letters, digits or hyphens)');
const instanceClass = z.string().regex(/^dms\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a DMS instance class such as dms.r5.4xlarge');
const allocatedStorageGb = z.number().int().min(5).max(6144).optional();

/** `{ instance, targetClass, allocatedStorageGb? }`: one change, tasks stopped around it and resumed. */
export const simpleResizeSchema = z
  .object({
    instance: instanceIdentifier,
    targetClass: instanceClass,
    allocatedStorageGb,
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict();

/** The full-load runbooks a composite resize can run as its child; the child validates its own input. */
export const DURING_KINDS = ['onboardTable', 'fullReload'] as const;

/** `{ instance, fullLoadClass, cdcClass, during }`: scale up, run the child runbook, gate, scale down. */
export const compositeResizeSchema = z
  .object({
    instance: instanceIdentifier,
    fullLoadClass: instanceClass,
    cdcClass: instanceClass,
    allocatedStorageGb,
    during: z
      .object({
        kind: z.enum(DURING_KINDS),
        input: z.record(z.string(), z.unknown()),
      })
      .strict(),
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict()
  .refine((i) => i.fullLoadClass !== i.cdcClass, {
    path: ['cdcClass'],
    message: 'must differ from fullLoadClass (for a single change use { instance, targetClass })',
  });

/** The composite form is recognised by any of its own fields, so its errors name its fields (not a union's). */
export function isCompositeResize(raw: unknown): boolean {
  return !!raw && typeof raw === 'object' && ['during', 'fullLoadClass', 'cdcClass'].some((key) => key in raw);
}

export type SimpleResizeInput = z.output<typeof simpleResizeSchema>;
export type CompositeResizeInput = z.output<typeof compositeResizeSchema>;
export type ResizeInstanceInput = z.input<typeof simpleResizeSchema> | z.input<typeof compositeResizeSchema>;

export const resizeInstanceInputSchema: z.ZodType<SimpleResizeInput | CompositeResizeInput> = z.unknown().transform((raw, ctx) => {
  const result = isCompositeResize(raw) ? compositeResizeSchema.safeParse(raw) : simpleResizeSchema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

export function isComposite(input: SimpleResizeInput | CompositeResizeInput): input is CompositeResizeInput {
  return 'during' in input;
}
