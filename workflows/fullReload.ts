import { ApplicationFailure, executeChild, isCancellation, patched } from '@temporalio/workflow';
import type { TableFacts } from '../activities/sourceTables';
import { Failure } from '../contracts/failures';
import type { CdcAfterReloadCheck } from '../domain/cdcAfterReload';
import type { CallRecord } from '../domain/audit';
import type { PipelineConfig, SourceConfig } from '../domain/config';
import { type AfterChange, afterChange } from '../domain/describeLag';
import { TableStatSnapshot } from '../domain/dmsStates';
import {
  filtersRows,
  FullReloadPlan,
  GroupTables,
  PLAN_TABLES_LISTED,
  locateTables,
  planFullReload,
  ReloadTableFacts,
  ReloadTaskFacts,
  TaskReload,
} from '../domain/fullReload';
import {
  currentFilesNote,
  factsNote,
  finalizedMessage,
  finalizeExpiredMessage,
  finalizeGateNote,
  FullReloadReport,
  keptInQuarantineMessage,
  MovedFiles,
  planFinalize,
  quarantineNote,
  reloadGateNote,
  RolledBackTable,
  rolledBackMessage,
  rolledBackNote,
  TableVerification,
  verifyNote,
} from '../domain/fullReloadReport';
import { FullReloadInput, fullReloadInputSchema } from '../domain/inputs/fullReload';
import { mappingOf } from '../domain/onboarding';
import type { Plan } from '../domain/plan';
import { chooseReloadMethod, ReloadMethod } from '../domain/reloadMethod';
import { QuarantineLayout, quarantineLayout, quarantineRoot } from '../domain/quarantineLayout';
import { selectedTables } from '../domain/tableMappings';
import { formatTableName, TableName, toTableName } from '../domain/tableName';
import { checksumSpec, ChecksumComparison } from '../domain/verification';
import { actions, bulk, reads } from './engine/activityProxies';
import {
  compareWithSource,
  fullReloadPart,
  MoveDone,
  moveTableFiles,
  ReloadPartInput,
  ReloadPartResult,
  readTable,
  TableMove,
  TableReadings,
  verifyTable,
} from './fullReloadPart';
import { refuse, sourceForTable } from './engine/refusals';
import { errorMessage, Runbook, RunbookHalt, RunbookResult } from './engine/runbook';
import { RunbookOutcome, runRunbook } from './engine/runRunbook';
import { waiting, waitUntil } from './engine/waits';
import { consumedTable, Downstream, quarantineMoves } from './downstream';
import { ReloadUndo } from './fullReloadUndo';

export type { FullReloadReport, MovedFiles, TableVerification } from '../domain/fullReloadReport';

/**
 * Reloads tables whose files went wrong (an ENUM reorder, a lost range): quarantines their files, reloads them with
 * ReloadTables (or the whole task with reload-target), verifies counts and checksums against the source, and keeps
 * the result or rolls back at a person's word.
 *
 * The phases, in order, each a function below: readFacts → checkCurrentFiles → plan → (dry run or refusal ends
 * here) → gateReload → quarantine → startReloads → waitForReloads → verify → checkCdc → gateFinalize → finalize
 * or rollback. The words each phase shows are built in domain/fullReloadReport.ts.
 */
