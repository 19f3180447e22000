import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { log, ParentClosePolicy, patched, startChild, workflowInfo } from '@temporalio/workflow';
import type { SnapshotComparison } from '../activities/schemaSnapshots';
import { commitVerdict, DriftReloadStatus, driftReloadInput, PlannedDriftReload, planDriftReloads } from '../domain/driftReloads';
import { fullReloadInputSchema } from '../domain/inputs/fullReload';
import { SchemaDriftWatchInput, schemaDriftWatchInputSchema, SchemaDriftWatchParsed } from '../domain/inputs/schemaDriftWatch';
import { mappingOf } from '../domain/onboarding';
import { keySegment } from '../domain/keySegment';
import { describeDrift, Severity, TableDrift } from '../domain/schemaDrift';
import { selectedTables } from '../domain/tableMappings';
import { chooseReloadMethod } from '../domain/reloadMethod';
import { formatTableName, TableName, toTableName } from '../domain/tableName';
import { actions, reads } from './engine/activityProxies';
import { Runbook, RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { fullReload } from './fullReload';

export interface DriftReload {
  /** The fullReload's workflow id (started, or the one already pending for these tables). */
  workflowId: string;
  task: string;
  /** The unsafe tables it reloads (a task-mode reload names at most 1,000; its restart reloads every table of the task). */
  tables: string[];
  status: DriftReloadStatus;
  /** Split by the fullReload input limit: this child's part, of `parts`. */
  part?: number;
  parts?: number;
  detail: string;
}

/**
 * The result the doctor and operators read as "the last result of schemaDriftWatch": per table the changes and
 * their classification, and the reloads started (each waiting at its `reload` gate).
 */
export interface SchemaDriftReport {
  snapshot: {
    location: string;
    /** True on the first run (or a new snapshot prefix): nothing to compare with, the baseline is stored. */
    baseline: boolean;
    previous: { takenAt: string; takenBy: string } | null;
    tables: number;
    columns: number;
    stored: boolean;
    /** Why a snapshot taken was not stored: an unsafe table had no reload started or pending. */
    notStored?: string;
  };
  counts: Record<Severity, number>;
  /** Tables with changes, unsafe first. */
  changes: TableDrift[];
  newTables: string[];
  goneTables: string[];
  reloads: DriftReload[];
  /** Unsafe tables with no fullReload started or pending: the snapshot was not stored, the next run reports them again. */
  unsafeWithoutReload: string[];
}

const DEFAULT_PREFIX = (pipeline: string) => `_runbooks/schema-snapshots/${keySegment(pipeline)}`;

/**
 * Runs on a Temporal Schedule: snapshots the columns of every replicated table, compares with the previous snapshot
 * (stored in the target bucket), classifies each change, notifies, and for an unsafe change starts a fullReload of
 * the tables that waits for a person's approval. It never reloads anything by itself.
 */
export async function schemaDriftWatch(input: SchemaDriftWatchInput = {}): Promise<RunbookResult<SchemaDriftReport>> {
  return runRunbook(
    {
      kind: 'schemaDriftWatch',
      schema: schemaDriftWatchInputSchema,
      target: () => 'replicated-tables',
      steps: [
        ['tables', "Find the replicated tables (every task group's mapping)"],
        ['snapshot', 'Snapshot information_schema.COLUMNS and compare with the previous snapshot'],
        ['notify', 'Notify the changes that need a look'],
        ['reloads', 'Start a fullReload (waiting at its gate) for each unsafe change'],
        ['commit', 'Store the snapshot for the next run'],
      ],
    },
    input,
    async (runbook, i) => {
      const config = runbook.config;
      const prefix = i.snapshotPrefix ?? DEFAULT_PREFIX(config.name);
      const location = `s3://${config.target.bucket}/${prefix}/latest.json`;

      const { bySource, taskOf } = await runbook.step('tables', async () => {
        const found = await reads.findTasks({ identifiers: config.taskGroups.map((g) => g.taskIdentifier) });
        const sourceNames = [...new Set(config.taskGroups.map((g) => g.source))];
        const listed = await Promise.all(
          sourceNames.map((name) =>
            reads.listSourceTables({ source: name, schemas: config.sources.find((s) => s.name === name)?.schemas ?? [] }),
          ),
        );
        const bySource = new Map<string, TableName[]>();
        const taskOf = new Map<string, string>();
        config.taskGroups.forEach((group) => {
          const mapping = mappingOf(found[group.taskIdentifier] ?? null);
          if (!mapping) return;
          const tables = selectedTables(mapping, listed[sourceNames.indexOf(group.source)] ?? []);
          const known = bySource.get(group.source) ?? [];
          for (const table of tables) {
            const name = formatTableName(table);
            if (!taskOf.has(name)) known.push(table);
            taskOf.set(name, group.taskIdentifier);
          }
          bySource.set(group.source, known);
        });
        runbook.note('tables', `${taskOf.size} replicated tables in ${Object.values(found).filter(Boolean).length} tasks`);
        return { bySource, taskOf };
      });

      const comparison: SnapshotComparison = await runbook.step('snapshot', async () => {
        const result = await reads.compareSchemaSnapshot({
          prefix,
          runId: runbook.workflowId,
          sources: [...bySource].map(([source, tables]) => ({ source, tables })),
          store: !i.dryRun,
        });
        runbook.note(
          'snapshot',
          result.previous
            ? `${result.tables} tables compared with the snapshot of ${result.previous.takenAt}: ${result.diff.tables.length} changed`
            : `${result.tables} tables: no previous snapshot at ${location}, this one is the baseline`,
        );
        return result;
      });
      const { diff } = comparison;
      const counts: Record<Severity, number> = { safe: 0, review: 0, unsafe: 0 };
      for (const t of diff.tables) counts[t.severity]++;
      for (const t of diff.tables.filter((x) => x.severity === 'safe')) log.info('safe schema change', { change: describeDrift(t) });

      const worth = diff.tables.filter((t) => t.severity !== 'safe');
      if (worth.length === 0) runbook.skip('notify', diff.tables.length ? 'only safe changes (logged)' : 'no change');
      else
        await runbook.step('notify', () =>
          runbook.notify(
            'drift-detected',
            `Schema changes in replicated tables (snapshot ${location}):\n${worth.map((t) => `- ${describeDrift(t)}`).join('\n')}${counts.unsafe ? `\nUnsafe changes: ${i.startReloads === false ? 'startReloads is false, no reload is started: they are reported again until a fullReload covers them' : 'fullReload runs waiting for approval are started for them (see the result)'}.` : ''}`,
          ),
        );

      const unsafe = diff.tables.filter((t) => t.severity === 'unsafe');
      const reloads: DriftReload[] = [];
      // Runs started before it keep one child per task and commit whatever happened, so their histories replay.
      const everyTableCovered = unsafe.length > 0 && patched('drift-commit-needs-reloads');
      if (unsafe.length === 0) runbook.skip('reloads', 'no unsafe change');
      else
        await runbook.step('reloads', async () => {
          reloads.push(
            ...(everyTableCovered ? await driftReloads(runbook, i, unsafe, taskOf) : await reloadsPerTask(runbook, i, unsafe, taskOf)),
          );
          runbook.note('reloads', reloads.map((r) => `${r.workflowId}: ${r.status}`).join('; '));
        });

      // A stored snapshot is never compared again: an unsafe table with no reload would never be reported again.
      const verdict =
        everyTableCovered && !i.dryRun
          ? commitVerdict(
              unsafe.map((t) => t.table),
              reloads,
            )
          : ({ commit: true } as const);
      if (i.dryRun) runbook.skip('commit', 'dry run: the snapshot is not stored');
      else if (!verdict.commit) {
        runbook.record(await actions.discardSchemaSnapshot({ prefix, runId: runbook.workflowId }));
        runbook.skip('commit', verdict.why);
      } else
        await runbook.step('commit', async () => {
          runbook.record(await actions.commitSchemaSnapshot({ prefix, runId: runbook.workflowId }));
        });

      const report: SchemaDriftReport = {
        snapshot: {
          location,
          baseline: comparison.previous === null,
          previous: comparison.previous,
          tables: comparison.tables,
          columns: comparison.columns,
          stored: !i.dryRun && verdict.commit,
          ...(verdict.commit ? {} : { notStored: verdict.why }),
        },
        unsafeWithoutReload: verdict.commit ? [] : verdict.uncovered,
        counts,
        changes: diff.tables,
        newTables: diff.newTables,
        goneTables: diff.goneTables,
        reloads,
      };
      const started = reloads.filter((r) => r.status === 'started');
      const message =
        comparison.previous === null
          ? `baseline snapshot of ${comparison.tables} tables stored at ${location}`
          : diff.tables.length === 0
            ? `no schema change in ${comparison.tables} replicated tables`
            : `${diff.tables.length} table(s) changed: ${counts.unsafe} unsafe, ${counts.review} to review, ${counts.safe} safe${started.length ? `; fullReload waiting for approval: ${started.map((r) => r.workflowId).join(', ')}` : ''}${verdict.commit ? '' : `; snapshot not stored: ${verdict.uncovered.length} unsafe table(s) without a fullReload, reported again by the next run`}`;
      return { message, report };
    },
  );
}

type TaskOf = Map<string, string>;

/** One fullReload child waiting at its gate; `already-started` when an earlier attempt of this run started it. */
async function startDriftChild(runbook: Runbook, reload: PlannedDriftReload, summary: string): Promise<DriftReload> {
  const { workflowId, task, tables, mode, drifts, changes } = reload;
  try {
    await startChild(fullReload, {
      workflowId,
      taskQueue: workflowInfo().taskQueue,
      // The reload outlives this run: it waits at its gate for a person, however long that takes.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: summary,
      args: [driftReloadInput(runbook.workflowId, tables, mode, drifts, changes)],
    });
    return {
      workflowId,
      task,
      tables: reload.covers,
      status: 'started',
      detail: `waiting at its "reload" gate for approval; ${mode === 'task' ? `restarts task ${task} with reload-target (every table of the task is reloaded): ReloadTables keeps the old table definition` : 'ReloadTables on the running task'}`,
    };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { workflowId, task, tables: reload.covers, status: 'already-started', detail: 'started by an earlier attempt of this run' };
  }
}

/**
 * Since 'drift-commit-needs-reloads': every unsafe table gets a reload or is reported as having none. Tables a
 * running fullReload names are left to it (looked up with `startReloads: false` too, so a reload started by hand
 * counts); the others get children within fullReload's input limits (domain/driftReloads.ts). With `startReloads:
 * false` nothing is started, so the snapshot is kept back until a fullReload covers the tables.
 */
async function driftReloads(runbook: Runbook, i: SchemaDriftWatchParsed, unsafe: TableDrift[], taskOf: TaskOf): Promise<DriftReload[]> {
  const pending = i.dryRun ? [] : await reads.findRunningRunbooks({ kind: 'fullReload' });
  const plan = planDriftReloads({ watchId: runbook.workflowId, unsafe, taskOf: (t) => taskOf.get(t), pending });
  const reloads: DriftReload[] = plan.covered.map((c) => ({
    workflowId: c.workflowId,
    task: c.task,
    tables: c.tables,
    status: 'already-pending',
    detail: `fullReload ${c.workflowId} already covers these tables (step ${c.step}); it reloads with the current schema`,
  }));
  for (const child of plan.children) {
    const part = child.part ? { part: child.part, parts: child.parts } : {};
    const notStarted = (detail: string): DriftReload => ({ ...reloadOf(child), ...part, status: 'not-started', detail });
    if (i.dryRun) {
      reloads.push(notStarted('dry run'));
      continue;
    }
    if (i.startReloads === false) {
      reloads.push(
        notStarted(
          `startReloads is false: start a fullReload of these tables by hand (mode ${child.mode}); until one is running the snapshot is not stored and every run reports them again`,
        ),
      );
      continue;
    }
    // A child refusing its input would end at once and leave the tables without a reload: check it here first.
    const checked = fullReloadInputSchema.safeParse(
      driftReloadInput(runbook.workflowId, child.tables, child.mode, child.drifts, child.changes),
    );
    if (!checked.success) {
      const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
      reloads.push(
        notStarted(`the fullReload input for task ${child.task} is refused (${problems}): start a fullReload of these tables by hand`),
      );
      continue;
    }
    const shown = child.tables.slice(0, 5).join(', ') + (child.tables.length > 5 ? `, … (+${child.tables.length - 5} more)` : '');
    const summary = `fullReload ${shown} (schema drift${child.part ? `, part ${child.part} of ${child.parts}` : ''})`;
    const started = await startDriftChild(runbook, child, summary);
    const named =
      child.covers.length > child.tables.length
        ? `; names the first ${child.tables.length} of the ${child.covers.length} unsafe tables of task ${child.task} (the input's limit), the restart reloads the others too`
        : '';
    reloads.push({ ...started, ...part, detail: `${started.detail}${named}` });
  }
  return reloads;
}

const reloadOf = (child: PlannedDriftReload) => ({ workflowId: child.workflowId, task: child.task, tables: child.covers });

/** Before 'drift-commit-needs-reloads': one child per task naming every unsafe table of it. */
async function reloadsPerTask(runbook: Runbook, i: SchemaDriftWatchParsed, unsafe: TableDrift[], taskOf: TaskOf): Promise<DriftReload[]> {
  const reloads: DriftReload[] = [];
  const pending = i.dryRun || i.startReloads === false ? [] : await reads.findRunningRunbooks({ kind: 'fullReload' });
  const byTask = new Map<string, TableDrift[]>();
  for (const t of unsafe) {
    const task = taskOf.get(t.table) ?? 'unknown';
    byTask.set(task, [...(byTask.get(task) ?? []), t]);
  }
  for (const [task, drifts] of byTask) {
    const tables = drifts.map((d) => d.table);
    const workflowId = `fullReload-drift-${task}-${runbook.workflowId}`;
    if (i.dryRun || i.startReloads === false) {
      reloads.push({
        workflowId,
        task,
        tables,
        status: 'not-started',
        detail: i.dryRun ? 'dry run' : 'startReloads is false: start fullReload by hand',
      });
      continue;
    }
    const already = pending.find((p) => tables.every((t) => p.target.split(',').includes(t)));
    if (already) {
      reloads.push({
        workflowId: already.workflowId,
        task,
        tables,
        status: 'already-pending',
        detail: `fullReload ${already.workflowId} already covers these tables (step ${already.step}); it reloads with the current schema`,
      });
      continue;
    }
    const changes = drifts.flatMap((d) => d.changes).slice(0, 500);
    // Unsafe changes alter the definition ReloadTables would keep: reload-target (domain/reloadMethod.ts).
    const method = chooseReloadMethod(undefined, tables.map(toTableName), changes);
    const reload = { workflowId, task, tables, covers: tables, mode: method.mode, drifts, changes };
    reloads.push(await startDriftChild(runbook, reload, `fullReload ${tables.join(', ')} (schema drift)`));
  }
  return reloads;
}
