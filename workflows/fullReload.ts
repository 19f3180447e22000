import { ApplicationFailure, isCancellation, patched } from '@temporalio/workflow';
import type { LakeChecksums } from '../activities/tableChecksums';
import type { CdcAfterReloadCheck } from '../domain/cdcAfterReload';
import type { TableFacts } from '../activities/sourceTables';
import type { CallRecord } from '../domain/audit';
import type { PipelineConfig, SourceConfig } from '../domain/config';
import { type AfterChange, afterChange } from '../domain/describeLag';
import { TableStatSnapshot } from '../domain/dmsStates';
import {
  filtersRows,
  FullReloadPlan,
  GroupTables,
  locateTables,
  planFullReload,
  ReloadTableFacts,
  ReloadTaskFacts,
  TaskReload,
} from '../domain/fullReload';
import { FullReloadInput, fullReloadInputSchema } from '../domain/inputs/fullReload';
import { mappingOf } from '../domain/onboarding';
import { chooseReloadMethod } from '../domain/reloadMethod';
import { formatBytes, Plan } from '../domain/plan';
import { QuarantineLayout, quarantineRoot, tablePrefix } from '../domain/quarantineLayout';
import { selectedTables } from '../domain/tableMappings';
import { formatTableName, TableName, toTableName } from '../domain/tableName';
import { checksumSpec, ChecksumComparison, compareChecksums, describeComparison, TableChecksums } from '../domain/verification';
import { actions, bulk, reads } from './engine/activityProxies';
import { errorMessage, Runbook, RunbookHalt, RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { waiting, waitUntil } from './engine/waits';
import { consumedTable, Downstream, DOWNSTREAM_STEPS, quarantineMoves } from './downstream';
import { ReloadUndo } from './fullReloadUndo';

export interface TableVerification {
  table: string;
  sourceRows: number;
  dmsFullLoadRows: number;
  parquetLoadRows: number;
  parquetLoadFiles: number;
  /** Rows the files hold once CDC changes written since the reload are folded in. */
  fileRows: number;
  comparison: ChecksumComparison;
  matches: boolean;
}

export interface MovedFiles {
  table: string;
  from: string;
  to: string;
  objects: number;
  bytes: number;
  manifest: string;
}

export interface FullReloadReport {
  mode: 'tables' | 'task';
  /** Why this mode: chosen from the schema changes behind the reload when not asked for (domain/reloadMethod.ts). */
  method?: { why: string; definitionChanges: number };
  reason: string;
  ticket?: string;
  requested: string[];
  /** Every table reloaded (in task mode, all tables of the task). */
  reloaded: string[];
  tasks: Array<{ task: string; taskArn: string; statusBefore: string; recoveryCheckpoint: string | null }>;
  /** The current files compared with the source before the gate (what made the reload necessary, if anything). */
  currentFiles?: ChecksumComparison[];
  refusals?: string[];
  quarantine?: { root: string; tables: MovedFiles[] };
  verification?: TableVerification[];
  /** The CDC written after the reload against the source (what a LOAD-only verification cannot see). */
  cdcAfterReload?: CdcAfterReloadCheck[];
  /** LOAD verification passed and the CDC written after the reload was judged and agrees. */
  verified?: boolean;
  finalize?: {
    decision: 'approved' | 'rejected';
    /** Approved: the quarantine deleted. */
    deleted?: { prefix: string; detail: string };
    /** Rejected: per table, the reload's files moved aside and the quarantined files put back. */
    rolledBack?: Array<{ table: string; removed: MovedFiles; restored: MovedFiles; restoredAsQuarantined: boolean }>;
  };
}

const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'Refused');

interface TableContext {
  table: TableName;
  source: SourceConfig;
  facts: TableFacts;
  layout?: QuarantineLayout;
}