export async function fullReload(input: FullReloadInput): Promise<RunbookResult<FullReloadReport>> {
  return runRunbook(
    {
      kind: 'fullReload',
      schema: fullReloadInputSchema,
      target: (i) => i.tables.join(','),
      steps: [
        ['facts', 'Find the tasks holding the tables: states, checkpoints, statistics, S3 inventory'],
        ['check-current', 'Compare the current files with the source (ENUM/SET distributions, checksums)'],
        ['plan', 'Plan the quarantine and the reload'],
        ['gate:reload', 'Approval: quarantine and reload'],
        ['quarantine', "Move the tables' files to the quarantine (task mode: stop the task first)"],
        ['reload', 'Reload (ReloadTables, or reload-target for the task)'],
        ['wait', 'Wait for every table to be reloaded'],
        ['verify', 'Verify counts and checksums against the source'],
        ['check-cdc', 'Check the CDC written after the reload: rows changed since, by primary key, against the source'],
        ['gate:finalize', 'Approval: keep the reload, or roll back'],
        ['finalize', 'Delete the quarantine, or roll back'],
      ],
    },
    input,
    async (runbook, i) => {
      const requested = i.tables.map(toTableName);
      for (const table of requested) sourceForTable(runbook.config, 'fullReload', 'tables', table);
      // ReloadTables keeps the definition DMS read before: a change to it needs reload-target (domain/reloadMethod.ts).
      const method = chooseReloadMethod(i.mode, requested, i.schemaDrift?.changes);
      const run: ReloadRun = { runbook, input: i, requested, mode: method.mode, report: newReport(i, requested, method) };
      const { report } = run;

      const facts = await readFacts(run);
      const currentFiles = await checkCurrentFiles(run, facts.tables);
      const planned = await plan(run, method, facts, currentFiles);
      report.reloaded = facts.tables.map((t) => formatTableName(t.table));
      // The lake's consumers of these tables (docs/downstream.md): none configured, no command.
      const consumed = facts.tables.map((t) => consumedTable(runbook.config, t.table, t.reloadFacts.taskIdentifier));
      const downstream = await Downstream.prepare(runbook, 'fullReload', consumed, {
        loadsInto: true,
        stepsAfter: { pause: 'gate:reload', rebuild: 'finalize' },
      });
      downstream?.show(planned.plan, 'the quarantine', planned.refusals);
      const early = endBeforeTheGate(run, planned);
      if (early) return early;

      const approved = await gateReload(run, planned, currentFiles);
      const tables = withLayouts(run, facts.tables, approved);
      const undo = new ReloadUndo(runbook, runbook.config.target.bucket);
      await downstream?.pause(quarantineMoves(tables.map((t) => t.layout)), 'full-load');
      const quarantined = await quarantine(run, approved, tables, undo);
      // From here on the old files wait in the quarantine: a failure must say where, and how to put them back.
      const kept = keptInQuarantine(
        runbook.config.target.bucket,
        quarantineRoot(runbook.workflowId),
        tables.map((t) => t.layout),
      );

      const started = await startReloads(run, approved, tables, undo, quarantined.startDates).catch(kept);
      const loadedRows = await waitForReloads(run, approved, started).catch(kept);
      const verification = await verify(run, tables, loadedRows).catch(kept);
      report.verification = verification;
      const cdcChecks = await checkCdc(run, tables, verification).catch(kept);
      report.cdcAfterReload = cdcChecks;
      report.verified = verification.every((v) => v.matches) && cdcChecks.every((c) => c.verdict === 'matches');

      const verdict = { quarantined: quarantined.moved, verification, cdcChecks };
      const decision = await gateFinalize(run, tables, verdict);
      const outcome = decision === 'approved' ? await finalize(run, verdict) : await rollback(run, tables, verdict);
      // The consumer rebuilds the tables from their live files, then resumes (docs/downstream.md).
      const rebuilt =
        decision === 'approved'
          ? await downstream?.finish('finalized')
          : await downstream?.finish(
              'rolled-back',
              quarantineMoves(
                tables.map((t) => t.layout),
                true,
              ),
            );
      return rebuilt ? { ...outcome, message: `${outcome.message}; ${rebuilt}` } : outcome;
    },
  );
}

/** What every phase reads: the runbook, its input, the tables asked for, the mode, and the report it fills in. */
interface ReloadRun {
  runbook: Runbook;
  input: FullReloadInput;
  requested: TableName[];
  mode: 'tables' | 'task';
  report: FullReloadReport;
  /** Past `thresholds.reloadTablesPerPart` tables, the per-table work runs in child workflows of that many (fullReloadPart.ts); set by readFacts. */
  partTables?: number;
}

/** One table to reload, as the facts found it. */
interface FactTable {
  table: TableName;
  source: SourceConfig;
  facts: TableFacts;
  reloadFacts: ReloadTableFacts;
}

/** One table to reload, with where the approved plan puts its files aside. */
interface ReloadTable extends FactTable {
  layout: QuarantineLayout;
}

interface Facts {
  tasks: ReloadTaskFacts[];
  tables: FactTable[];
}

/** What the finalize gate weighs: the files quarantined, the LOAD verification and the CDC check after it. */
interface Verdict {
  quarantined: MovedFiles[];
  verification: TableVerification[];
  cdcChecks: CdcAfterReloadCheck[];
}

type Outcome = RunbookOutcome<FullReloadReport>;

function newReport(i: FullReloadInput, requested: TableName[], method: ReloadMethod): FullReloadReport {
  return {
    mode: method.mode,
    method: { why: method.why, definitionChanges: method.definitionChanges.length },
    reason: i.reason,
    ticket: i.ticket,
    requested: requested.map(formatTableName),
    reloaded: [],
    tasks: [],
  };
}

