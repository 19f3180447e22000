import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { targetEndpointOf } from '../domain/config';
import { TaskSnapshot } from '../domain/dmsStates';
import { afterChange } from '../domain/describeLag';
import { OnboardTableInput, onboardTableInputSchema } from '../domain/inputs/onboardTable';
import { chooseGroup, GroupTask, mappingOf, planOnboarding } from '../domain/onboarding';
import { compareRowCounts, RowCountComparison } from '../domain/rowCounts';
import { checkS3Target } from '../domain/s3TargetChecks';
import { chooseLobMaxSize, lobColumns, taskSettingsJson } from '../domain/taskSettings';
import { checksumSpec, ChecksumComparison, compareChecksums, describeComparison } from '../domain/verification';
import { evaluateSourceReadiness } from '../domain/sourceReadiness';
import { selectedTables } from '../domain/tableMappings';
import { formatTableName, toTableName } from '../domain/tableName';
import { actions, bulk, reads } from './engine/activityProxies';
import { RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { consumedTable, Downstream } from './downstream';
import { deleteCreatedTask, restoreMappingOnCancel } from './onboardTableUndo';
import { resumeOnCancel } from './engine/taskUndo';
import { waiting, waitUntil } from './engine/waits';
import { refuse, sourceForTable } from './engine/refusals';

export interface OnboardTableReport {
  table: string;
  taskGroup: string;
  task: string;
  taskArn: string;
  verification: RowCountComparison & { lobs?: ChecksumComparison };
  notes: string[];
}

/** Adds a table to its task group's DMS task (or creates the task), full-loads it and verifies the counts. */
export async function onboardTable(input: OnboardTableInput): Promise<RunbookResult<OnboardTableReport>> {
  return runRunbook(
    {
      kind: 'onboardTable',
      schema: onboardTableInputSchema,
      target: (i) => i.table,
      steps: [
        ['readiness', 'Check source readiness and the table'],
        ['choose-task', 'Choose the task (group, foreign keys)'],
        ['target', 'Check the S3 target endpoint settings'],
        ['plan', 'Measure the LOB columns, build the new table mapping, task settings and the plan'],
        ['gate:apply-mapping', 'Approval: apply the mapping'],
        ['apply', 'Stop, modify and resume the task (or create and start it)'],
        ['load', 'Wait for the table to be loaded'],
        ['verify', 'Verify row counts (source, DMS, Parquet footers) and LOB value lengths'],
      ],
    },
    input,
    async (runbook, i) => {
      const config = runbook.config;
      const table = toTableName(i.table);
      const name = formatTableName(table);
      const source = sourceForTable(config, 'onboardTable', 'table', table);

      const tableFacts = await runbook.step('readiness', async () => {
        const [facts, tableFacts] = await Promise.all([
          reads.readSourceFacts({ source: source.name }),
          reads.readTableFacts({ source: source.name, table }),
        ]);
        const report = evaluateSourceReadiness(facts, {
          minRetentionDays: config.thresholds.binlogRetentionDays,
          schemas: source.schemas,
          dmsUser: source.user,
        });
        const blocking = report.checks.filter(
          (c) => c.status === 'fail' && ['log_bin', 'binlog_format', 'binlog_row_image', 'binlog_retention', 'grants'].includes(c.id),
        );
        if (blocking.length)
          throw refuse(
            `source ${source.name} is not ready for CDC: ${blocking.map((c) => `${c.id} is ${c.seen}, wanted ${c.wanted} (fix: ${c.remediation})`).join('; ')}`,
          );
        if (!tableFacts.exists) throw refuse(`table ${name} does not exist on source ${source.name}`);
        if (tableFacts.primaryKey.length === 0)
          throw refuse(
            `table ${name} has no primary key: DMS cannot apply its updates and deletes in order, and rows cannot be verified; add a primary key first`,
          );
        runbook.note(
          'readiness',
          `retention and binlog format ok; ${name}: ~${tableFacts.rowEstimate} rows, primary key (${tableFacts.primaryKey.join(', ')})`,
        );
        return tableFacts;
      });

      const { group, task, notes } = await runbook.step('choose-task', async () => {
        const found = await reads.findTasks({ identifiers: config.taskGroups.map((g) => g.taskIdentifier) });
        const groups: GroupTask[] = config.taskGroups.map((g) => ({ group: g, task: found[g.taskIdentifier] ?? null }));
        const links = await reads.readForeignKeyLinks({ source: source.name, table });
        const choice = chooseGroup(config, table, i.taskGroup, links, groups);
        if (!choice.ok) throw refuse(choice.reason);
        const task = found[choice.group.taskIdentifier] ?? null;
        await runbook.lock([`table:${name}`, `task:${choice.group.taskIdentifier}`]);
        runbook.note(
          'choose-task',
          `group ${choice.group.name}, task ${choice.group.taskIdentifier} (${task ? task.status : 'to be created'})`,
        );
        if (task) runbook.setDms({ task: task.identifier, status: task.status, stopReason: task.stopReason });
        return { group: choice.group, task, notes: choice.notes };
      });

      const endpoints = await runbook.step('target', async () => {
        const targetId = targetEndpointOf(config, group);
        const [target, sourceEndpoint, instance] = await Promise.all([
          reads.findEndpoint({ identifier: targetId }),
          reads.findEndpoint({ identifier: config.dms.endpoints.source }),
          reads.findInstance({ identifier: group.instance }),
        ]);
        if (!target) throw refuse(`S3 target endpoint ${targetId} does not exist in DMS`);
        if (!sourceEndpoint) throw refuse(`source endpoint ${config.dms.endpoints.source} does not exist in DMS`);
        if (!instance) throw refuse(`replication instance ${group.instance} does not exist in DMS`);
        const findings = checkS3Target(targetId, target.s3Settings, group.tableClass, config.thresholds.targetFileSizeMb);
        const failing = findings.filter((f) => f.severity === 'fail');
        if (failing.length)
          throw refuse(
            `S3 endpoint ${targetId} does not follow the pipeline's layout: ${failing.map((f) => `${f.setting} is ${String(f.seen)}, wanted ${String(f.wanted)} (${f.fix})`).join('; ')}`,
          );
        runbook.note(
          'target',
          findings.length
            ? `${findings.length} advice: ${findings.map((f) => f.setting).join(', ')}`
            : 'Parquet, YYYYMMDD partitions, file sizes on target',
        );
        return { target, sourceEndpoint, instance, findings };
      });

      const plan = await runbook.step('plan', async () => {
        // DMS truncates LOB values beyond LobMaxSize without failing: measure before choosing, refuse before any change.
        const measured = await bulk.measureLobColumns({
          source: source.name,
          table,
          columns: lobColumns(tableFacts.columns),
          timeoutSeconds: config.taskSettings.lob.measureTimeoutSeconds,
        });
        const lob = chooseLobMaxSize({
          table: name,
          task: `task ${group.taskIdentifier}`,
          runbook: 'onboardTable',
          lob: config.taskSettings.lob,
          measured,
          currentSettings: task?.settings,
        });
        if (!lob.ok) throw refuse(lob.reason);
        runbook.note('plan', lob.summary);
        const sourceTables = await reads.listSourceTables({ source: source.name, schemas: source.schemas });
        const current = mappingOf(task);
        const onboarding = planOnboarding({
          table,
          group,
          task,
          tasksTables: current ? selectedTables(current, sourceTables) : [],
          rows: tableFacts.rowEstimate,
          instanceClass: endpoints.instance.instanceClass,
          instanceArn: endpoints.instance.arn,
          sourceEndpointArn: endpoints.sourceEndpoint.arn,
          targetEndpointArn: endpoints.target.arn,
          tablePrefix: `${config.target.folder}/${table.schema}/${table.table}/`,
          taskSettings: taskSettingsJson(config.taskSettings, lob.lobMaxSizeKb, task?.settings),
          lob: { ...lob.details, summary: lob.summary },
          warnings: [
            ...(lob.details.columns.length ? [lob.summary] : []),
            ...notes,
            ...endpoints.findings.map(
              (f) => `${f.setting} is ${String(f.seen)}; for ${group.name} tables aim at ${String(f.wanted)}: ${f.fix}`,
            ),
          ],
        });
        runbook.setPlan(onboarding.plan);
        return onboarding;
      });

      // The lake's consumers of the task's other tables, whose files gain the metadata columns (docs/downstream.md).
      const downstream = plan.schemaChanges.length
        ? await Downstream.prepare(
            runbook,
            'onboardTable',
            plan.schemaChanges.map((c) => consumedTable(config, toTableName(c.table), group.taskIdentifier)),
            { schemaChanges: plan.schemaChanges, stepsAfter: { pause: 'gate:apply-mapping', rebuild: 'apply' } },
          )
        : undefined;
      downstream?.showOrRefuse(plan.plan, 'the mapping change', i.dryRun);

      if (i.dryRun) {
        runbook.skipRest('dry run');
        return { outcome: 'dry-run', message: `dry run: ${plan.plan.summary}; nothing was changed` };
      }

      // The steps below act from the onboarding plan frozen at the gate, the one approved (see Runbook.gate).
      const { basis: approved } = await runbook.gateStep('apply-mapping', plan.plan, undefined, plan);

      const lag = config.waits.describeLagSeconds;
      await downstream?.pause(() => [], 'schema-change');
      const applied = await runbook.step('apply', async () => {
        const stateWait = waiting(config, config.waits.stateChangeMinutes);
        const watch = (t: TaskSnapshot) =>
          runbook.setDms({ task: t.identifier, status: t.status, stopReason: t.stopReason, progress: t.fullLoadProgressPercent });
        // A cancel before the task is (re)started undoes the apply; after it, the table stays in the task (loading).
        const applied = (arn: string) =>
          runbook.onCancel(
            `${name} stays in task ${group.taskIdentifier}'s mapping and keeps loading (applied before the cancel; not verified)`,
            `aws dms describe-table-statistics --replication-task-arn ${arn} --filters Name=schema-name,Values=${table.schema} Name=table-name,Values=${table.table}`,
          );
        if (approved.createTask) {
          const undoCreate = runbook.onCancel(
            `delete task ${group.taskIdentifier}, created by this run`,
            `aws dms delete-replication-task --replication-task-arn $(aws dms describe-replication-tasks --filters Name=replication-task-id,Values=${group.taskIdentifier} --query 'ReplicationTasks[0].ReplicationTaskArn' --output text)`,
            () => deleteCreatedTask(runbook, group.taskIdentifier),
          );
          const created = await actions.createTask({
            identifier: group.taskIdentifier,
            instanceArn: endpoints.instance.arn,
            sourceEndpointArn: endpoints.sourceEndpoint.arn,
            targetEndpointArn: endpoints.target.arn,
            migrationType: 'full-load-and-cdc',
            tableMappings: JSON.stringify(approved.mapping),
            taskSettings: approved.taskSettings,
            tags: { 'dms-runbooks:group': group.name, 'dms-runbooks:created-by': runbook.workflowId },
          });
          runbook.record(created);
          const after = afterChange({ kind: 'task-created' }, lag);
          watch(
            await waitUntil(`task ${group.taskIdentifier} ready`, config.waits.stateChangeMinutes, () =>
              stateWait.waitForTask({ taskArn: created.taskArn, goal: 'settled', after }),
            ),
          );
          runbook.record(await actions.startTask({ taskArn: created.taskArn, startType: 'start-replication', previousStartDate: null }));
          undoCreate();
          applied(created.taskArn);
          return { arn: created.taskArn, started: afterChange({ kind: 'task-started', previousStartDate: null }, lag) };
        }
        const arn = task!.arn;
        const undoStop = approved.stopFirst ? resumeOnCancel(runbook, { arn, identifier: group.taskIdentifier }) : undefined;
        if (approved.stopFirst) {
          runbook.record(await actions.stopTask({ taskArn: arn }));
          undoStop?.stopMade();
          watch(
            await waitUntil(`task ${group.taskIdentifier} stopped`, config.waits.stateChangeMinutes, () =>
              stateWait.waitForTask({ taskArn: arn, goal: 'stopped' }),
            ),
          );
        }
        const tableMappings = JSON.stringify(approved.mapping);
        const undoMapping = task!.tableMappings
          ? restoreMappingOnCancel(runbook, { arn, identifier: group.taskIdentifier }, task!.tableMappings, name)
          : undefined;
        runbook.record(await actions.modifyTaskMapping({ taskArn: arn, tableMappings, taskSettings: approved.taskSettings }));
        const modified = afterChange({ kind: 'task-modified', tableMappings }, lag);
        const settled = await waitUntil(`task ${group.taskIdentifier} modified`, config.waits.stateChangeMinutes, () =>
          stateWait.waitForTask({ taskArn: arn, goal: 'settled', after: modified }),
        );
        watch(settled);
        const previousStartDate = settled.startDate ?? null;
        runbook.record(await actions.startTask({ taskArn: arn, startType: 'resume-processing', previousStartDate }));
        undoMapping?.();
        undoStop?.drop();
        applied(arn);
        return { arn, started: afterChange({ kind: 'task-started', previousStartDate }, lag) };
      });
      const taskArn = applied.arn;
      // The other tables' files carry the new columns from here on: each consumer re-reads them, then resumes.
      const downstreamReport = await downstream?.finish('finalized');

      const loaded = await runbook.step('load', async () => {
        const loadWait = waiting(config, config.waits.fullLoadHours * 60);
        const result = await waitUntil(`${name} loaded by task ${group.taskIdentifier}`, config.waits.fullLoadHours * 60, () =>
          loadWait.waitForTables({ taskArn, tables: [table], after: applied.started }),
        );
        runbook.setDms({
          task: result.task.identifier,
          status: result.task.status,
          table: name,
          tableState: result.stats.find((s) => s.schema === table.schema && s.table === table.table)?.state,
        });
        return result;
      });

      const verification = await runbook.step('verify', async () => {
        const prefix = `${config.target.folder}/${table.schema}/${table.table}/`;
        const verifyLobLengths = async (at: string): Promise<ChecksumComparison | undefined> => {
          if (lobColumns(tableFacts.columns).length === 0 || tableFacts.primaryKey.length === 0) return undefined;
          const spec = { ...checksumSpec(name, tableFacts.primaryKey, tableFacts.columns), categorical: [] };
          const compare = async () => {
            const [sourceSide, lake] = await Promise.all([
              bulk.sourceTableChecksums({ source: source.name, table, spec }),
              bulk.lakeTableChecksums({ prefix: at, spec }),
            ]);
            return compareChecksums(name, sourceSide, lake);
          };
          const first = await compare();
          if (first.matches) return first;
          // Rows changed since the load may not have reached a CDC file yet: wait a few polls, then judge.
          await sleep(config.waits.pollSeconds * 3000);
          return compare();
        };
        const compare = async (stats: typeof loaded.stats) => {
          const [sourceRows, parquet] = await Promise.all([
            reads.countSourceRows({ source: source.name, table }),
            reads.countParquetRows({ prefix, loadFilesOnly: true }),
          ]);
          return compareRowCounts(
            name,
            sourceRows,
            stats.find((s) => s.schema === table.schema && s.table === table.table),
            parquet,
          );
        };
        let counts = await compare(loaded.stats);
        if (!counts.matches && counts.problems.length === 0) {
          // Changes in flight on a live table: give CDC a few polls to apply them, then compare once more.
          await sleep(config.waits.pollSeconds * 3000);
          counts = await compare(await reads.readTableStatistics({ taskArn }));
        }
        runbook.note(
          'verify',
          `source ${counts.sourceRows}, DMS ${counts.dmsFullLoadRows} (+CDC ${counts.dmsCdcNetRows}), Parquet ${counts.parquetRows} rows in ${counts.parquetFiles} files${counts.note ? `; ${counts.note}` : ''}`,
        );
        if (!counts.matches) {
          throw ApplicationFailure.nonRetryable(
            `verification failed for ${name}: ${counts.mismatch}. The task keeps running; look at the files named, then run fullReload for ${name} if they are wrong`,
            'VerificationFailed',
            counts,
          );
        }
        // A truncated LOB keeps the row count: compare each row's LOB lengths (files with CDC folded in) with the source,
        // whatever the task's settings say now (they may have been changed by hand).
        const lobs = await verifyLobLengths(prefix);
        if (lobs) {
          runbook.note('verify', describeComparison(lobs));
          if (!lobs.matches)
            throw ApplicationFailure.nonRetryable(
              `verification failed for ${name}: ${describeComparison(lobs)}. The task keeps running; check its LobMaxSize (ReplicationTaskSettings.TargetMetadata) against the longest values, then run fullReload for ${name}`,
              'VerificationFailed',
              lobs,
            );
        }
        return { ...counts, lobs };
      });

      return {
        message: `${name} onboarded into task ${group.taskIdentifier}: ${verification.sourceRows} rows verified in ${verification.parquetFiles} Parquet files${downstreamReport ? `; ${downstreamReport}` : ''}`,
        report: { table: name, taskGroup: group.name, task: group.taskIdentifier, taskArn, verification, notes },
      };
    },
  );
}
