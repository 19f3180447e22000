import { z } from 'zod';
import { schemaChangeSchema } from '../schemaDrift';
import { chooseReloadMethod } from '../reloadMethod';
import { tableNameSchema, toTableName } from '../tableName';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from './common';

/**
 * Tables one run may name, judged by what the run does. `"mode": "tables"` quarantines, reloads and verifies each
 * table named, so the work grows with the list: at most FULL_RELOAD_MAX_TABLES. `"mode": "task"` (asked, or chosen
 * because a schema change altered a definition: domain/reloadMethod.ts) restarts each task once and reloads every
 * table of it whatever the list names; the list only says which tables were wrong (their current files and their
 * CDC after the reload are checked), so it may name up to FULL_RELOAD_MAX_TABLES_TASK_MODE. 1,000 names of at most
 * 129 characters stay far below Temporal's payload limit (docs.temporal.io, "Troubleshoot the blob size limit
 * error": "The max payload for a single request is 2 MB").
 */
export const FULL_RELOAD_MAX_TABLES = 100;
export const FULL_RELOAD_MAX_TABLES_TASK_MODE = 1000;

export const fullReloadInputSchema = z
  .object({
    tables: z
      .array(tableNameSchema)
      .min(1, 'name at least one table')
      .max(
        FULL_RELOAD_MAX_TABLES_TASK_MODE,
        `at most ${FULL_RELOAD_MAX_TABLES_TASK_MODE} tables per run ("mode": "task" restarts each task once, whatever it names); split the list into several runs`,
      )
      .refine((tables) => new Set(tables).size === tables.length, { message: 'lists a table twice' }),
    reason: z.string().trim().min(3, 'say why the tables are reloaded (it is shown to the approver)').max(2000),
    ticket: z.string().max(128).optional(),
    /**
     * `tables`: ReloadTables on the running task. `task`: stop the task and restart it with reload-target (every table).
     * Unset: `task` when `schemaDrift` changed a table's definition (ReloadTables keeps the old one), else `tables`
     * (domain/reloadMethod.ts); `tables` with such a change is refused.
     */
    mode: z.enum(['tables', 'task']).optional(),
    /**
     * Compare the current files with the source before the gate: a checksum scan of each whole table on the
     * source and a read of the key and ENUM/SET columns of every file. Off unless asked, since nobody has approved
     * that load yet (schemaDriftWatch asks: its reloads are about a suspected scramble the comparison shows).
     */
    checkCurrentFiles: z.boolean().optional(),
    /** Rows changed since the reload needed before the CDC written after it can be judged (finalize gate). */
    cdcCheckMinRows: z.number().int().min(1).max(100000).optional(),
    /** Set by schemaDriftWatch: the schema changes that made this reload necessary, shown in the plan. */
    schemaDrift: z
      .object({
        detectedBy: z.string().min(1).max(1000),
        changes: z.array(schemaChangeSchema).max(500),
      })
      .strict()
      .optional(),
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.tables.length <= FULL_RELOAD_MAX_TABLES) return;
    // Judged by what the run will do: unset, a schema change to a definition makes it task mode too.
    if (chooseReloadMethod(input.mode, input.tables.map(toTableName), input.schemaDrift?.changes).mode === 'task') return;
    ctx.addIssue({
      code: 'custom',
      path: ['tables'],
      message: `names ${input.tables.length} tables: at most ${FULL_RELOAD_MAX_TABLES} per run with "mode": "${input.mode ?? 'tables'}"${input.mode ? '' : ' (unset)'}, which reloads each table named; split the list into runs of ${FULL_RELOAD_MAX_TABLES}, or use "mode": "task" (restarts each task once with reload-target, every table of it reloaded) for up to ${FULL_RELOAD_MAX_TABLES_TASK_MODE}`,
    });
  });

export type FullReloadInput = z.input<typeof fullReloadInputSchema>;
export type FullReloadParsed = z.infer<typeof fullReloadInputSchema>;
