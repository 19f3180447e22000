import type { ColumnMeta } from '../emulatorState';

/**
 * "Reloading tables during a task" (AWS DMS User Guide): DMS retains the previously read table definition and
 * doesn't recreate it during the reload; DDL such as ADD COLUMN or DROP COLUMN made before the reload can make the
 * reload fail. A change of ENUM/SET labels alone keeps every column where it was: the reload succeeds (a full load
 * reads labels as text), and CDC keeps decoding indexes with the labels read before.
 */

/** The column DDL between the retained definition and the source's current one; undefined for none. */
export function columnDdl(retained: ColumnMeta[], current: ColumnMeta[]): string | undefined {
  const before = retained.map((c) => c.name);
  const now = current.map((c) => c.name);
  const added = now.filter((n) => !before.includes(n));
  const dropped = before.filter((n) => !now.includes(n));
  const changes: string[] = [];
  if (added.length) changes.push(`column(s) added: ${added.join(', ')}`);
  if (dropped.length) changes.push(`column(s) dropped: ${dropped.join(', ')}`);
  if (!added.length && !dropped.length && before.join() !== now.join()) changes.push(`columns reordered: ${now.join(', ')}`);
  for (const column of current) {
    const old = retained.find((c) => c.name === column.name);
    if (old && (old.dataType !== column.dataType || old.unsigned !== column.unsigned))
      changes.push(`column ${column.name} changed type: ${old.columnType} → ${column.columnType}`);
  }
  return changes.length ? changes.join('; ') : undefined;
}

/** Rows read with the current columns, laid out as the retained definition: a new column is left out, a dropped one null. */
export function asRetained(rows: unknown[][], current: ColumnMeta[], retained: ColumnMeta[]): unknown[][] {
  const index = retained.map((c) => current.findIndex((x) => x.name === c.name));
  return rows.map((row) => index.map((i) => (i < 0 ? null : row[i])));
}
