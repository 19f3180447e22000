import { z } from 'zod';
import { DOCTOR_CHECKS } from '../doctor/findings';
import { requestedBySchema, requestedBySignatureSchema } from './common';

export const pipelineDoctorInputSchema = z
  .object({
    /** A subset of the checks; all of them when absent. */
    checks: z
      .array(z.enum(DOCTOR_CHECKS))
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'must not repeat a check')
      .optional(),
    /** Task groups to look at (names from the configuration); every group when absent. */
    taskGroups: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be task group names from the pipeline configuration'))
      .min(1)
      .optional(),
    /** How far back CloudWatch latency, CPU, memory and storage are read. */
    metricsWindowMinutes: z.number().int().min(5).max(1440).default(15),
    /** How far back (before the newest CDC file) the write rate behind file-size advice is measured. */
    writeRateWindowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(24),
    /** Parquet footers read at once per table. */
    footerConcurrency: z.number().int().min(1).max(64).default(8),
    /** Read every Parquet footer again instead of only those of files new or rewritten since the last run. */
    fullCensus: z.boolean().default(false),
    // The doctor has no gate: who started it is only recorded. A scheduled run says so, also under four-eyes.
    requestedBy: requestedBySchema.default('schedule'),
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict();

export type PipelineDoctorInput = z.input<typeof pipelineDoctorInputSchema>;
export type PipelineDoctorOptions = z.output<typeof pipelineDoctorInputSchema>;
