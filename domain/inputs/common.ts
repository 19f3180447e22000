import { z } from 'zod';

/** Who starts the runbook: needed by the four-eyes rule, recorded in the audit. */
export const requestedBySchema = z.string().min(1).max(128).optional();
export const dryRunSchema = z.boolean().default(false);

/** The requester's signed start (`dms-runbooks start` makes it): proves who asked, for the four-eyes rule. */
export const requestedBySignatureSchema = z
  .object({ document: z.string().min(1).max(4000), signature: z.string().min(1).max(20000) })
  .strict()
  .optional();
