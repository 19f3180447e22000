import type { TaskGroupConfig } from './config';
import { describeTask, TableStatSnapshot, TaskSnapshot } from './dmsStates';
import { fullLoadEstimate } from './instanceClasses';
import { measuredLoadRate } from './loadHistory';
import { formatBytes, Plan, PlannedCall, PlannedPrefix } from './plan';
import { QuarantineLayout, quarantineLayout, quarantineRoot } from './quarantineLayout';
import type { ReloadMethod } from './reloadMethod';
import type { SchemaChange } from './schemaDrift';
import { selectionRules, TableMapping } from './tableMappingSchema';
import { formatTableName, TableName, tableMatches } from './tableName';
import type { ChecksumComparison } from './verification';

/** Pure decisions of the fullReload runbook: which task holds each table, and the plan that reloads them. */

/** DMS takes at most 10 tables per ReloadTables call. */
export const RELOAD_BATCH = 10;

export interface GroupTables {
  group: TaskGroupConfig;
  task: TaskSnapshot | null;
  /** The source tables its mapping selects. */
  tables: TableName[];
}

export type Location = { ok: true; byTable: Map<string, GroupTables> } | { ok: false; reasons: string[] };

/** The task that replicates each requested table: exactly one, or a refusal naming the table. */
export function locateTables(requested: TableName[], groups: GroupTables[]): Location {
  const byTable = new Map<string, GroupTables>();
  const reasons: string[] = [];
  for (const table of requested) {
    const name = formatTableName(table);
    const holders = groups.filter((g) => g.task && g.tables.some((t) => t.schema === table.schema && t.table === table.table));
    if (holders.length === 0) {
      reasons.push(`${name} is not replicated by any task of the configured task groups; onboard it with onboardTable first`);
    } else if (holders.length > 1) {
      reasons.push(
        `${name} is replicated by several tasks (${holders.map((h) => h.group.taskIdentifier).join(', ')}); a reload of one would leave the others' files mixed in — fix the mappings first`,
      );
    } else {
      byTable.set(name, holders[0]!);
    }
  }
  return reasons.length ? { ok: false, reasons } : { ok: true, byTable };
}

export function batchTables<T>(tables: T[], size = RELOAD_BATCH): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < tables.length; i += size) batches.push(tables.slice(i, i + size));
  return batches;
}

/** Whether the mapping filters the table's rows (then the files hold a subset of the source table). */
export function filtersRows(mapping: TableMapping | undefined, table: TableName): boolean {
  if (!mapping) return false;
  return selectionRules(mapping).some(
    (rule) =>
      rule['rule-action'] !== 'exclude' &&
      (rule.filters?.length ?? 0) > 0 &&
      tableMatches(`${rule['object-locator']['schema-name']}.${rule['object-locator']['table-name']}`, table),
  );
}

export interface ReloadTableFacts {
  table: TableName;
  taskIdentifier: string;
  stat?: TableStatSnapshot;
  inventory: { objects: number; bytes: number; partitions: number };
  rowEstimate: number;
  primaryKey: string[];
  filtered: boolean;
}

export interface ReloadTaskFacts {
  task: TaskSnapshot;
  group: TaskGroupConfig;
  instanceClass: string;
  /** Every table the task replicates (a reload-target reloads them all). */
  tables: TableName[];
}

export interface FullReloadFacts {
  workflowId: string;
  bucket: string;
  folder: string;
  mode: 'tables' | 'task';
  /** How the mode was chosen (domain/reloadMethod.ts); a refusal there refuses the plan. */
  method?: ReloadMethod;
  reason: string;
  ticket?: string;
  schemaDrift?: { detectedBy: string; changes: SchemaChange[] };
  requested: TableName[];
  tasks: ReloadTaskFacts[];
  /** Every table whose files are quarantined and reloaded (in task mode, all tables of the tasks). */
  tables: ReloadTableFacts[];
  currentFiles?: ChecksumComparison[];
}

export interface TaskReload {
  taskArn: string;
  taskIdentifier: string;
  /** Task mode: stop the running task first. */
  stopFirst: boolean;
  /** The task's start date before the reload, so a retried start is recognised (task mode). */
  previousStartDate: string | null;
  /** Tables mode: ReloadTables calls, ≤ 10 tables each. */
  batches: TableName[][];
  tables: TableName[];
}

export interface FullReloadPlan {
  plan: Plan;
  refusals: string[];
  reloads: TaskReload[];
  quarantine: QuarantineLayout[];
  /** `schema.table` → FullLoadStartTime before the reload (null when never loaded). */
  loadStartedBefore: Record<string, string | null>;
}

