import type { TableStatSnapshot } from './dmsStates';
import type { MeasuredLoadRate } from './instanceClasses';

/**
 * Load rates from the pipeline's own previous full loads. DescribeTableStatistics gives each table's FullLoadRows,
 * FullLoadStartTime and FullLoadEndTime (API reference, TableStatistics), so a table loaded before says how fast a
 * subtask of this pipeline loads: better than a planning figure for the same source, rows and instance. Small
 * loads are left out: their time is mostly the subtask's start, not rows.
 */
export const MIN_MEASURED_ROWS = 10_000;
export const MIN_MEASURED_SECONDS = 10;

/** Rows per second of a table's last full load, or undefined when it says nothing useful. */
export function pastLoadRowsPerSecond(stat: TableStatSnapshot | undefined): number | undefined {
  if (!stat?.fullLoadStartTime || !stat.fullLoadEndTime || stat.fullLoadRows < MIN_MEASURED_ROWS) return undefined;
  const seconds = (Date.parse(stat.fullLoadEndTime) - Date.parse(stat.fullLoadStartTime)) / 1000;
  if (!Number.isFinite(seconds) || seconds < MIN_MEASURED_SECONDS) return undefined;
  return stat.fullLoadRows / seconds;
}

/** The median rate of the tables' previous loads, or undefined when none qualifies (then plans keep their figure). */
export function measuredLoadRate(stats: Array<TableStatSnapshot | undefined>): MeasuredLoadRate | undefined {
  const rates = stats
    .map(pastLoadRowsPerSecond)
    .filter((r): r is number => r !== undefined)
    .sort((a, b) => a - b);
  if (!rates.length) return undefined;
  const middle = Math.floor(rates.length / 2);
  const median = rates.length % 2 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2;
  const rowsPerSecond = Math.max(1, Math.round(median));
  return {
    rowsPerSecond,
    method: `median of ${rates.length} previous full load(s) of this pipeline's tables, from DescribeTableStatistics`,
  };
}
