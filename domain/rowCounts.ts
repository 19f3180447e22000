import type { TableStatSnapshot } from './dmsStates';

/**
 * Row counts compared three ways: the source's COUNT(*), what DMS says it wrote (FullLoadRows, plus the inserts
 * and minus the deletes CDC applied since, so a live table still compares), and the rows in the full-load
 * Parquet files (read from their footers). Unreadable files are a mismatch of their own.
 */
export interface RowCountComparison {
  sourceRows: number;
  dmsFullLoadRows: number;
  dmsCdcNetRows: number;
  parquetRows: number;
  parquetFiles: number;
  problems: Array<{ key: string; error: string }>;
  matches: boolean;
  mismatch?: string;
  /** Set when changes during the load make an exact comparison impossible, but the counts agree within them. */
  note?: string;
}

export function compareRowCounts(
  table: string,
  sourceRows: number,
  stat: TableStatSnapshot | undefined,
  parquet: { rows: number; files: number; problems: Array<{ key: string; error: string }> },
): RowCountComparison {
  const dmsFullLoadRows = stat?.fullLoadRows ?? 0;
  const dmsCdcNetRows = (stat?.inserts ?? 0) - (stat?.deletes ?? 0);
  const reasons: string[] = [];
  if (!stat) reasons.push(`DMS has no statistics for ${table}`);
  if (parquet.problems.length) reasons.push(`unreadable Parquet files: ${parquet.problems.map((p) => `${p.key} (${p.error})`).join(', ')}`);
  if (parquet.rows !== dmsFullLoadRows)
    reasons.push(`the full-load Parquet files hold ${parquet.rows} rows but DMS reports FullLoadRows ${dmsFullLoadRows}`);
  const changes = (stat?.inserts ?? 0) + (stat?.updates ?? 0) + (stat?.deletes ?? 0);
  const gap = Math.abs(sourceRows - (dmsFullLoadRows + dmsCdcNetRows));
  let note: string | undefined;
  // A row changed while the full load read the table can be counted by both the load and CDC (DMS applies the
  // changes cached during the load afterwards), so a gap within the number of changes is not a loss.
  if (gap > 0 && gap <= changes) {
    note = `${changes} changes during or after the load; the source (${sourceRows}) and DMS (${dmsFullLoadRows + dmsCdcNetRows}) agree within them`;
  } else if (gap > 0) {
    reasons.push(
      `the source has ${sourceRows} rows but DMS accounts for ${dmsFullLoadRows + dmsCdcNetRows} (full load ${dmsFullLoadRows}, CDC net ${dmsCdcNetRows >= 0 ? '+' : ''}${dmsCdcNetRows})`,
    );
  }
  return {
    sourceRows,
    dmsFullLoadRows,
    dmsCdcNetRows,
    parquetRows: parquet.rows,
    parquetFiles: parquet.files,
    problems: parquet.problems,
    matches: reasons.length === 0,
    mismatch: reasons.length ? reasons.join('; ') : undefined,
    note,
  };
}
