/**
 * Rough sizing of DMS replication instance classes: vCPUs by size, and a full-load rate that grows with them.
 * Estimates for plans only (the real rate depends on rows, LOBs and the source); configurable later if needed.
 */
const VCPUS: Record<string, number> = {
  micro: 1,
  small: 1,
  medium: 2,
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '9xlarge': 36,
  '12xlarge': 48,
  '16xlarge': 64,
  '18xlarge': 72,
  '24xlarge': 96,
};

export function vcpusOf(instanceClass: string): number {
  const size = instanceClass.split('.')[2] ?? 'large';
  return VCPUS[size] ?? 2;
}

/** Rows per second an instance is planned to load in all: 5,000 per vCPU, a conservative figure for narrow OLTP rows. */
export function fullLoadRowsPerSecond(instanceClass: string): number {
  return 5000 * vcpusOf(instanceClass);
}

/**
 * DMS loads at most MaxFullLoadSubTasks tables or table segments at once, 8 by default ("Full-load task settings":
 * "MaxFullLoadSubTasks controls the number of tables or table segments to load in parallel"); a table is one
 * segment unless a parallel-load table-settings rule splits it ("Table and collection settings rules and
 * operations"). So one big table loads on one subtask however many vCPUs the class has.
 */
export const DEFAULT_MAX_FULL_LOAD_SUBTASKS = 8;
/** Rows per second one subtask is planned to load: a planning figure (unverified), like the per-vCPU rate. */
export const SUBTASK_ROWS_PER_SECOND = 10_000;

/** A per-subtask load rate measured on this pipeline, with how it was measured. */
export interface MeasuredLoadRate {
  rowsPerSecond: number;
  method: string;
}

export interface FullLoadEstimate {
  minutes: number;
  /** What bounds it: the largest table on its single subtask, or the instance's capacity. */
  boundBy: 'largest table' | 'instance';
  method: string;
}

/**
 * Minutes a full load of these tables takes on a class: the longer of the largest table on one subtask and all
 * rows at the instance's rate (capped by the subtasks that can run at once). A planning estimate, method stated.
 */
export function fullLoadEstimate(
  tableRows: number[],
  instanceClass: string,
  maxSubTasks = DEFAULT_MAX_FULL_LOAD_SUBTASKS,
  /** The pipeline's own previous loads (domain/loadHistory.ts): replaces the planning figure per subtask. */
  measured?: MeasuredLoadRate,
): FullLoadEstimate {
  const rows = tableRows.filter((r) => r > 0);
  const total = rows.reduce((sum, r) => sum + r, 0);
  const largest = rows.length ? Math.max(...rows) : 0;
  const capacity = fullLoadRowsPerSecond(instanceClass);
  const perSubtask = measured ? measured.rowsPerSecond : Math.min(SUBTASK_ROWS_PER_SECOND, capacity);
  const parallel = Math.min(capacity, Math.max(1, Math.min(maxSubTasks, rows.length)) * perSubtask);
  const tableSeconds = largest / perSubtask;
  const instanceSeconds = total / parallel;
  const boundBy = tableSeconds >= instanceSeconds ? 'largest table' : 'instance';
  return {
    minutes: Math.max(1, Math.ceil(Math.max(tableSeconds, instanceSeconds) / 60)),
    boundBy,
    method: `${rows.length} table(s), ${total} rows, largest ${largest}: one table per subtask at ${perSubtask} rows/s ${
      measured ? `(${measured.method})` : '(planning figure, unverified)'
    }, at most ${Math.min(maxSubTasks, Math.max(1, rows.length))} at once, ${capacity} rows/s for ${instanceClass} in all (planning figure, unverified)`,
  };
}

/** Minutes one table's full load takes on a class (one subtask). */
export function fullLoadMinutes(rows: number, instanceClass: string): number {
  return fullLoadEstimate([rows], instanceClass).minutes;
}

/** Rows past which a table's single-subtask load takes over an hour: the plan suggests a parallel-load rule. */
export const PARALLEL_LOAD_SUGGESTED_ROWS = SUBTASK_ROWS_PER_SECOND * 3600;

export function parallelLoadSuggestion(table: string, rows: number): string | undefined {
  if (rows < PARALLEL_LOAD_SUGGESTED_ROWS) return undefined;
  return `${table} has about ${rows} rows: its full load runs on one subtask (about ${Math.ceil(rows / SUBTASK_ROWS_PER_SECOND / 3600)} h at the planned rate), whatever the instance class; a parallel-load table-settings rule (type ranges or partitions-auto) splits it into segments loaded at once ("Table and collection settings rules and operations")`;
}