/** The tables asked for (in task mode the task's other tables are reloaded too, but nothing says they were wrong). */
function asked<T extends { table: TableName }>(run: ReloadRun, tables: T[]): T[] {
  return tables.filter((t) => run.requested.some((r) => formatTableName(r) === formatTableName(t.table)));
}

/** 1. The tasks holding the tables (locked unless a dry run), their statistics, and each table's facts and files. */
async function readFacts(run: ReloadRun): Promise<Facts> {
  const { runbook, requested, mode } = run;
  const config = runbook.config;
  const facts = await runbook.step('facts', async () => {
    const involved = await locateInvolved(config, requested);
    // Task mode reloads every table of the task: each is quarantined and verified, not only those asked for.
    const reloadTables = mode === 'task' ? involved.flatMap((g) => g.tables) : requested;
    // Runs of at most that many tables never reach the marker, so their histories keep the work in the runbook
    // (a configuration loaded before the setting existed has none: no parts).
    const perPart = config.thresholds.reloadTablesPerPart as number | undefined;
    if (perPart !== undefined && reloadTables.length > perPart && patched('reload-table-parts')) run.partTables = perPart;
    const taskLocks = involved.map((g) => `task:${g.group.taskIdentifier}`);
    const tableLock = (t: TableName) => `table:${formatTableName(t)}`;
    if (mode === 'task' && patched('reload-whole-task-lock')) {
      // One lock per task, held whole: it stands for every table of the task, and runbooks that lock only a table
      // (a backfill) check it (activities/locks.ts, LockGuards). One lock workflow per table saturated the worker
      // at 2,000 tables (docs/performance.md).
      await runbook.lock(taskLocks, { wholeTasks: involved.map((g, k) => ({ task: taskLocks[k]!, tables: g.tables.map(tableLock) })) });
    } else {
      await runbook.lock([...reloadTables.map(tableLock), ...taskLocks]);
      // Runs in parts from before the whole-task lock: each table stays locked, but before each step only the task
      // locks and the tables asked for are reasserted, not thousands of locks.
      if (run.partTables !== undefined) runbook.reassertOnly([...taskLocks, ...requested.map(tableLock)]);
    }

    // In parts, each part reads its own tables' statistics (a whole task's is 648 KB at 2,000 tables).
    const partStats = run.partTables !== undefined && patched('reload-part-statistics');
    const [stats, instances] = await Promise.all([
      Promise.all(involved.map((g) => (partStats ? Promise.resolve([]) : reads.readTableStatistics({ taskArn: g.task!.arn })))),
      Promise.all(involved.map((g) => reads.findInstance({ identifier: g.group.instance }))),
    ]);
    const tasks: ReloadTaskFacts[] = involved.map((g, k) => ({
      task: g.task!,
      group: g.group,
      instanceClass: instances[k]?.instanceClass ?? 'dms.r5.large',
      tables: g.tables,
    }));
    const placed = reloadTables.map((table) => {
      const holder = involved.find((g) => g.tables.some((t) => formatTableName(t) === formatTableName(table)))!;
      return { table, holder, source: sourceForTable(config, 'fullReload', 'tables', table) };
    });
    const readings = await perTable(run, 'facts', placed, {
      parallel: true,
      inline: (p) => readTable(config.target.folder, p.table, p.source.name),
      part: (chunk) => ({
        phase: 'facts',
        folder: config.target.folder,
        tables: chunk.map((p) => ({ table: p.table, source: p.source.name, ...(partStats ? { taskArn: p.holder.task!.arn } : {}) })),
      }),
      results: (r) => (r.phase === 'facts' ? r.readings : []),
    });
    const tables = placed.map((p, k) => factTable(p.table, p.source, p.holder, stats[involved.indexOf(p.holder)] ?? [], readings[k]!));
    for (const t of tables)
      if (!t.facts.exists) throw refuse(`${formatTableName(t.table)} does not exist on source ${t.source.name}: nothing to reload from`);
    const first = tasks[0]!.task;
    runbook.setDms({ task: first.identifier, status: first.status, stopReason: first.stopReason });
    runbook.note(
      'facts',
      factsNote(
        tasks,
        tables.map((t) => t.reloadFacts.inventory),
      ),
    );
    return { tasks, tables };
  });
  run.report.tasks = facts.tasks.map((t) => ({
    task: t.task.identifier,
    taskArn: t.task.arn,
    statusBefore: t.task.status,
    recoveryCheckpoint: t.task.recoveryCheckpoint ?? null,
  }));
  return facts;
}

