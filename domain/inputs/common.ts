import { z } from 'zod';

/** Who starts the runbook: needed by the four-eyes rule, recorded in the audit. */
export const requestedBySchema = z.string().min(1).max(128).optional();
export const dryRunSchema = z.boolean().default(false);
