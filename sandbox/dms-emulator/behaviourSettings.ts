import { z } from 'zod';

/** The writes after which Describe may answer the past (describeLag.ts), and those that do by default. */
export const LAGGING_OPERATIONS = [
  'CreateReplicationTask',
  'ModifyReplicationTask',
  'StartReplicationTask',
  'StopReplicationTask',
  'DeleteReplicationTask',
  'ReloadTables',
  'CreateReplicationInstance',
  'ModifyReplicationInstance',
  'DeleteReplicationInstance',
] as const;
export const DEFAULT_LAGGING_OPERATIONS = [
  'CreateReplicationTask',
  'ModifyReplicationTask',
  'StartReplicationTask',
  'StopReplicationTask',
] as const;

/**
 * Behaviours of DMS that its documentation leaves open, one setting per plausible real behaviour, so a runbook can
 * be tested under each (see FIDELITY.md, status "unverified"). Set through `POST /_admin/behaviour` (merged) or
 * DMS_EMULATOR_BEHAVIOUR (the same JSON) at start; `POST /_admin/reset` brings the defaults back.
 */
export const behaviourSettingsSchema = z
  .object({
    /**
     * Which table definition CDC decodes rows with (ENUM/SET indexes, column positions) after each way of
     * reloading. `ReloadTables` always keeps the definition read before (documented: "Reloading tables during a
     * task"); the rest is unverified.
     */
    definitions: z
      .object({
        /** `StartReplicationTask` with `reload-target`: `reread` (default) or `keep` the definition read before. */
        reloadTarget: z.enum(['reread', 'keep']).default('reread'),
        /** `resume-processing`: `keep` (default) or `reread` the definitions of tables already loaded. */
        resume: z.enum(['keep', 'reread']).default('keep'),
        /**
         * `ReloadTables` after a column was added, dropped, renamed, moved or changed type on the source:
         * `table-error` (default; the table ends `Table error` with a message) or `reload-with-old-definition` (the
         * rows are loaded into the columns read before: a new column is missing, a dropped one null).
         */
        reloadTablesAfterColumnDdl: z.enum(['table-error', 'reload-with-old-definition']).default('table-error'),
      })
      .strict()
      .default({ reloadTarget: 'reread', resume: 'keep', reloadTablesAfterColumnDdl: 'table-error' }),
    /**
     * "Reloading tables during a task": "You can reload up to 10 tables from a task." Whether tables still reloading
     * from an earlier call count against the 10 is unverified: `in-flight` (default; they count) or `per-call`.
     */
    reloadTables: z
      .object({ limit: z.enum(['in-flight', 'per-call']).default('in-flight') })
      .strict()
      .default({ limit: 'in-flight' }),
    /** Where DMS puts objects in an S3 target (see dataPlane/s3Layout.ts). */
    s3Layout: z
      .object({
        /**
         * The date folder of a CDC file: `write-time` (default; the time the file is written, as DatePartitionTimezone's
         * description says) or `commit-time` (the commit date of each change, as DatePartitionEnabled's says).
         */
        cdcDateFolder: z.enum(['write-time', 'commit-time']).default('write-time'),
      })
      .strict()
      .default({ cdcDateFolder: 'write-time' }),
    /** Endpoints as Describe returns them (unverified; see s3SettingsDefaults.ts). */
    endpoints: z
      .object({
        /** `filled` (default): S3Settings come back with the documented defaults of the settings left out; `as-given`. */
        describeS3Defaults: z.enum(['filled', 'as-given']).default('filled'),
      })
      .strict()
      .default({ describeS3Defaults: 'filled' }),
    /**
     * Eventually consistent reads: for `milliseconds` (real time) after one of `operations`, Describe answers what it
     * answered before the call (a task just created is not found). AWS documents no duration (unverified);
     * terraform-provider-aws waits 30-60 s before its first poll after creating, modifying, starting or stopping a
     * task. By default the task calls lag; `ModifyReplicationInstance`, `DeleteReplicationTask`,
     * `DeleteReplicationInstance`, `ReloadTables` and `CreateReplicationInstance` may be added (AWS's own waiters,
     * which poll at once, would misjudge those if DMS lagged there). 0 ms turns it off. See describeLag.ts.
     */
    describeLag: z
      .object({
        milliseconds: z.number().int().min(0).max(600000).default(1500),
        operations: z.array(z.enum(LAGGING_OPERATIONS)).default([...DEFAULT_LAGGING_OPERATIONS]),
      })
      .strict()
      .default({ milliseconds: 1500, operations: [...DEFAULT_LAGGING_OPERATIONS] }),
    /**
     * `$AR_H_CHANGE_SEQ` in full-load rows: `filled` (default; a sequence below every later change) or `empty` (an
     * empty string, null in a numeric column). AWS does not say (unverified); Qlik Replicate, DMS's lineage,
     * documents the header columns as empty during full load. Readers must order LOAD rows right under both.
     */
    fullLoadChangeSeq: z.enum(['filled', 'empty']).default('filled'),
    /**
     * The StopReason of a full-load-and-cdc task that stops itself after its full load (FullLoadSettings
     * StopTaskCachedChangesApplied / StopTaskCachedChangesNotApplied). The API reference lists `STOPPED_AFTER_CACHED_EVENTS`
     * ("Full load completed, with cached changes applied") and `STOPPED_AFTER_FULL_LOAD` ("… not applied"), but the
     * SDK's copy of `FULL_LOAD_ONLY_FINISHED` adds "DMS applied cached changes if you set StopTaskCachedChangesApplied to
     * true": `specific` (default; the two specific reasons) or `full-load-only-finished` (both stop with it).
     */
    stopReasons: z
      .object({ afterFullLoad: z.enum(['specific', 'full-load-only-finished']).default('specific') })
      .strict()
      .default({ afterFullLoad: 'specific' }),
    /**
     * TableStatistics counters (Inserts, Updates, Deletes, Ddls) across a stop and `resume-processing`: AWS does not
     * say whether they carry on or start again (unverified): `keep` (default) or `reset`. A fresh start
     * (start-replication) always starts them again.
     */
    statistics: z
      .object({ afterResume: z.enum(['keep', 'reset']).default('keep') })
      .strict()
      .default({ afterResume: 'keep' }),
    /** When the table states botocore lists but DMS does not explain are shown (unverified). */
    tableStates: z
      .object({
        /** A table dropped on the source before its load: `table-does-not-exist` (default) or `table-error`. */
        sourceTableMissing: z.enum(['table-does-not-exist', 'table-error']).default('table-does-not-exist'),
        /** Tables loading when the task is stopped: `unchanged` (default; they keep their state) or `table-cancelled`. */
        stoppedWhileLoading: z.enum(['unchanged', 'table-cancelled']).default('unchanged'),
      })
      .strict()
      .default({ sourceTableMissing: 'table-does-not-exist', stoppedWhileLoading: 'unchanged' }),
    /**
     * What a task stopped by its error handling settings ("The task stops and manual intervention is required":
     * TableErrorPolicy/TableErrorEscalationPolicy STOP_TASK, RecoverableErrorCount exhausted) looks like: `failed`
     * (default; status failed) or `stopped` (status stopped). The StopReason is FATAL_ERROR for table errors and
     * RECOVERABLE_ERROR for exhausted retries either way (inferred from the names; unverified).
     */
    errors: z
      .object({ stopTaskAs: z.enum(['failed', 'stopped']).default('failed') })
      .strict()
      .default({ stopTaskAs: 'failed' }),
  })
  .strict();

export type BehaviourSettings = z.infer<typeof behaviourSettingsSchema>;

export const defaultBehaviour = (): BehaviourSettings => behaviourSettingsSchema.parse({});

/** Merges a partial update section by section (`{"definitions": {"reloadTarget": "keep"}}` keeps the other keys). */
export function mergeBehaviour(current: BehaviourSettings | undefined, update: unknown): BehaviourSettings {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) throw new Error('behaviour must be a JSON object');
  const base = current ?? defaultBehaviour();
  const next: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    const existing = (base as Record<string, unknown>)[key];
    next[key] =
      value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object'
        ? { ...(existing as Record<string, unknown>), ...(value as Record<string, unknown>) }
        : value;
  }
  return behaviourSettingsSchema.parse(next);
}