/** The task group of each requested table, found in the tasks' mappings; a refusal names the tables it cannot place. */
async function locateInvolved(config: PipelineConfig, requested: TableName[]): Promise<GroupTables[]> {
  const found = await reads.findTasks({ identifiers: config.taskGroups.map((g) => g.taskIdentifier) });
  const sourceNames = [...new Set(config.taskGroups.map((g) => g.source))];
  const listed = await Promise.all(
    sourceNames.map((name) =>
      reads.listSourceTables({ source: name, schemas: config.sources.find((s) => s.name === name)?.schemas ?? [] }),
    ),
  );
  const sourceTables = new Map(sourceNames.map((name, k) => [name, listed[k]!]));
  const groups: GroupTables[] = config.taskGroups.map((group) => {
    const task = found[group.taskIdentifier] ?? null;
    const mapping = mappingOf(task);
    return { group, task, tables: mapping ? selectedTables(mapping, sourceTables.get(group.source) ?? []) : [] };
  });
  const located = locateTables(requested, groups);
  if (!located.ok) throw refuse(located.reasons.join('; '));
  return [...new Map([...located.byTable.values()].map((g) => [g.group.taskIdentifier, g])).values()];
}

/** One table's facts on the source and its files in the lake, with what the task and its statistics say of it. */
function factTable(
  table: TableName,
  source: SourceConfig,
  holder: GroupTables,
  stats: TableStatSnapshot[],
  readings: TableReadings,
): FactTable {
  const { facts, inventory } = readings;
  const reloadFacts: ReloadTableFacts = {
    table,
    taskIdentifier: holder.group.taskIdentifier,
    stat: readings.stat ?? stats.find((s) => s.schema === table.schema && s.table === table.table),
    inventory,
    rowEstimate: facts.rowEstimate,
    primaryKey: facts.primaryKey,
    filtered: filtersRows(mappingOf(holder.task), table),
  };
  return { table, source, facts, reloadFacts };
}

/**
 * Per-table work: in the runbook, as runs always did, or past `thresholds.reloadTablesPerPart` tables in child
 * workflows of that many tables each, one after the other (`<workflow id>-<label>-<n>`). `before` registers what a cancel must undo, for
 * each table in the runbook or for a whole part before its child starts.
 */
async function perTable<T, R>(
  run: ReloadRun,
  label: string,
  items: T[],
  work: {
    inline: (item: T) => Promise<R>;
    part: (chunk: T[]) => ReloadPartInput;
    results: (result: ReloadPartResult, chunk: T[]) => R[];
    before?: (chunk: T[]) => void;
    parallel?: boolean;
  },
): Promise<R[]> {
  const out: R[] = [];
  const size = run.partTables;
  if (size === undefined) {
    if (work.parallel)
      return Promise.all(
        items.map((item) => {
          work.before?.([item]);
          return work.inline(item);
        }),
      );
    for (const item of items) {
      work.before?.([item]);
      out.push(await work.inline(item));
    }
    return out;
  }
  for (let k = 0; k * size < items.length; k++) {
    const chunk = items.slice(k * size, (k + 1) * size);
    work.before?.(chunk);
    const result = await executeChild(fullReloadPart, {
      workflowId: `${run.runbook.workflowId}-${label}-${k + 1}`,
      args: [work.part(chunk)],
    });
    const got = work.results(result, chunk);
    if (got.length !== chunk.length) throw new Error(`part ${k + 1} of ${label} answered for ${got.length} of its ${chunk.length} tables`);
    out.push(...got);
  }
  return out;
}

/** One move of a table's files between two prefixes of its layout, resumable from its manifest. */
function moveOf(table: TableName, from: string, to: string, manifestKey: string, operation: string): TableMove {
  return { table, from, to, manifestKey, operation };
}

/** Each table's moves, in order (recorded in the audit as they end), through perTable; the files each moved. */
async function moves(
  run: ReloadRun,
  label: string,
  tables: ReloadTable[],
  work: { move: (t: ReloadTable) => TableMove[]; before?: (chunk: ReloadTable[]) => void },
): Promise<MovedFiles[][]> {
  const record = (done: MoveDone[]) => {
    run.runbook.record(done.map((d) => d.record));
    return done.map((d) => d.moved);
  };
  return perTable(run, label, tables, {
    inline: async (t) => {
      const moved: MovedFiles[] = [];
      for (const move of work.move(t)) moved.push(...record([await moveTableFiles(move)]));
      return moved;
    },
    part: (chunk) => ({ phase: 'moves', moves: chunk.flatMap(work.move) }),
    results: (r, chunk) => {
      if (r.phase !== 'moves') return [];
      // The child answers the chunk's moves in order: each table's few, one table after the other.
      const moved = record(r.done);
      let at = 0;
      return chunk.map((t) => {
        const count = work.move(t).length;
        at += count;
        return moved.slice(at - count, at);
      });
    },
    before: work.before,
  });
}