const RELOADING = new Set(['Before load', 'Full load', 'Table is being reloaded']);

function refusalsFor(facts: FullReloadFacts): string[] {
  const refusals: string[] = [];
  if (facts.method?.refusal) {
    const blast = facts.tasks.map((t) => `task ${t.task.identifier}: ${t.tables.map(formatTableName).join(', ')}`).join('; ');
    refusals.push(`${facts.method.refusal} (${blast})`);
  }
  for (const { task, tables } of facts.tasks) {
    if (task.migrationType === 'cdc') {
      refusals.push(
        `${describeTask(task)}: a cdc-only task has no full load to redo (ReloadTables and reload-target apply to full-load tasks); reload with a full-load-and-cdc task`,
      );
      continue;
    }
    if (!task.startDate) {
      refusals.push(`${describeTask(task)} and never ran: there is nothing to reload; start the task instead`);
      continue;
    }
    if (facts.mode === 'tables' && task.status !== 'running') {
      refusals.push(
        `ReloadTables needs a running task, and ${describeTask(task)}. Resume the task first (then run fullReload again), or run fullReload with "mode": "task" to stop it and restart it with reload-target, which reloads every table of the task (${tables.map(formatTableName).join(', ')})`,
      );
    }
    if (facts.mode === 'task' && !['running', 'stopped', 'failed'].includes(task.status)) {
      refusals.push(`${describeTask(task)}: wait until it is running, stopped or failed, then run fullReload again`);
    }
  }
  for (const t of facts.tables) {
    if (t.stat && RELOADING.has(t.stat.state)) {
      refusals.push(
        `${formatTableName(t.table)} is already loading in task ${t.taskIdentifier} ("${t.stat.state}"); wait until it is "Table completed" and run fullReload again`,
      );
    }
  }
  return refusals;
}

/** Tables a plan names one by one; past this, it gives counts and the first names (see planFullReload). */
export const PLAN_TABLES_LISTED = 20;

