import { formatBytes } from './plan';
import { formatTableName, TableName } from './tableName';

/**
 * What a backfill's reads cost the source when its date column leads no index. Each staged day is a temporary
 * full-load task whose table mapping filters on that column (domain/backfill.ts `dayFilter`). Whether DMS sends the
 * filter to MySQL as a WHERE clause that an index can answer is not stated in the stored AWS sources (unverified):
 * with an index leading on the column each day can be read alone; without one every day's load, and the plan's own
 * count by day, reads the whole table.
 */
export function dateScanWarning(input: {
  table: TableName;
  column: string;
  /** Columns leading an index; undefined when the facts predate the check (then nothing is said). */
  indexLeaders: string[] | undefined;
  rowEstimate: number;
  bytes: number;
  days: number;
}): string | undefined {
  if (!input.indexLeaders) return undefined;
  if (input.indexLeaders.some((c) => c.toLowerCase() === input.column.toLowerCase())) return undefined;
  const name = formatTableName(input.table);
  const scans = input.days + 1;
  return (
    `${name}.${input.column} leads no index: each of the ${input.days} day(s) staged may read the whole table ` +
    `(about ${input.rowEstimate.toLocaleString('en-US')} rows, ${formatBytes(input.bytes)}), ${scans} full scans of the source with the ` +
    `plan's own count, about ${formatBytes(input.bytes * scans)} read; add an index on ${input.column} first ` +
    `(ALTER TABLE ${name} ADD INDEX (${input.column}), on a replica-safe schedule) or run the backfill in a quiet window`
  );
}
