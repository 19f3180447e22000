import type { TaskRecord, TaskStats } from './emulatorState';

/** ReplicationTaskStats derived from the task's tables and run: recomputed by the engine at every tick. */

export function emptyStats(): TaskStats {
  return { fullLoadProgressPercent: 0, elapsedTimeMillis: 0, tablesLoaded: 0, tablesLoading: 0, tablesQueued: 0, tablesErrored: 0 };
}

export const LOADING_STATES = new Set(['Full load', 'Table is being reloaded']);
/** States a table's load ends in: the full load is over for it (`Table does not exist`: dropped on the source). */
export const LOAD_ENDED_STATES = new Set(['Table completed', 'Table error', 'Table does not exist']);

/** Share of the planned rows loaded, by emulated time; capped at 99 until the real load of a table is written. */
export function fullLoadPercent(task: TaskRecord, now: number): number {
  const keys = task.run?.loading ?? [];
  if (keys.length === 0) return task.stats.fullLoadProgressPercent;
  let total = 0;
  let done = 0;
  for (const key of keys) {
    const table = task.tables[key];
    if (!table) continue;
    const weight = Math.max(table.plannedRows, 1);
    total += weight;
    if (LOAD_ENDED_STATES.has(table.state)) done += weight;
    else if (table.plannedStart !== undefined && table.plannedEnd !== undefined && now > table.plannedStart) {
      const fraction = Math.min(1, (now - table.plannedStart) / Math.max(table.plannedEnd - table.plannedStart, 1));
      done += weight * Math.min(fraction, 0.99);
    }
  }
  return total === 0 ? 100 : Math.floor((100 * done) / total);
}

export function refreshStats(task: TaskRecord, now: number): void {
  const tables = Object.values(task.tables);
  task.stats.tablesLoaded = tables.filter((t) => t.state === 'Table completed').length;
  task.stats.tablesLoading = tables.filter((t) => LOADING_STATES.has(t.state)).length;
  task.stats.tablesQueued = tables.filter((t) => t.state === 'Before load').length;
  task.stats.tablesErrored = tables.filter((t) => t.state === 'Table error').length;
  const active = task.status === 'running' || task.status === 'starting' || task.status === 'stopping';
  const since = task.stats.startDate;
  task.stats.elapsedTimeMillis = Math.round(task.elapsedBeforeMs + (active && since !== undefined ? now - since : 0));
  if (task.run?.fullLoad && (task.status === 'running' || task.status === 'stopping')) {
    task.stats.fullLoadProgressPercent = fullLoadPercent(task, now);
  }
}
