import { z } from 'zod';

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
