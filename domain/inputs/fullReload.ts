import { z } from 'zod';
import { schemaChangeSchema } from '../schemaDrift';
import { tableNameSchema } from '../tableName';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from './common';

export const fullReloadInputSchema = z
  .object({
    tables: z
      .array(tableNameSchema)
      .min(1, 'name at least one table')
      .max(100, 'at most 100 tables per run')
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
  .strict();

export type FullReloadInput = z.input<typeof fullReloadInputSchema>;
export type FullReloadParsed = z.infer<typeof fullReloadInputSchema>;
