import { FULL_RELOAD_MAX_TABLES, FULL_RELOAD_MAX_TABLES_TASK_MODE, FullReloadInput } from './inputs/fullReload';
import { chooseReloadMethod, type ReloadMode } from './reloadMethod';
import { describeDrift, type SchemaChange, type TableDrift } from './schemaDrift';
import { toTableName } from './tableName';

/**
 * The reloads schemaDriftWatch starts for its unsafe tables, and whether it may commit its snapshot.
 *
 * The watch's snapshot is what the next run compares with: once committed, a change is never reported again. So it
 * is committed only when every unsafe table has a fullReload started or already pending; otherwise the next run
 * reports the tables again (and, with `startReloads`, starts their reload).
 */

/** The schema changes one fullReload carries in its input (its schema allows 500). */
export const DRIFT_CHANGES_PER_RELOAD = 500;

/** A running fullReload, as the watch finds it (its target lists the tables it names, comma-separated). */
export interface PendingReload {
  workflowId: string;
  target: string;
  step: string;
}

/** One fullReload child to start for unsafe tables of one task. */
export interface PlannedDriftReload {
  workflowId: string;
  task: string;
  /** The tables named in its input. */
  tables: string[];
  mode: ReloadMode;
  /** The drifts of the tables named, and their changes as many as the input allows. */
  drifts: TableDrift[];
  changes: SchemaChange[];
  /** The unsafe tables it reloads: those named, and in task mode those beyond the names (the restart reloads them). */
  covers: string[];
  /** 1-based part number when the task's tables are split over several children. */
  part?: number;
  parts?: number;
}

/** Unsafe tables a running fullReload already names: none is started for them. */
export interface CoveredDrift {
  workflowId: string;
  task: string;
  tables: string[];
  step: string;
}

export interface DriftReloadPlan {
  covered: CoveredDrift[];
  children: PlannedDriftReload[];
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < items.length; k += size) out.push(items.slice(k, k + size));
  return out;
}

/**
 * The fullReload children for the unsafe tables, grouped by task. A table a running fullReload names is left to it.
 * Per task, the method is the one fullReload would choose for these changes (domain/reloadMethod.ts):
 * - `tables` (ReloadTables): each table named is reloaded by the run naming it, so the tables are split into
 *   children of at most FULL_RELOAD_MAX_TABLES, workflow ids `…-part-<n>` (deterministic: same order, same parts);
 * - `task` (reload-target): one child restarts the task once and reloads every table of it. Splitting it would
 *   restart the same task several times (each child holds the task's lock in turn), so the task gets one child
 *   naming up to FULL_RELOAD_MAX_TABLES_TASK_MODE tables; beyond that the others are reloaded by the same restart
 *   (reload-target reloads every table of the task) and the child names the first ones only.
 * One task, one part: the workflow id stays `fullReload-drift-<task>-<watch id>` as before.
 */
export function planDriftReloads(input: {
  watchId: string;
  unsafe: TableDrift[];
  taskOf: (table: string) => string | undefined;
  pending: PendingReload[];
}): DriftReloadPlan {
  const byTask = new Map<string, TableDrift[]>();
  for (const drift of input.unsafe) {
    const task = input.taskOf(drift.table) ?? 'unknown';
    byTask.set(task, [...(byTask.get(task) ?? []), drift]);
  }
  const covered: CoveredDrift[] = [];
  const children: PlannedDriftReload[] = [];
  for (const [task, drifts] of byTask) {
    const open: TableDrift[] = [];
    for (const drift of drifts) {
      const holder = input.pending.find((p) => p.target.split(',').includes(drift.table));
      if (!holder) {
        open.push(drift);
        continue;
      }
      const entry = covered.find((c) => c.workflowId === holder.workflowId && c.task === task);
      if (entry) entry.tables.push(drift.table);
      else covered.push({ workflowId: holder.workflowId, task, tables: [drift.table], step: holder.step });
    }
    if (open.length === 0) continue;
    const allChanges = open.flatMap((d) => d.changes);
    const mode = chooseReloadMethod(
      undefined,
      open.map((d) => toTableName(d.table)),
      allChanges,
    ).mode;
    const parts = mode === 'task' ? [open.slice(0, FULL_RELOAD_MAX_TABLES_TASK_MODE)] : chunks(open, FULL_RELOAD_MAX_TABLES);
    const base = `fullReload-drift-${task}-${input.watchId}`;
    parts.forEach((part, k) => {
      children.push({
        workflowId: parts.length > 1 ? `${base}-part-${k + 1}` : base,
        task,
        tables: part.map((d) => d.table),
        mode,
        drifts: part,
        changes: part.flatMap((d) => d.changes).slice(0, DRIFT_CHANGES_PER_RELOAD),
        covers: (mode === 'task' ? open : part).map((d) => d.table),
        ...(parts.length > 1 ? { part: k + 1, parts: parts.length } : {}),
      });
    });
  }
  return { covered, children };
}

/** What a reload entry of the report says about its tables. */
export type DriftReloadStatus = 'started' | 'already-started' | 'already-pending' | 'not-started';

/** A reload that will reload its tables: started now, by an earlier attempt of this run, or pending from before. */
export const coversItsTables = (status: DriftReloadStatus): boolean => status !== 'not-started';

/**
 * Whether the watch may store its snapshot: only when each unsafe table is covered by a reload started or pending.
 * Otherwise the tables left without one and why the snapshot is kept back (for the step note and the report).
 */
export function commitVerdict(
  unsafe: string[],
  reloads: Array<{ tables: string[]; status: DriftReloadStatus; detail: string }>,
): { commit: true } | { commit: false; uncovered: string[]; why: string } {
  const covered = new Set(reloads.filter((r) => coversItsTables(r.status)).flatMap((r) => r.tables));
  const uncovered = unsafe.filter((t) => !covered.has(t));
  if (uncovered.length === 0) return { commit: true };
  const reasons = [...new Set(reloads.filter((r) => !coversItsTables(r.status)).map((r) => r.detail))];
  const shown = uncovered.slice(0, 20).join(', ') + (uncovered.length > 20 ? `, … (+${uncovered.length - 20} more)` : '');
  return {
    commit: false,
    uncovered,
    why:
      `snapshot not stored: ${uncovered.length} unsafe table(s) have no fullReload started or pending (${shown})` +
      `${reasons.length ? `: ${reasons.join('; ')}` : ''}. The next run compares with the previous snapshot again and reports them again, until a fullReload covers them`,
  };
}

/** The most tables a drift-started fullReload scans (full-table checksums of the current files) before its gate. */
export const DRIFT_SCANS_BEFORE_GATE = 20;

/** The input of a fullReload the watch starts (it waits at its gate for a person). */
export function driftReloadInput(
  detectedBy: string,
  tables: string[],
  mode: ReloadMode,
  drifts: TableDrift[],
  changes: SchemaChange[],
): FullReloadInput {
  return {
    tables,
    reason: `schema drift (unsafe): ${drifts.map(describeDrift).join('; ')}`.slice(0, 2000),
    mode,
    // The approver sees whether the live files are scrambled: the one case worth a scan before the gate, as long as
    // the scans are few. A reload of more tables leaves the source alone until its approved verification.
    checkCurrentFiles: tables.length <= DRIFT_SCANS_BEFORE_GATE,
    requestedBy: 'schemaDriftWatch',
    schemaDrift: { detectedBy, changes },
  };
}
