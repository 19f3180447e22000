import { z } from 'zod';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from './common';

export const schemaDriftWatchInputSchema = z
  .object({
    /**
     * Where snapshots live in the target bucket: `<prefix>/latest.json` (compared with the next run) and
     * `<prefix>/history/<taken at>.json`. Default `_runbooks/schema-snapshots/<pipeline name>`.
     */
    snapshotPrefix: z
      .string()
      // S3 keys stop at 1024 bytes, and `/history/<taken at>.json` follows the prefix.
      .max(900)
      .regex(/^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/, 'must be an S3 key prefix without leading or trailing slash')
      .optional(),
    /** Start a fullReload (waiting at its gate) for each unsafe change. Off: report and notify only. */
    startReloads: z.boolean().default(true),
    /** A dry run compares and reports, but stores no snapshot and starts no reload. */
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict();

export type SchemaDriftWatchInput = z.input<typeof schemaDriftWatchInputSchema>;
export type SchemaDriftWatchParsed = z.infer<typeof schemaDriftWatchInputSchema>;