/** The first names of a long list, and how many more. */
/** The first ten names, then how many more. */
export function listed(names: string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

/** Turns the facts into the plan shown at the `reload` gate: moves, DMS calls, the finalize choice. */
export function planFullReload(facts: FullReloadFacts): FullReloadPlan {
  const refusals = refusalsFor(facts);
  const calls: PlannedCall[] = [];
  const prefixes: PlannedPrefix[] = [];
  const warnings: string[] = [];
  const quarantine = facts.tables.map((t) => quarantineLayout(facts.workflowId, facts.folder, t.table));
  const root = quarantineRoot(facts.workflowId);

  const reloads: TaskReload[] = facts.tasks.map(({ task, tables }) => {
    const mine = facts.tables.filter((t) => t.taskIdentifier === task.identifier).map((t) => t.table);
    if (facts.mode === 'tables') {
      return {
        taskArn: task.arn,
        taskIdentifier: task.identifier,
        stopFirst: false,
        previousStartDate: task.startDate ?? null,
        batches: batchTables(mine),
        tables: mine,
      };
    }
    const stopFirst = task.status === 'running';
    // A stopped or failed task starts from its current start date; a running one from the date seen once stopped.
    return {
      taskArn: task.arn,
      taskIdentifier: task.identifier,
      stopFirst,
      previousStartDate: task.startDate ?? null,
      batches: [],
      tables,
    };
  });

  // Task mode stops the task before the move: a stopped task writes no file while its files are moved aside.
  for (const reload of reloads.filter((r) => r.stopFirst)) {
    calls.push({
      service: 'dms',
      operation: 'StopReplicationTask',
      params: { ReplicationTaskArn: reload.taskArn },
      why: 'reload-target starts a stopped task, and a stopped task writes nothing while its files move; CDC of every table of the task pauses until it restarts',
    });
  }
  // Past PLAN_TABLES_LISTED tables the plan says the same per table once, with counts and a few names: a plan of
  // thousands of per-table lines is read by nobody and would not fit in a history payload (docs/performance.md).
  const compact = facts.tables.length > PLAN_TABLES_LISTED;
  if (compact) {
    const objects = facts.tables.reduce((sum, t) => sum + t.inventory.objects, 0);
    const bytes = facts.tables.reduce((sum, t) => sum + t.inventory.bytes, 0);
    calls.push({
      service: 's3',
      operation: 'QuarantineTableFiles',
      params: {
        tables: quarantine.length,
        from: `${facts.folder ? `${facts.folder}/` : ''}<schema>/<table>/`,
        to: `${root}<schema>/<table>/`,
        manifests: `${root}_manifests/`,
      },
      why: `move the ${objects} files of ${quarantine.length} tables aside, one table after the other, before DMS drops its full-load files; readers stop seeing them, and a rollback puts them back`,
    });
    prefixes.push({ prefix: facts.folder ? `${facts.folder}/` : '', action: 'move-to-quarantine', objects, bytes });
    prefixes.push({ prefix: root, action: 'write', objects, bytes });
    const named = (tables: ReloadTableFacts[]) => listed(tables.map((t) => formatTableName(t.table)));
    const empty = facts.tables.filter((t) => t.inventory.objects === 0);
    if (empty.length) warnings.push(`tables without files (${empty.length}: ${named(empty)}): nothing to quarantine for them`);
    const keyless = facts.tables.filter((t) => t.primaryKey.length === 0);
    if (keyless.length)
      warnings.push(
        `tables without a primary key (${keyless.length}: ${named(keyless)}): their verification compares counts and ENUM/SET distributions only`,
      );
    const filtered = facts.tables.filter((t) => t.filtered);
    if (filtered.length)
      warnings.push(
        `the mappings filter the rows of some tables (${filtered.length}: ${named(filtered)}): their files hold a subset of the source table, and the verification (which compares with the whole table) will report the difference`,
      );
  }
  quarantine.forEach((layout, i) => {
    if (compact) return;
    const t = facts.tables[i]!;
    calls.push({
      service: 's3',
      operation: 'QuarantineTableFiles',
      params: { from: layout.tablePrefix, to: layout.quarantinePrefix, manifest: layout.manifests.quarantine },
      why: `move ${formatTableName(t.table)}'s ${t.inventory.objects} files aside before DMS drops its full-load files; readers stop seeing them, and a rollback puts them back`,
    });
    prefixes.push({ prefix: layout.tablePrefix, action: 'move-to-quarantine', objects: t.inventory.objects, bytes: t.inventory.bytes });
    prefixes.push({ prefix: layout.quarantinePrefix, action: 'write', objects: t.inventory.objects, bytes: t.inventory.bytes });
    if (t.inventory.objects === 0)
      warnings.push(`${formatTableName(t.table)} has no files under ${layout.tablePrefix}: nothing to quarantine`);
    if (t.primaryKey.length === 0)
      warnings.push(`${formatTableName(t.table)} has no primary key: the verification compares counts and ENUM/SET distributions only`);
    if (t.filtered)
      warnings.push(
        `the mapping of task ${t.taskIdentifier} filters the rows of ${formatTableName(t.table)}: its files hold a subset of the source table, and the verification (which compares with the whole table) will report the difference`,
      );
  });

  for (const reload of reloads) {
    if (facts.mode === 'tables') {
      reload.batches.forEach((batch, i) => {
        calls.push({
          service: 'dms',
          operation: 'ReloadTables',
          params: {
            ReplicationTaskArn: reload.taskArn,
            TablesToReload: batch.map((t) => ({ SchemaName: t.schema, TableName: t.table })),
            ReloadOption: 'data-reload',
          },
          why: `full-load ${batch.length} table${batch.length === 1 ? '' : 's'} again (call ${i + 1} of ${reload.batches.length}; DMS takes at most ${RELOAD_BATCH} per call); the task keeps running`,
        });
      });
    } else {
      calls.push({
        service: 'dms',
        operation: 'StartReplicationTask',
        params: { ReplicationTaskArn: reload.taskArn, StartReplicationTaskType: 'reload-target' },
        why: `full-load every table of task ${reload.taskIdentifier} again, then CDC from the restart`,
      });
      warnings.push(
        `mode "task" reloads every table of task ${reload.taskIdentifier}: ${compact ? `${reload.tables.length} tables, ${listed(reload.tables.map(formatTableName))}` : reload.tables.map(formatTableName).join(', ')} (all quarantined first; CDC of all of them pauses from the stop until the restart)`,
      );
    }
  }

  const totalBytes = facts.tables.reduce((sum, t) => sum + t.inventory.bytes, 0);
  const totalObjects = facts.tables.reduce((sum, t) => sum + t.inventory.objects, 0);
  calls.push({
    service: 's3',
    operation: 'DeleteQuarantine',
    params: { prefix: root },
    why: `only after the verification and the "finalize" gate: approve deletes the quarantine; reject rolls back (the reload's files move to ${root}_rolled-back/, the quarantined files return)`,
  });

  if (!facts.currentFiles)
    warnings.push(
      'the current files were not compared with the source (checkCurrentFiles: true does it before the gate, with a checksum scan of each table on the source): the plan does not show how wrong they are',
    );
  for (const comparison of facts.currentFiles ?? []) {
    if (!comparison.matches)
      warnings.push(
        `the current files of ${comparison.table} disagree with the source: ${comparison.findings.map((f) => f.detail).join(' | ')}`,
      );
  }

  const loadStartedBefore = Object.fromEntries(
    facts.tables.map((t) => [formatTableName(t.table), t.stat?.fullLoadStartTime ?? null] as const),
  );
  // Tasks load side by side; inside a task, tables load on their own subtasks (domain/instanceClasses.ts).
  // With the rate of the task's own previous loads when its tables have one (domain/loadHistory.ts).
  const tablesOf = (task: string) => facts.tables.filter((x) => x.taskIdentifier === task);
  const estimates = facts.tasks.map((t) => {
    const tables = tablesOf(t.task.identifier);
    const measured = measuredLoadRate(tables.map((x) => x.stat));
    const estimate = fullLoadEstimate(
      tables.map((x) => x.rowEstimate),
      t.instanceClass,
      undefined,
      measured,
    );
    return { task: t.task.identifier, measuredRowsPerSecond: measured?.rowsPerSecond, ...estimate };
  });
  const loadMinutes = estimates.reduce((max, e) => Math.max(max, e.minutes), 0);
  // Server-side copies: roughly 100 MB/s per move, at least a minute.
  const moveMinutes = Math.max(1, Math.ceil(totalBytes / (100 * 1024 * 1024) / 60));
  const names = facts.requested.map(formatTableName);
  const summary =
    facts.mode === 'tables'
      ? `quarantine ${totalObjects} files (${formatBytes(totalBytes)}) and reload ${names.join(', ')} with ReloadTables on task ${facts.tasks.map((t) => t.task.identifier).join(', ')}`
      : `quarantine ${totalObjects} files (${formatBytes(totalBytes)}) and restart task ${facts.tasks.map((t) => t.task.identifier).join(', ')} with reload-target (${facts.tables.length} tables)`;

  const plan: Plan = {
    summary: `${summary}. Reason: ${facts.reason}${facts.ticket ? ` (${facts.ticket})` : ''}`,
    calls,
    prefixes,
    expectedMinutes: moveMinutes + loadMinutes + (facts.mode === 'task' ? 4 : 2),
    warnings,
    details: {
      loadEstimates: estimates,
      reason: facts.reason,
      ticket: facts.ticket,
      mode: facts.mode,
      method: {
        mode: facts.mode,
        why: facts.method?.why ?? `"mode": "${facts.mode}" was asked`,
        blastRadius: (facts.mode === 'task'
          ? facts.tasks.map((t) => ({ task: t.task.identifier, tables: t.tables.map(formatTableName) }))
          : facts.tasks.map((t) => ({
              task: t.task.identifier,
              tables: facts.tables.filter((x) => x.taskIdentifier === t.task.identifier).map((x) => formatTableName(x.table)),
            }))
        ).map((b) => (compact ? { task: b.task, tableCount: b.tables.length, tables: b.tables.slice(0, PLAN_TABLES_LISTED) } : b)),
      },
      affectedBytes: totalBytes,
      affectedObjects: totalObjects,
      /** Source rows per table (estimates), which a composite resize sizes the full load with. */
      tableRows: facts.tables.map((t) => t.rowEstimate),
      quarantineRoot: `s3://${facts.bucket}/${root}`,
      ...(compact ? { tablesListed: `the first ${PLAN_TABLES_LISTED} of ${facts.tables.length}; the report lists every table` } : {}),
      tables: facts.tables.slice(0, compact ? PLAN_TABLES_LISTED : undefined).map((t) => ({
        table: formatTableName(t.table),
        task: t.taskIdentifier,
        state: t.stat?.state ?? 'no statistics',
        fullLoadRows: t.stat?.fullLoadRows,
        fullLoadStartTime: t.stat?.fullLoadStartTime ?? null,
        objects: t.inventory.objects,
        bytes: t.inventory.bytes,
        partitions: t.inventory.partitions,
      })),
      recoveryCheckpoints: Object.fromEntries(facts.tasks.map((t) => [t.task.identifier, t.task.recoveryCheckpoint ?? null])),
      ...(facts.schemaDrift ? { schemaDrift: facts.schemaDrift } : {}),
      ...(facts.currentFiles ? { currentFiles: facts.currentFiles } : {}),
    },
  };
  return { plan, refusals, reloads, quarantine, loadStartedBefore };
}