/**
 * Reloads tables whose files went wrong (an ENUM reorder, a lost range): quarantines their files, reloads them with
 * ReloadTables (or the whole task with reload-target), verifies counts and checksums against the source, and keeps
 * the result or rolls back at a person's word.
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
        DOWNSTREAM_STEPS[0]!,
        ['quarantine', "Move the tables' files to the quarantine (task mode: stop the task first)"],
        ['reload', 'Reload (ReloadTables, or reload-target for the task)'],
        ['wait', 'Wait for every table to be reloaded'],
        ['verify', 'Verify counts and checksums against the source'],
        ['check-cdc', 'Check the CDC written after the reload: rows changed since, by primary key, against the source'],
        ['gate:finalize', 'Approval: keep the reload, or roll back'],
        ['finalize', 'Delete the quarantine, or roll back'],
        DOWNSTREAM_STEPS[1]!,
      ],
    },
    input,
    async (runbook, i) => {
      const config = runbook.config;
      const requested = i.tables.map(toTableName);
      const sourceOf = (table: TableName): SourceConfig => {
        const source = config.sources.find((s) => s.schemas.includes(table.schema));
        if (!source)
          throw ApplicationFailure.nonRetryable(
            `invalid fullReload input: tables: schema "${table.schema}" of ${formatTableName(table)} belongs to no configured source (schemas: ${config.sources.flatMap((s) => s.schemas).join(', ')})`,
            'InvalidInput',
          );
        return source;
      };
      requested.forEach(sourceOf);
      // ReloadTables keeps the definition DMS read before: a change to it needs reload-target (domain/reloadMethod.ts).
      const method = chooseReloadMethod(i.mode, requested, i.schemaDrift?.changes);
      const report: FullReloadReport = {
        mode: method.mode,
        method: { why: method.why, definitionChanges: method.definitionChanges.length },
        reason: i.reason,
        ticket: i.ticket,
        requested: requested.map(formatTableName),
        reloaded: [],
        tasks: [],
      };
      const mode = report.mode;

      /** Source aggregates against the files' aggregates, for one table. */
      const verifyFiles = async (
        context: TableContext,
      ): Promise<{ source: TableChecksums; lake: LakeChecksums; comparison: ChecksumComparison }> => {
        const name = formatTableName(context.table);
        const spec = checksumSpec(name, context.facts.primaryKey, context.facts.columns);
        const [source, lake] = await Promise.all([
          bulk.sourceTableChecksums({ source: context.source.name, table: context.table, spec }),
          bulk.lakeTableChecksums({ prefix: tablePrefix(config.target.folder, context.table), spec }),
        ]);
        return { source, lake, comparison: compareChecksums(name, source, lake) };
      };

      // 1. Facts.
      const { tasks, tables } = await runbook.step('facts', async () => {
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
        const involved = [...new Map([...located.byTable.values()].map((g) => [g.group.taskIdentifier, g])).values()];
        // Task mode reloads every table of the task: each is quarantined and verified, not only those asked for.
        const reloadTables = mode === 'task' ? involved.flatMap((g) => g.tables) : requested;
        if (!i.dryRun)
          await runbook.lock([
            ...reloadTables.map((t) => `table:${formatTableName(t)}`),
            ...involved.map((g) => `task:${g.group.taskIdentifier}`),
          ]);

        const [stats, instances] = await Promise.all([
          Promise.all(involved.map((g) => reads.readTableStatistics({ taskArn: g.task!.arn }))),
          Promise.all(involved.map((g) => reads.findInstance({ identifier: g.group.instance }))),
        ]);
        const taskFacts: ReloadTaskFacts[] = involved.map((g, k) => ({
          task: g.task!,
          group: g.group,
          instanceClass: instances[k]?.instanceClass ?? 'dms.r5.large',
          tables: g.tables,
        }));
        const perTable = await Promise.all(
          reloadTables.map(async (table) => {
            const holder = involved.find((g) => g.tables.some((t) => formatTableName(t) === formatTableName(table)))!;
            const source = sourceOf(table);
            const prefix = tablePrefix(config.target.folder, table);
            const [facts, inventory] = await Promise.all([
              reads.readTableFacts({ source: source.name, table }),
              reads.inventoryPrefix({ prefix }),
            ]);
            const statList = stats[involved.indexOf(holder)] ?? [];
            const reloadFacts: ReloadTableFacts = {
              table,
              taskIdentifier: holder.group.taskIdentifier,
              stat: statList.find((s) => s.schema === table.schema && s.table === table.table),
              inventory: { objects: inventory.objects, bytes: inventory.bytes, partitions: Object.keys(inventory.partitions).length },
              rowEstimate: facts.rowEstimate,
              primaryKey: facts.primaryKey,
              filtered: filtersRows(mappingOf(holder.task), table),
            };
            const context: TableContext = { table, source, facts };
            return { reloadFacts, context };
          }),
        );
        for (const t of perTable)
          if (!t.context.facts.exists)
            throw refuse(`${formatTableName(t.context.table)} does not exist on source ${t.context.source.name}: nothing to reload from`);
        report.tasks = taskFacts.map((t) => ({
          task: t.task.identifier,
          taskArn: t.task.arn,
          statusBefore: t.task.status,
          recoveryCheckpoint: t.task.recoveryCheckpoint ?? null,
        }));
        const first = taskFacts[0]!.task;
        runbook.setDms({ task: first.identifier, status: first.status, stopReason: first.stopReason });
        runbook.note(
          'facts',
          `${perTable.length} table(s) in task ${taskFacts.map((t) => `${t.task.identifier} (${t.task.status})`).join(', ')}; ${perTable.reduce((s, t) => s + t.reloadFacts.inventory.objects, 0)} files, ${formatBytes(perTable.reduce((s, t) => s + t.reloadFacts.inventory.bytes, 0))}`,
        );
        return { tasks: taskFacts, tables: perTable };
      });

      // 2. The current files against the source: the evidence of what the reload repairs.
      let currentFiles: ChecksumComparison[] | undefined;
      // Runs started before the opt-in keep the check they had by default, so their histories replay.
      const checkCurrent = i.checkCurrentFiles ?? !patched('current-files-check-opt-in');
      if (!checkCurrent)
        runbook.skip(
          'check-current',
          i.checkCurrentFiles === false
            ? 'checkCurrentFiles is false'
            : 'not asked: checkCurrentFiles true compares the current files with the source before the gate (a full scan of each table on the source)',
        );
      else {
        currentFiles = await runbook.step('check-current', async () => {
          const out: ChecksumComparison[] = [];
          for (const { context } of tables.filter((t) => requested.some((r) => formatTableName(r) === formatTableName(t.context.table)))) {
            out.push((await verifyFiles(context)).comparison);
          }
          const bad = out.filter((c) => !c.matches);
          runbook.note(
            'check-current',
            bad.length
              ? `${bad.length} table(s) differ from the source: ${bad.map(describeComparison).join(' || ')}`
              : 'the current files match the source',
          );
          return out;
        });
        report.currentFiles = currentFiles;
      }

      // 3. Plan.
      let planned: FullReloadPlan = await runbook.step('plan', () => {
        const result = planFullReload({
          workflowId: runbook.workflowId,
          bucket: config.target.bucket,
          folder: config.target.folder,
          mode,
          method,
          reason: i.reason,
          ticket: i.ticket,
          schemaDrift: i.schemaDrift,
          requested,
          tasks,
          tables: tables.map((t) => t.reloadFacts),
          currentFiles,
        });
        runbook.setPlan(result.plan);
        return Promise.resolve(result);
      });
      tables.forEach((t, k) => (t.context.layout = planned.quarantine[k]));
      report.reloaded = tables.map((t) => formatTableName(t.context.table));
      // The lake's consumers of these tables (docs/downstream.md): none configured, no command.
      const consumed = tables.map((t) => consumedTable(config, t.context.table, t.reloadFacts.taskIdentifier));
      const downstream = await Downstream.prepare(runbook, 'fullReload', consumed, { loadsInto: true });
      downstream?.show(planned.plan, 'the quarantine', planned.refusals);

      if (planned.refusals.length) {
        if (i.dryRun) {
          for (const id of ['gate:reload', 'quarantine', 'reload', 'wait', 'verify', 'check-cdc', 'gate:finalize', 'finalize'])
            runbook.skip(id, 'dry run');
          report.refusals = planned.refusals;
          return {
            outcome: 'dry-run',
            message: `dry run: the reload would be refused: ${planned.refusals.join('; ')}; nothing was changed`,
            report,
          };
        }
        throw refuse(planned.refusals.join('; '));
      }
      if (i.dryRun) {
        for (const id of ['gate:reload', 'quarantine', 'reload', 'wait', 'verify', 'check-cdc', 'gate:finalize', 'finalize'])
          runbook.skip(id, 'dry run');
        return { outcome: 'dry-run', message: `dry run: ${planned.plan.summary}; nothing was changed`, report };
      }

      const driftNote = i.schemaDrift
        ? ` Schema drift detected by ${i.schemaDrift.detectedBy}: ${i.schemaDrift.changes.map((c) => `${c.table}${c.column ? `.${c.column}` : ''} ${c.kind}`).join(', ')}.`
        : '';
      const mismatched = (currentFiles ?? []).filter((c) => !c.matches);
      const { basis: approved } = await runbook.step('gate:reload', () =>
        runbook.gate(
          'reload',
          planned.plan,
          `Reason: ${i.reason}${i.ticket ? ` (${i.ticket})` : ''}. Affected: ${planned.plan.details.affectedObjects as number} files, ${formatBytes(planned.plan.details.affectedBytes as number)}.${driftNote}${mismatched.length ? ` The current files differ from the source: ${mismatched.map(describeComparison).join(' || ')}` : ''}`,
          planned,
        ),
      );
      // The steps below act from the plan frozen at the gate, the one approved (see Runbook.gate).
      planned = approved;
      tables.forEach((t, k) => (t.context.layout = planned.quarantine[k]));

      // 4. Quarantine, then reload.
      const startDates = new Map<string, string | null>(planned.reloads.map((r) => [r.taskArn, r.previousStartDate]));
      const undo = new ReloadUndo(runbook, config.target.bucket);
      await downstream?.pause(quarantineMoves(tables.map((t) => t.context.layout!)), 'full-load');
      const quarantined = await runbook.step('quarantine', async () => {
        for (const reload of planned.reloads.filter((r) => r.stopFirst)) {
          const resume = undo.stopping({ arn: reload.taskArn, identifier: reload.taskIdentifier });
          startDates.set(reload.taskArn, await stopTask(runbook, reload, resume.stopMade));
        }
        const moved: MovedFiles[] = [];
        for (const { context } of tables) {
          const layout = context.layout!;
          undo.quarantining(layout);
          const result = await bulk.moveObjects({
            from: layout.tablePrefix,
            to: layout.quarantinePrefix,
            manifestKey: layout.manifests.quarantine,
            operation: 'QuarantineTableFiles',
          });
          runbook.record(result.record);
          moved.push({
            table: formatTableName(context.table),
            from: layout.tablePrefix,
            to: layout.quarantinePrefix,
            objects: result.objects,
            bytes: result.bytes,
            manifest: result.manifestKey,
          });
        }
        runbook.note(
          'quarantine',
          `${moved.reduce((s, m) => s + m.objects, 0)} files (${formatBytes(moved.reduce((s, m) => s + m.bytes, 0))}) under ${quarantineRoot(runbook.workflowId)}`,
        );
        return moved;
      });
      report.quarantine = { root: `s3://${config.target.bucket}/${quarantineRoot(runbook.workflowId)}`, tables: quarantined };
      // From here on the old files wait in the quarantine: a failure must say where, and how to put them back.
      const quarantineKept = keptInQuarantine(
        config.target.bucket,
        quarantineRoot(runbook.workflowId),
        tables.map((t) => t.context.layout!),
      );

      const started = new Map<string, AfterChange>();
      await runbook
        .step('reload', async () => {
          undo.reloadStarting(tables.map((t) => t.context.layout!));
          for (const reload of planned.reloads) {
            const previousStartDate = startDates.get(reload.taskArn) ?? null;
            await startReload(runbook, reload, planned, mode, previousStartDate);
            undo.started(reload.taskArn);
            // A reload-target start that Describe may not show yet (domain/describeLag.ts).
            if (mode !== 'tables')
              started.set(reload.taskArn, afterChange({ kind: 'task-started', previousStartDate }, config.waits.describeLagSeconds));
          }
        })
        .catch(quarantineKept);

      const stats = await runbook
        .step('wait', async () => {
          const all: TableStatSnapshot[] = [];
          const wait = waiting(config, config.waits.fullLoadHours * 60);
          for (const reload of planned.reloads) {
            const result = await waitUntil(
              `${reload.tables.map(formatTableName).join(', ')} reloaded by task ${reload.taskIdentifier}`,
              config.waits.fullLoadHours * 60,
              () =>
                wait.waitForReload({
                  taskArn: reload.taskArn,
                  tables: reload.tables.map((t) => ({ ...t, loadStartedBefore: planned.loadStartedBefore[formatTableName(t)] ?? null })),
                  after: started.get(reload.taskArn),
                }),
            );
            runbook.setDms({ task: result.task.identifier, status: result.task.status, tablesLoaded: result.task.tablesLoaded });
            all.push(...result.stats);
          }
          return all;
        })
        .catch(quarantineKept);

      // 5. Verify.
      const verification = await runbook
        .step('verify', async () => {
          const out: TableVerification[] = [];
          for (const { context } of tables) {
            const { table } = context;
            const [files, parquet] = await Promise.all([
              verifyFiles(context),
              reads.countParquetRows({ prefix: context.layout!.tablePrefix, loadFilesOnly: true }),
            ]);
            const dmsRows = stats.find((s) => s.schema === table.schema && s.table === table.table)?.fullLoadRows ?? 0;
            const countsMatch = dmsRows === parquet.rows && parquet.problems.length === 0;
            const comparison: ChecksumComparison = countsMatch
              ? files.comparison
              : {
                  ...files.comparison,
                  matches: false,
                  findings: [
                    ...files.comparison.findings,
                    {
                      check: 'rows',
                      detail: `DMS FullLoadRows ${dmsRows}, LOAD file footers ${parquet.rows} rows in ${parquet.files} files${parquet.problems.length ? `; unreadable: ${parquet.problems.map((p) => p.key).join(', ')}` : ''}`,
                    },
                  ],
                };
            out.push({
              table: formatTableName(table),
              sourceRows: files.source.rows,
              dmsFullLoadRows: dmsRows,
              parquetLoadRows: parquet.rows,
              parquetLoadFiles: parquet.files,
              fileRows: files.lake.rows,
              comparison,
              matches: comparison.matches,
            });
          }
          const failed = out.filter((v) => !v.matches);
          runbook.note(
            'verify',
            failed.length
              ? `FAILED for ${failed.length} of ${out.length}: ${failed.map((v) => describeComparison(v.comparison)).join(' || ')}`
              : `${out.length} table(s): ${out.map((v) => `${v.table} ${v.sourceRows} rows`).join(', ')}; counts, key checksums and distributions match`,
          );
          return out;
        })
        .catch(quarantineKept);
      report.verification = verification;

      // 6. The LOAD files cannot show whether DMS decodes changes with the right definition: check the CDC after them.
      const cdcChecks = await runbook
        .step('check-cdc', async () => {
          const out: CdcAfterReloadCheck[] = [];
          // A failed LOAD verification already recommends rejecting: no point waiting for changes to judge CDC too.
          const waitMinutes = verification.every((v) => v.matches) ? config.waits.cdcCheckMinutes : 0;
          const deadline = Date.now() + waitMinutes * 60_000;
          // The tables asked for: in task mode the task's other tables are reloaded too, but nothing says their CDC was
          // wrong, and a quiet one would only ever be "not enough to judge".
          const asked = tables.filter((t) => requested.some((r) => formatTableName(r) === formatTableName(t.context.table)));
          for (const { context } of asked) {
            const check = {
              source: context.source.name,
              table: context.table,
              prefix: context.layout!.tablePrefix,
              spec: checksumSpec(formatTableName(context.table), context.facts.primaryKey, context.facts.columns),
              minRows: i.cdcCheckMinRows ?? 10,
            };
            const left = (deadline - Date.now()) / 60_000;
            let result: CdcAfterReloadCheck | undefined;
            if (left * 60 > config.waits.pollSeconds) {
              result = await waitUntil(`CDC written after the reload of ${check.spec.table}`, left, () =>
                waiting(config, left).checkCdcAfterReload({ ...check, wait: true }),
              ).catch((error: unknown) => {
                if (error instanceof ApplicationFailure && error.type === 'WaitDeadline') return undefined;
                throw error;
              });
            }
            out.push(result ?? (await reads.checkCdcAfterReload({ ...check, wait: false })));
          }
          runbook.note('check-cdc', out.map((c) => `${c.table}: ${c.verdict} — ${c.detail}`).join(' || '));
          return out;
        })
        .catch(quarantineKept);
      report.cdcAfterReload = cdcChecks;
      report.verified = verification.every((v) => v.matches) && cdcChecks.every((c) => c.verdict === 'matches');

      // 7. Finalize: keep (delete the quarantine) or roll back.
      const finalizePlan = planFinalize(runbook, config.target.bucket, quarantined, verification, tables, cdcChecks);
      const failures = verification.filter((v) => !v.matches);
      const cdcWrong = cdcChecks.filter((c) => c.verdict === 'mismatch');
      const cdcUnjudged = cdcChecks.filter((c) => c.verdict === 'not-enough-cdc' || c.verdict === 'cannot-check');
      const cdcNote = cdcUnjudged.length
        ? ` CDC written after the reload: NOT ENOUGH TO JUDGE for ${cdcUnjudged.map((c) => `${c.table} (${c.detail})`).join('; ')}. Do not finalize on the LOAD files alone: let changes arrive, then compare the files (CDC included) with the source by a dry run of fullReload for these tables (its check-current step; a dry run takes no lock), or reject.`
        : cdcChecks.length
          ? ` CDC written after the reload agrees with the source: ${cdcChecks.map((c) => `${c.table} ${c.compared} changed rows`).join(', ')}.`
          : '';
      const note =
        failures.length || cdcWrong.length
          ? `Verification FAILED: ${[...failures.map((v) => describeComparison(v.comparison)), ...cdcWrong.map((c) => `${c.table}: ${c.detail}`)].join(' || ')}. Recommended: reject to roll back (the reload's files move aside, the quarantined files return).${cdcNote}`
          : `Verification passed for ${verification.length} table(s).${cdcNote} Approve to delete the quarantine; reject to roll back.`;
      let decision: 'approved' | 'rejected';
      try {
        decision = await runbook.step('gate:finalize', () => runbook.decide('finalize', finalizePlan, note));
      } catch (error) {
        if (error instanceof RunbookHalt && error.phase === 'expired')
          throw new RunbookHalt(
            'expired',
            `${error.message}. The reloaded files stay in place and the quarantine is kept at ${report.quarantine.root}: roll back or delete it by hand (docs/runbooks/fullReload.md#rolling-back)`,
          );
        throw error;
      }

      if (decision === 'approved') {
        const deleted = await runbook.step('finalize', async () => {
          const prefix = quarantineRoot(runbook.workflowId);
          const record: CallRecord = await bulk.deletePrefix({ prefix, operation: 'DeleteQuarantine' });
          runbook.record(record);
          runbook.note('finalize', `quarantine deleted: ${record.detail}`);
          return { prefix, detail: record.detail };
        });
        report.finalize = { decision, deleted };
        const rebuilt = await downstream?.finish('finalized');
        return {
          message: `${report.reloaded.join(', ')} reloaded${
            report.verified
              ? ' and verified'
              : failures.length || cdcWrong.length
                ? ' (verification FAILED, kept by the approver)'
                : ' (LOAD files verified; the CDC written after the reload was not judged, kept by the approver)'
          }; quarantine deleted (${deleted.detail})${rebuilt ? `; ${rebuilt}` : ''}`,
          report,
        };
      }

      const rolledBack = await runbook.step('finalize', async () => {
        const out: NonNullable<NonNullable<FullReloadReport['finalize']>['rolledBack']> = [];
        for (const { context } of tables) {
          const layout = context.layout!;
          const name = formatTableName(context.table);
          const aside = await bulk.moveObjects({
            from: layout.tablePrefix,
            to: layout.rolledBackPrefix,
            manifestKey: layout.manifests.rollback,
            operation: 'MoveReloadedFilesAside',
          });
          runbook.record(aside.record);
          const back = await bulk.moveObjects({
            from: layout.quarantinePrefix,
            to: layout.tablePrefix,
            manifestKey: layout.manifests.restore,
            operation: 'RestoreQuarantinedFiles',
          });
          runbook.record(back.record);
          const before = quarantined.find((q) => q.table === name);
          out.push({
            table: name,
            removed: {
              table: name,
              from: layout.tablePrefix,
              to: layout.rolledBackPrefix,
              objects: aside.objects,
              bytes: aside.bytes,
              manifest: aside.manifestKey,
            },
            restored: {
              table: name,
              from: layout.quarantinePrefix,
              to: layout.tablePrefix,
              objects: back.objects,
              bytes: back.bytes,
              manifest: back.manifestKey,
            },
            restoredAsQuarantined: before !== undefined && before.objects === back.objects && before.bytes === back.bytes,
          });
        }
        runbook.note(
          'finalize',
          `rolled back: ${out.map((r) => `${r.table}: ${r.removed.objects} reloaded files moved aside, ${r.restored.objects} files restored`).join('; ')}`,
        );
        return out;
      });
      report.finalize = { decision, rolledBack };
      const rebuilt = await downstream?.finish(
        'rolled-back',
        quarantineMoves(
          tables.map((t) => t.context.layout!),
          true,
        ),
      );
      return {
        outcome: 'rolled-back',
        message: `rolled back ${rolledBack
          .map(
            (r) =>
              `${r.table}: removed ${r.removed.objects} reloaded files (${formatBytes(r.removed.bytes)}, moved to s3://${config.target.bucket}/${r.removed.to}), restored ${r.restored.objects} quarantined files (${formatBytes(r.restored.bytes)})`,
          )
          .join('; ')}. The task keeps running: DMS keeps writing CDC files for these tables${rebuilt ? `; ${rebuilt}` : ''}`,
        report,
      };
    },
  );
}

/**
 * A failure after the quarantine (reload refused, a table in error, a verification that cannot run) leaves the old
 * files in the quarantine and the table's prefix with what the reload wrote so far: the message says so, with the
 * commands that put the old files back.
 */
function keptInQuarantine(bucket: string, root: string, layouts: QuarantineLayout[]): (error: unknown) => never {
  return (error: unknown) => {
    if (isCancellation(error)) throw error;
    const commands = layouts.map(
      (l) =>
        `aws s3 mv --recursive s3://${bucket}/${l.tablePrefix} s3://${bucket}/${l.rolledBackPrefix} && aws s3 mv --recursive s3://${bucket}/${l.quarantinePrefix} s3://${bucket}/${l.tablePrefix}`,
    );
    throw ApplicationFailure.nonRetryable(
      `${errorMessage(error)}. The files from before the reload are kept in the quarantine at s3://${bucket}/${root} ` +
        `(every key and size in its _manifests/); the tables' prefixes hold what the reload wrote so far. Fix the cause and ` +
        `run fullReload again, or put the old files back by hand (docs/runbooks/fullReload.md#rolling-back):\n${commands.join('\n')}`,
      error instanceof ApplicationFailure ? error.type : 'ReloadFailed',
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
  planned: FullReloadPlan,
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
async function waitForBatch(config: PipelineConfig, reload: TaskReload, batch: TableName[], planned: FullReloadPlan): Promise<void> {
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

/** What the finalize gate shows: the quarantine to delete on approval, the rollback on rejection. */
function planFinalize(
  runbook: Runbook,
  bucket: string,
  quarantined: MovedFiles[],
  verification: TableVerification[],
  tables: Array<{ context: TableContext }>,
  cdcChecks: CdcAfterReloadCheck[],
): Plan {
  const root = quarantineRoot(runbook.workflowId);
  const objects = quarantined.reduce((s, q) => s + q.objects, 0);
  const bytes = quarantined.reduce((s, q) => s + q.bytes, 0);
  const failed = [
    ...verification.filter((v) => !v.matches),
    ...cdcChecks.filter((c) => c.verdict === 'mismatch').map((c) => ({ table: c.table })),
  ];
  const unjudged = cdcChecks.filter((c) => c.verdict === 'not-enough-cdc' || c.verdict === 'cannot-check');
  return {
    summary: failed.length
      ? `verification FAILED for ${failed.map((v) => v.table).join(', ')}: reject to roll back (recommended), or approve to keep the reloaded files and delete the quarantine (${objects} files, ${formatBytes(bytes)})`
      : unjudged.length
        ? `the LOAD files verify, but the CDC written after the reload cannot be judged yet for ${unjudged.map((c) => c.table).join(', ')}: do not finalize on the LOAD files alone; approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}), reject to roll back`
        : `verification passed (LOAD files and the CDC written after the reload): approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}); reject to roll back`,
    calls: [
      {
        service: 's3',
        operation: 'DeleteQuarantine',
        params: { prefix: root },
        why: `on approval: the quarantined files are deleted for good`,
      },
      ...tables.flatMap(({ context }) => [
        {
          service: 's3' as const,
          operation: 'MoveReloadedFilesAside',
          params: { from: context.layout!.tablePrefix, to: context.layout!.rolledBackPrefix },
          why: `on rejection: the reload's files of ${formatTableName(context.table)} leave the table's prefix (kept for inspection)`,
        },
        {
          service: 's3' as const,
          operation: 'RestoreQuarantinedFiles',
          params: { from: context.layout!.quarantinePrefix, to: context.layout!.tablePrefix },
          why: `on rejection: ${formatTableName(context.table)}'s files from before the reload return`,
        },
      ]),
    ],
    prefixes: [
      { prefix: root, action: 'delete', objects, bytes },
      ...quarantined.map((q) => ({ prefix: q.to, action: 'restore' as const, objects: q.objects, bytes: q.bytes })),
    ],
    expectedMinutes: Math.max(1, Math.ceil(bytes / (100 * 1024 * 1024) / 60)),
    warnings: [
      ...verification.filter((v) => !v.matches).map((v) => describeComparison(v.comparison)),
      ...cdcChecks.filter((c) => c.verdict !== 'matches').map((c) => `${c.table}: CDC after the reload ${c.verdict}: ${c.detail}`),
    ],
    details: { verification, cdcAfterReload: cdcChecks, quarantineRoot: `s3://${bucket}/${root}` },
  };
}