/** 2. The current files against the source: the evidence of what the reload repairs (when asked for). */
async function checkCurrentFiles(run: ReloadRun, tables: FactTable[]): Promise<ChecksumComparison[] | undefined> {
  const { runbook, input: i } = run;
  // Runs started before the opt-in keep the check they had by default, so their histories replay.
  const checkCurrent = i.checkCurrentFiles ?? !patched('current-files-check-opt-in');
  if (!checkCurrent) {
    runbook.skip(
      'check-current',
      i.checkCurrentFiles === false
        ? 'checkCurrentFiles is false'
        : 'not asked: checkCurrentFiles true compares the current files with the source before the gate (a full scan of each table on the source)',
    );
    return undefined;
  }
  const currentFiles = await runbook.step('check-current', async () => {
    const out: ChecksumComparison[] = [];
    for (const t of asked(run, tables))
      out.push(
        (await compareWithSource(runbook.config.target.folder, { table: t.table, source: t.source.name, facts: t.facts })).comparison,
      );
    runbook.note('check-current', currentFilesNote(out));
    return out;
  });
  run.report.currentFiles = currentFiles;
  return currentFiles;
}

/** 3. The plan: the quarantine layout, the reloads per task, and the refusals that stop it before any change. */
function plan(run: ReloadRun, method: ReloadMethod, facts: Facts, currentFiles: ChecksumComparison[] | undefined): Promise<FullReloadPlan> {
  const { runbook, input: i } = run;
  const config = runbook.config;
  return runbook.step('plan', () => {
    const result = planFullReload({
      workflowId: runbook.workflowId,
      bucket: config.target.bucket,
      folder: config.target.folder,
      mode: run.mode,
      method,
      reason: i.reason,
      ticket: i.ticket,
      schemaDrift: i.schemaDrift,
      requested: run.requested,
      tasks: facts.tasks,
      tables: facts.tables.map((t) => t.reloadFacts),
      currentFiles,
    });
    runbook.setPlan(result.plan);
    return Promise.resolve(result);
  });
}

/** A dry run ends after its plan (with the refusals it would meet); a refused plan fails before the gate. */
function endBeforeTheGate(run: ReloadRun, planned: FullReloadPlan): Outcome | undefined {
  const { runbook, report } = run;
  if (planned.refusals.length && !run.input.dryRun) throw refuse(planned.refusals.join('; '));
  if (!run.input.dryRun) return undefined;
  runbook.skipRest('dry run');
  if (planned.refusals.length) {
    report.refusals = planned.refusals;
    return {
      outcome: 'dry-run',
      message: `dry run: the reload would be refused: ${planned.refusals.join('; ')}; nothing was changed`,
      report,
    };
  }
  return { outcome: 'dry-run', message: `dry run: ${planned.plan.summary}; nothing was changed`, report };
}

/** What the runbook acts on after the reload gate, frozen with the plan shown there. */
type ReloadBasis = Omit<FullReloadPlan, 'plan'> & { plan?: Plan };

/** 4. The reload gate. The steps after it act from the plan frozen at the gate, the one approved (see Runbook.gate). */
async function gateReload(run: ReloadRun, planned: FullReloadPlan, currentFiles: ChecksumComparison[] | undefined): Promise<ReloadBasis> {
  const note = reloadGateNote(run.input, planned.plan, currentFiles);
  // Past PLAN_TABLES_LISTED tables the basis frozen with the plan holds neither the plan again nor the quarantine
  // layouts, which follow from the run and each table's name (quarantineLayout): the frozen payload grows by a table
  // name and a load date per table instead of about 2 KB (docs/performance.md, "A task-mode reload of 2,000 tables").
  const slim = planned.quarantine.length > PLAN_TABLES_LISTED;
  const basis: ReloadBasis = slim
    ? { refusals: planned.refusals, reloads: planned.reloads, quarantine: [], loadStartedBefore: planned.loadStartedBefore }
    : planned;
  const { basis: approved } = await run.runbook.gateStep('reload', planned.plan, note, basis);
  return approved;
}

/**
 * Each table with its layout in the approved plan (the plan lists them in the order of the facts), or, for a basis
 * frozen without them, the layout of the run and table, which must lie under the run's quarantine root.
 */
