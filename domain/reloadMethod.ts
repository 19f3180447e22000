import { type ChangeKind, changeKindSchema, type SchemaChange } from './schemaDrift';
import { formatTableName, type TableName } from './tableName';

/**
 * How a fullReload reloads: `ReloadTables` on the running task, or the task restarted with `reload-target`.
 *
 * The AWS DMS User Guide, "Reloading tables during a task": "DMS retains the previously read table definition and
 * doesn't recreate it during the reload operation. Any DDL statements such as ALTER TABLE ADD COLUMN or DROP COLUMN
 * that are made to the table before the table is reloaded can cause the reload operation to fail." A reload repairs
 * the full-load files (a full load reads ENUM/SET labels as text) but CDC after it keeps decoding the binlog's
 * indexes and column positions with the old definition. After a change to the definition, only a method that reads
 * it again repairs CDC: the task restarted with reload-target (which reloads every table of the task). That
 * reload-target re-reads it is not stated by AWS (sandbox/dms-emulator/FIDELITY.md): the finalize gate's check of
 * the CDC written after the reload is what proves it.
 */

/** Schema changes that alter the definition DMS decodes CDC with: every kind but nullability and default. */
const METADATA_ONLY: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['nullability-changed', 'default-changed']);
const DEFINITION_CHANGES = new Set<ChangeKind>(changeKindSchema.options.filter((kind) => !METADATA_ONLY.has(kind)));

export type ReloadMode = 'tables' | 'task';

export interface ReloadMethod {
  mode: ReloadMode;
  /** Why this method (shown in the plan). */
  why: string;
  /** The schema changes that need the definition read again (empty for a data-only reload). */
  definitionChanges: SchemaChange[];
  /** Set when the asked mode cannot repair the change: the plan refuses with this message. */
  refusal?: string;
}

export function changesDefinition(change: SchemaChange): boolean {
  return DEFINITION_CHANGES.has(change.kind);
}

const describe = (changes: SchemaChange[]) => changes.map((c) => `${c.table}${c.column ? `.${c.column}` : ''} ${c.kind}`).join(', ');

export const WHY_NOT_RELOAD_TABLES =
  'ReloadTables keeps the table definition DMS read before the change (AWS DMS User Guide, "Reloading tables during a task": ' +
  '"DMS retains the previously read table definition and doesn\'t recreate it during the reload operation"): the reloaded ' +
  'full-load files would be right, but CDC after the reload would keep writing values decoded with the old definition ' +
  '(ENUM/SET indexes, column positions), and a column added, dropped or changed can fail the reload';

/** Picks the method from the mode asked for (if any) and the schema changes behind the reload. */
export function chooseReloadMethod(asked: ReloadMode | undefined, requested: TableName[], changes: SchemaChange[] = []): ReloadMethod {
  const names = new Set(requested.map(formatTableName));
  const definitionChanges = changes.filter((c) => names.has(c.table) && changesDefinition(c));
  if (definitionChanges.length === 0) {
    const mode = asked ?? 'tables';
    return {
      mode,
      definitionChanges,
      why:
        mode === 'tables'
          ? "no change to the tables' definitions is known: a data-only reload, ReloadTables on the running task (the other tables of the task keep replicating)"
          : '"mode": "task" was asked: the task is restarted with reload-target',
    };
  }
  if (asked === 'tables') {
    return {
      mode: 'tables',
      definitionChanges,
      why: 'asked for ReloadTables',
      refusal: `"mode": "tables" cannot repair ${describe(definitionChanges)}: ${WHY_NOT_RELOAD_TABLES}. Run fullReload with "mode": "task" (or without "mode"): the task is stopped and restarted with reload-target, which reads the definitions again and reloads every table of the task`,
    };
  }
  return {
    mode: 'task',
    definitionChanges,
    why: `${describe(definitionChanges)} changed the definition DMS decodes CDC with, so the task is restarted with reload-target, which reads the definitions again. ${WHY_NOT_RELOAD_TABLES}`,
  };
}
