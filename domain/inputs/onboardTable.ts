import { z } from 'zod';
import { tableNameSchema } from '../tableName';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from './common';

export const onboardTableInputSchema = z
  .object({
    table: tableNameSchema,
    taskGroup: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a task group name from the pipeline configuration')
      .optional(),
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict();

export type OnboardTableInput = z.input<typeof onboardTableInputSchema>;