function withLayouts(run: ReloadRun, tables: FactTable[], approved: ReloadBasis): ReloadTable[] {
  const { workflowId, config } = run.runbook;
  const root = quarantineRoot(workflowId);
  return tables.map((t, k) => {
    const layout = approved.quarantine.length ? approved.quarantine[k] : quarantineLayout(workflowId, config.target.folder, t.table);
    if (!layout?.quarantinePrefix.startsWith(root))
      throw new Error(`the approved plan has no quarantine layout under ${root} for ${formatTableName(t.table)}`);
    return { ...t, layout };
  });
}

/** 5. Stops the tasks that reload-target needs stopped, then moves every table's files to the quarantine. */
async function quarantine(
  run: ReloadRun,
  approved: ReloadBasis,
  tables: ReloadTable[],
  undo: ReloadUndo,
): Promise<{ moved: MovedFiles[]; startDates: Map<string, string | null> }> {
  const { runbook } = run;
  const startDates = new Map<string, string | null>(approved.reloads.map((r) => [r.taskArn, r.previousStartDate]));
  const moved = await runbook.step('quarantine', async () => {
    for (const reload of approved.reloads.filter((r) => r.stopFirst)) {
      const resume = undo.stopping({ arn: reload.taskArn, identifier: reload.taskIdentifier });
      startDates.set(reload.taskArn, await stopTask(runbook, reload, resume.stopMade));
    }
    const done = await moves(run, 'quarantine', tables, {
      move: ({ table, layout }) => [
        moveOf(table, layout.tablePrefix, layout.quarantinePrefix, layout.manifests.quarantine, 'QuarantineTableFiles'),
      ],
      before: (chunk) => chunk.forEach((t) => undo.quarantining(t.layout)),
    });
    const out = done.map(([moved]) => moved!);
    runbook.note('quarantine', quarantineNote(out, runbook.workflowId));
    return out;
  });
  run.report.quarantine = { root: `s3://${runbook.config.target.bucket}/${quarantineRoot(runbook.workflowId)}`, tables: moved };
  return { moved, startDates };
}

/** 6. Starts every task's reload; returns, per task ARN, the reload-target start that Describe may not show yet. */
async function startReloads(
  run: ReloadRun,
  approved: ReloadBasis,
  tables: ReloadTable[],
  undo: ReloadUndo,
  startDates: Map<string, string | null>,
): Promise<Map<string, AfterChange>> {
  const { runbook, mode } = run;
  const started = new Map<string, AfterChange>();
  await runbook.step('reload', async () => {
    undo.reloadStarting(tables.map((t) => t.layout));
    for (const reload of approved.reloads) {
      const previousStartDate = startDates.get(reload.taskArn) ?? null;
      await startReload(runbook, reload, approved, mode, previousStartDate);
      undo.started(reload.taskArn);
      // A reload-target start that Describe may not show yet (domain/describeLag.ts).
      if (mode !== 'tables')
        started.set(reload.taskArn, afterChange({ kind: 'task-started', previousStartDate }, runbook.config.waits.describeLagSeconds));
    }
  });
  return started;
}

/** 7. Waits until every table is reloaded; returns the rows DMS loaded into each (`schema.table`), as it reports them then. */
function waitForReloads(run: ReloadRun, approved: ReloadBasis, started: Map<string, AfterChange>): Promise<Record<string, number>> {
  const { runbook } = run;
  const config = runbook.config;
  return runbook.step('wait', async () => {
    const all: Record<string, number> = {};
    const wait = waiting(config, config.waits.fullLoadHours * 60);
    for (const reload of approved.reloads) {
      const result = await waitUntil(
        `${reload.tables.map(formatTableName).join(', ')} reloaded by task ${reload.taskIdentifier}`,
        config.waits.fullLoadHours * 60,
        () =>
          wait.waitForReload({
            taskArn: reload.taskArn,
            tables: reload.tables.map((t) => ({ ...t, loadStartedBefore: approved.loadStartedBefore[formatTableName(t)] ?? null })),
            after: started.get(reload.taskArn),
          }),
      );
      runbook.setDms({ task: result.task.identifier, status: result.task.status, tablesLoaded: result.task.tablesLoaded });
      // Histories from before the counts-only answer carry the task's statistics.
      Object.assign(all, result.fullLoadRows ?? Object.fromEntries((result.stats ?? []).map((s) => [formatTableName(s), s.fullLoadRows])));
    }
    return all;
  });
}

