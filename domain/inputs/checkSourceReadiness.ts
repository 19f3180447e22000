import { z } from 'zod';
import { requestedBySchema, requestedBySignatureSchema } from './common';

export const checkSourceReadinessInputSchema = z
  .object({
    source: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be the name of a source in the pipeline configuration'),
    dbInstanceIdentifier: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must be an RDS DB instance identifier')
      .optional(),
    dbClusterIdentifier: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must be an RDS DB cluster identifier')
      .optional(),
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict();

export type CheckSourceReadinessInput = z.infer<typeof checkSourceReadinessInputSchema>;
