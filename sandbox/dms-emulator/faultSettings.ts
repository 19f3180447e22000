import { z } from 'zod';

/**
 * Injected faults, set through `POST /_admin/faults` (merged into the current ones) or DMS_EMULATOR_FAULTS
 * (the same JSON) at start. Tasks and instances are named by identifier or ARN.
 */
export const faultSettingsSchema = z
  .object({
    /** ThrottlingException "Rate exceeded" once the token bucket is empty (AWS: ~100 tokens, ~4 per second). */
    throttling: z
      .object({
        enabled: z.boolean().default(false),
        capacity: z.number().positive().default(100),
        refillPerSecond: z.number().positive().default(4),
      })
      .strict()
      .default({ enabled: false, capacity: 100, refillPerSecond: 4 }),
    /** Operations answered with AccessDeniedFault, as for an IAM identity that lacks dms:<Operation>. */
    accessDenied: z.array(z.string()).default([]),
    /** Share (0-1) of DMS API calls answered with a 500 InternalFailure. */
    transientErrorRate: z.number().min(0).max(1).default(0),
    /** Task → fail at this full-load percentage with this LastFailureMessage (status failed, FATAL_ERROR). */
    taskFailures: z
      .record(z.string(), z.object({ atPercent: z.number().min(0).max(100), message: z.string().min(1).optional() }).strict())
      .default({}),
    /** Task → this table ends its load in `Table error`. */
    tableErrors: z
      .record(z.string(), z.object({ schema: z.string(), table: z.string(), message: z.string().optional() }).strict())
      .default({}),
    /**
     * Task → a recoverable (environmental) error DMS keeps retrying: the task stays `running` with this
     * LastFailureMessage and makes no progress (no load, no CDC) until the key is removed, or until its
     * ErrorBehavior.RecoverableErrorCount retries (RecoverableErrorInterval seconds apart) are spent.
     */
    recoverableErrors: z.record(z.string(), z.object({ message: z.string().min(1) }).strict()).default({}),
    /**
     * Task → the source stops answering part-way through this table's load and DMS ends it `Table completed` with the
     * first `rows` rows only (what DMS does then is unverified; this models the quiet case).
     */
    partialLoads: z
      .record(z.string(), z.object({ schema: z.string(), table: z.string(), rows: z.number().int().min(0) }).strict())
      .default({}),
    /** Instances that are `storage-full` (their running tasks stop with STOPPED_DUE_TO_LOW_DISK). */
    storageFull: z.array(z.string()).default([]),
    /** Instance → how its next ModifyReplicationInstance goes: refused (InsufficientResourceCapacityFault) or stuck in modifying. */
    instanceModify: z.record(z.string(), z.enum(['refuse', 'stuck'])).default({}),
    /** Task → extra emulated seconds added to every full load (a benchmark can make one last 24 emulated hours). */
    extraFullLoadSeconds: z.record(z.string(), z.number().nonnegative()).default({}),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export const noFaults = (): FaultSettings => faultSettingsSchema.parse({});

/** Merges a partial update: maps are merged key by key (a null value removes the key), scalars replaced. */
export function mergeFaults(current: FaultSettings, update: unknown): FaultSettings {
  if (typeof update !== 'object' || update === null) throw new Error('faults must be a JSON object');
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    const existing = (current as Record<string, unknown>)[key];
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      existing &&
      typeof existing === 'object' &&
      !Array.isArray(existing)
    ) {
      const map: Record<string, unknown> = { ...(existing as Record<string, unknown>) };
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null) delete map[k];
        else map[k] = v;
      }
      merged[key] = map;
    } else {
      merged[key] = value;
    }
  }
  return faultSettingsSchema.parse(merged);
}