/** 8. Counts (DMS, LOAD file footers), key checksums and distributions of every reloaded table against the source. */
function verify(run: ReloadRun, tables: ReloadTable[], fullLoadRows: Record<string, number>): Promise<TableVerification[]> {
  const { runbook } = run;
  return runbook.step('verify', async () => {
    const folder = runbook.config.target.folder;
    const items = tables.map((t) => ({
      table: t.table,
      source: t.source.name,
      facts: { primaryKey: t.facts.primaryKey, columns: t.facts.columns },
      prefix: t.layout.tablePrefix,
      dmsFullLoadRows: fullLoadRows[formatTableName(t.table)] ?? 0,
    }));
    const out = await perTable(run, 'verify', items, {
      inline: (t) => verifyTable(folder, t),
      part: (chunk) => ({ phase: 'verify', folder, tables: chunk }),
      results: (r) => (r.phase === 'verify' ? r.verification : []),
    });
    runbook.note('verify', verifyNote(out));
    return out;
  });
}

/** 9. The LOAD files cannot show whether DMS decodes changes with the right definition: check the CDC after them. */
function checkCdc(run: ReloadRun, tables: ReloadTable[], verification: TableVerification[]): Promise<CdcAfterReloadCheck[]> {
  const { runbook, input: i } = run;
  const config = runbook.config;
  return runbook.step('check-cdc', async () => {
    const out: CdcAfterReloadCheck[] = [];
    // A failed LOAD verification already recommends rejecting: no point waiting for changes to judge CDC too.
    const waitMinutes = verification.every((v) => v.matches) ? config.waits.cdcCheckMinutes : 0;
    const deadline = Date.now() + waitMinutes * 60_000;
    // The tables asked for: in task mode the task's other tables are reloaded too, but nothing says their CDC was
    // wrong, and a quiet one would only ever be "not enough to judge".
    for (const t of asked(run, tables)) {
      const check = {
        source: t.source.name,
        table: t.table,
        prefix: t.layout.tablePrefix,
        spec: checksumSpec(formatTableName(t.table), t.facts.primaryKey, t.facts.columns),
        minRows: i.cdcCheckMinRows ?? 10,
      };
      const left = (deadline - Date.now()) / 60_000;
      let result: CdcAfterReloadCheck | undefined;
      if (left * 60 > config.waits.pollSeconds) {
        result = await waitUntil(`CDC written after the reload of ${check.spec.table}`, left, () =>
          waiting(config, left).checkCdcAfterReload({ ...check, wait: true }),
        ).catch((error: unknown) => {
          if (error instanceof ApplicationFailure && error.type === Failure.WaitDeadline) return undefined;
          throw error;
        });
      }
      out.push(result ?? (await reads.checkCdcAfterReload({ ...check, wait: false })));
    }
    runbook.note('check-cdc', out.map((c) => `${c.table}: ${c.verdict} — ${c.detail}`).join(' || '));
    return out;
  });
}

/** 10. Keep (delete the quarantine) or roll back. An expired gate leaves both in place and says where. */
async function gateFinalize(run: ReloadRun, tables: ReloadTable[], verdict: Verdict): Promise<'approved' | 'rejected'> {
  const { runbook } = run;
  const { quarantined, verification, cdcChecks } = verdict;
  const bucket = runbook.config.target.bucket;
  const layouts = tables.map((t) => t.layout);
  const compact = layouts.length > PLAN_TABLES_LISTED && patched('compact-finalize-plan');
  const finalizePlan = planFinalize(runbook.workflowId, bucket, quarantined, verification, layouts, cdcChecks, compact);
  try {
    return await runbook.decideStep('finalize', finalizePlan, finalizeGateNote(verification, cdcChecks));
  } catch (error) {
    if (error instanceof RunbookHalt && error.phase === 'expired')
      throw new RunbookHalt('expired', finalizeExpiredMessage(error.message, `s3://${bucket}/${quarantineRoot(runbook.workflowId)}`));
    throw error;
  }
}

/** 11a. Approved: the quarantine is deleted for good. */
async function finalize(run: ReloadRun, verdict: Verdict): Promise<Outcome> {
  const { runbook, report } = run;
  const deleted = await runbook.step('finalize', async () => {
    const prefix = quarantineRoot(runbook.workflowId);
    const record: CallRecord = await bulk.deletePrefix({ prefix, operation: 'DeleteQuarantine' });
    runbook.record(record);
    runbook.note('finalize', `quarantine deleted: ${record.detail}`);
    return { prefix, detail: record.detail };
  });
  report.finalize = { decision: 'approved', deleted };
  return { message: finalizedMessage(report, verdict.verification, verdict.cdcChecks, deleted.detail), report };
}

/** 11b. Rejected: per table, the reload's files move aside and the quarantined files return. */
async function rollback(run: ReloadRun, tables: ReloadTable[], { quarantined }: Verdict): Promise<Outcome> {
  const { runbook, report } = run;
  const rolledBack = await runbook.step('finalize', async () => {
    // Per table: the reload's files move aside, then the quarantined files return.
    const done = await moves(run, 'rollback', tables, {
      move: ({ table, layout }) => [
        moveOf(table, layout.tablePrefix, layout.rolledBackPrefix, layout.manifests.rollback, 'MoveReloadedFilesAside'),
        moveOf(table, layout.quarantinePrefix, layout.tablePrefix, layout.manifests.restore, 'RestoreQuarantinedFiles'),
      ],
    });
    const out: RolledBackTable[] = done.map(([removed, restored]) => {
      const before = quarantined.find((q) => q.table === restored!.table);
      return {
        table: restored!.table,
        removed: removed!,
        restored: restored!,
        restoredAsQuarantined: before !== undefined && before.objects === restored!.objects && before.bytes === restored!.bytes,
      };
    });
    runbook.note('finalize', rolledBackNote(out));
    return out;
  });
  report.finalize = { decision: 'rejected', rolledBack };
  return { outcome: 'rolled-back', message: rolledBackMessage(rolledBack, runbook.config.target.bucket), report };
}

/**
 * A failure after the quarantine (reload refused, a table in error, a verification that cannot run) leaves the old
 * files in the quarantine and the table's prefix with what the reload wrote so far: the message says so, with the
 * commands that put the old files back. A cancellation passes through: the run's undo handles it.
 */
function keptInQuarantine(bucket: string, root: string, layouts: QuarantineLayout[]): (error: unknown) => never {
  return (error: unknown) => {
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(
      keptInQuarantineMessage(errorMessage(error), bucket, root, layouts),
      error instanceof ApplicationFailure ? error.type : Failure.ReloadFailed,
    );
  };
}

/** Stops a running task before its files are moved (task mode); returns its start date, to recognise a retried start. */
async function stopTask(runbook: Runbook, reload: TaskReload, made: () => void): Promise<string | null> {
  const config = runbook.config;
  runbook.record(await actions.stopTask({ taskArn: reload.taskArn }));
  made();
  const stopped = await waitUntil(`task ${reload.taskIdentifier} stopped`, config.waits.stateChangeMinutes, () =>
    waiting(config, config.waits.stateChangeMinutes).waitForTask({ taskArn: reload.taskArn, goal: 'stopped' }),
  );
  runbook.setDms({ task: stopped.identifier, status: stopped.status, stopReason: stopped.stopReason });
  return stopped.startDate ?? null;
}

/** Starts one task's reload: ReloadTables batches on the running task, or reload-target on the stopped task. */
async function startReload(
  runbook: Runbook,
  reload: TaskReload,
  planned: ReloadBasis,
  mode: 'tables' | 'task',
  previousStartDate: string | null,
): Promise<void> {
  if (mode === 'tables') {
    for (const [i, batch] of reload.batches.entries()) {
      // "You can reload up to 10 tables from a task" ("Reloading tables during a task"): whether tables still
      // reloading count is unverified, so a batch waits for the one before it to complete.
      if (i > 0) await waitForBatch(runbook.config, reload, reload.batches[i - 1]!, planned);
      runbook.record(
        await actions.reloadTables({
          taskArn: reload.taskArn,
          tables: batch,
          loadStartedBefore: Object.fromEntries(
            batch.map((t) => [formatTableName(t), planned.loadStartedBefore[formatTableName(t)] ?? null]),
          ),
        }),
      );
    }
    return;
  }
  runbook.record(await actions.startTask({ taskArn: reload.taskArn, startType: 'reload-target', previousStartDate }));
}

/** Waits until one ReloadTables batch of a task has reloaded (a table error fails it, as in the wait step). */
async function waitForBatch(config: PipelineConfig, reload: TaskReload, batch: TableName[], planned: ReloadBasis): Promise<void> {
  const minutes = config.waits.fullLoadHours * 60;
  await waitUntil(
    `${batch.map(formatTableName).join(', ')} reloaded by task ${reload.taskIdentifier} before its next ReloadTables call`,
    minutes,
    () =>
      waiting(config, minutes).waitForReload({
        taskArn: reload.taskArn,
        tables: batch.map((t) => ({ ...t, loadStartedBefore: planned.loadStartedBefore[formatTableName(t)] ?? null })),
      }),
  );
}
