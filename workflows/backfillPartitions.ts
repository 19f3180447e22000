import { ApplicationFailure, isCancellation, patched, sleep, workflowInfo } from '@temporalio/workflow';
import {
  BACKFILL_PARALLEL_TASKS,
  backfillLayout,
  BackfillLayout,
  checkPartitions,
  dateColumnRefusal,
  liveMappingRefusal,
  PartitionCheck,
  partitionDepth,
  partitionNaming,
  planBackfill,
  planPublish,
  publishMoves,
  rangeRefusal,
  zoneDayRefusal,
  restoreCommands,
  stagingS3Settings,
  temporaryIdentifiers,
} from '../domain/backfill';
import { dateScanWarning } from '../domain/backfillSourceScan';
import { showDownstream } from '../domain/consumerPlan';
import { addDays, isoDate, msToDay, msToDayIn } from '../domain/calendarDays';
import { PipelineConfig, targetEndpointOf } from '../domain/config';
import { afterChange } from '../domain/describeLag';
import type { TaskSnapshot } from '../domain/dmsStates';
import { BackfillPartitionsInput, backfillPartitionsInputSchema } from '../domain/inputs/backfillPartitions';
import { mappingOf } from '../domain/onboarding';
import { selects } from '../domain/tableMappings';
import { chooseLobMaxSize, lobColumns, taskSettingsJson } from '../domain/taskSettings';
import { formatTableName, tableMatches, toTableName } from '../domain/tableName';
import { Failure } from '../contracts/failures';
import { actions, bulk, reads } from './engine/activityProxies';
import { errorMessage, Runbook, RunbookHalt, RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { consumedTable, Downstream } from './downstream';
import { waiting, waitUntil } from './engine/waits';
import { failureType, invalidInput, refuse, sourceForTable } from './engine/refusals';

export interface BackfillReport {
  table: string;
  from: string;
  to: string;
  dateColumn: string;
  partitions: PartitionCheck[];
  staging: string;
  quarantine: string;
  published: string[];
  restoreCommands: string[];
}

const invalid = (message: string) => invalidInput('backfillPartitions', message);

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** The temporary resources a backfill made so far, so a failure or a rejection can remove them. */
interface Temporary {
  endpointArn?: string;
  taskArns: string[];
  /** Identifiers whose create was sent: a create under way when a cancel came answers after it, unrecorded. */
  requested: string[];
}

const noTasks: Record<string, TaskSnapshot | null> = {};

/**
 * The ARNs of temporary resources whose create was sent but never recorded (the cancel came first). Their names are
 * known; Describe may not show a resource created just now (domain/describeLag.ts), so each is looked up again until
 * it shows or the lag allowed by `waits.describeLagSeconds` has passed (then its create did not happen).
 */
async function findUnrecorded(config: PipelineConfig, temporary: Temporary, endpointId: string): Promise<void> {
  for (let waited = 0; temporary.requested.length; waited += config.waits.pollSeconds) {
    const taskIds = temporary.requested.filter((id) => id !== endpointId);
    const [tasks, endpoint] = await Promise.all([
      taskIds.length ? reads.findTasks({ identifiers: taskIds }) : noTasks,
      temporary.requested.includes(endpointId) ? reads.findEndpoint({ identifier: endpointId }) : undefined,
    ]);
    for (const [id, task] of Object.entries(tasks)) if (task) recorded(temporary, id, () => temporary.taskArns.push(task.arn));
    if (endpoint) recorded(temporary, endpointId, () => (temporary.endpointArn = endpoint.arn));
    if (!temporary.requested.length || waited >= config.waits.describeLagSeconds) return;
    await sleep(config.waits.pollSeconds * 1000);
  }
}

/** Keeps a created resource's ARN and forgets that its create was only sent. */
function recorded(temporary: Temporary, id: string, keep: () => unknown): void {
  keep();
  temporary.requested = temporary.requested.filter((r) => r !== id);
}

/** Stops (if needed) and deletes the temporary tasks, then the staging endpoint; each call skips what is done. */
async function removeTemporary(runbook: Runbook, temporary: Temporary): Promise<void> {
  const config = runbook.config;
  const w = waiting(config, config.waits.stateChangeMinutes);
  await Promise.all(
    temporary.taskArns.map(async (taskArn) => {
      // A day's task may be gone already: the stage deletes each day's task once loaded, and a cancel can land while
      // it does (Describe shows the task until the delete reaches it, then no more). Gone is what this wants.
      const stop = await actions.stopTask({ taskArn }).catch((error: unknown) => {
        if (failureType(error) === Failure.ResourceNotFoundFault) return undefined;
        throw error;
      });
      if (!stop) return;
      runbook.record(stop);
      if (stop.outcome === 'done')
        await waitUntil(`temporary task ${stop.target} stopped`, config.waits.stateChangeMinutes, () =>
          w.waitForTask({ taskArn, goal: 'stopped' }),
        );
      const deleted = await actions.deleteTask({ taskArn });
      runbook.record(deleted);
      await waitUntil(`temporary task ${deleted.target} deleted`, config.waits.stateChangeMinutes, () =>
        w.waitForTask({ taskArn, goal: 'deleted' }),
      );
    }),
  );
  if (temporary.endpointArn) runbook.record(await actions.deleteEndpoint({ endpointArn: temporary.endpointArn }));
}

/** Cleans up after a failure without hiding it: a cleanup that fails too is added to the message. */
async function failAfterCleanup(runbook: Runbook, temporary: Temporary, error: unknown, layout: BackfillLayout): Promise<never> {
  let leftovers = '';
  try {
    await removeTemporary(runbook, temporary);
  } catch (cleanup) {
    leftovers = ` Removing the temporary DMS resources failed too (${errorMessage(cleanup)}): delete the tasks tagged dms-runbooks:created-by=${runbook.workflowId} and their endpoint by hand.`;
  }
  const staging = ` The staging files stay for investigation: aws s3 rm --recursive s3://${runbook.config.target.bucket}/${layout.stagingRoot}; the live partitions were not touched.`;
  const type = error instanceof ApplicationFailure ? (error.type ?? 'BackfillFailed') : 'BackfillFailed';
  const details = error instanceof ApplicationFailure ? (error.details ?? []) : [];
  throw ApplicationFailure.nonRetryable(`${errorMessage(error)}.${staging}${leftovers}`, type, ...details);
}

/**
 * Rebuilds the date partitions of a table for a range of past days: one temporary full-load task per day stages
 * the day's rows, per-partition counts are verified against the source, and after a gate the staged days replace
 * the live ones (which are quarantined, restorable). Rejecting the publish discards the staging.
 */
export async function backfillPartitions(input: BackfillPartitionsInput): Promise<RunbookResult<BackfillReport>> {
  return runRunbook(
    {
      kind: 'backfillPartitions',
      schema: backfillPartitionsInputSchema,
      target: (i) => i.table,
      steps: [
        ['facts', 'Check the range, the table, its date column and the target endpoint'],
        ['plan', 'Count source rows per day, inventory the live partitions, plan the staging'],
        ['gate:backfill', 'Approval: stage the backfill'],
        ['stage', 'Create the staging endpoint and a full-load task per day; wait for each load'],
        ['verify', 'Verify each partition: source, DMS and Parquet footer counts'],
        ['gate:publish', 'Approval: publish the staged partitions'],
        ['publish', 'Quarantine the live partitions and publish the staged ones'],
        ['cleanup', 'Delete the temporary tasks and endpoint'],
      ],
    },
    input,
    async (runbook, i) => {
      const config = runbook.config;
      const table = toTableName(i.table);
      const name = formatTableName(table);
      const today = msToDay(Date.now());
      const rangeWhy = rangeRefusal(i.from, i.to, today, config.thresholds.maxBackfillDays);
      if (rangeWhy) throw invalid(rangeWhy);
      const source = sourceForTable(config, 'backfillPartitions', 'table', table);

      const facts = await runbook.step('facts', async () => {
        const tableFacts = await reads.readTableFacts({ source: source.name, table });
        if (!tableFacts.exists) throw invalid(`table: ${name} does not exist on source ${source.name}`);
        const columnWhy = dateColumnRefusal(tableFacts.columns, i.dateColumn, table);
        if (columnWhy) throw invalid(columnWhy);
        const column = tableFacts.columns.find((c) => c.name.toLowerCase() === i.dateColumn.toLowerCase())!;

        const tasks = await reads.findTasks({ identifiers: config.taskGroups.map((g) => g.taskIdentifier) });
        const replicating = config.taskGroups.find((g) => {
          const mapping = mappingOf(tasks[g.taskIdentifier] ?? null);
          return mapping !== undefined && selects(mapping, table);
        });
        const group = replicating ?? config.taskGroups.find((g) => g.tables.some((p) => tableMatches(p, table)));
        const liveTask = replicating ? tasks[replicating.taskIdentifier]! : undefined;
        const liveMapping = mappingOf(liveTask ?? null);
        const mappingWhy = liveMappingRefusal(liveMapping, table, liveTask?.identifier ?? '');
        if (mappingWhy) throw refuse(mappingWhy);

        const targetId = group ? targetEndpointOf(config, group) : config.dms.endpoints.target;
        const instanceId = group?.instance ?? config.dms.replicationInstances[0]!.identifier;
        const [target, sourceEndpoint, instance] = await Promise.all([
          reads.findEndpoint({ identifier: targetId }),
          reads.findEndpoint({ identifier: config.dms.endpoints.source }),
          reads.findInstance({ identifier: instanceId }),
        ]);
        if (!target) throw refuse(`S3 target endpoint ${targetId} does not exist in DMS`);
        if (!sourceEndpoint) throw refuse(`source endpoint ${config.dms.endpoints.source} does not exist in DMS`);
        if (!instance) throw refuse(`replication instance ${instanceId} does not exist in DMS`);
        if (instance.status !== 'available')
          throw refuse(`replication instance ${instance.identifier} is ${instance.status}: the temporary tasks need it available`);
        const naming = partitionNaming(target.s3Settings, targetId);
        if (!naming.ok) throw refuse(naming.reason);
        const zoneWhy = zoneDayRefusal(i.to, naming.naming, msToDayIn(Date.now(), naming.naming.timezone), targetId);
        if (zoneWhy) throw refuse(zoneWhy);
        const bucket = target.s3Settings?.BucketName;
        if (bucket !== config.target.bucket)
          throw refuse(
            `S3 endpoint ${targetId} writes to bucket ${String(bucket)}, not the pipeline's target bucket ${config.target.bucket}`,
          );
        // A fullReload of the table's whole task holds the task's lock, not the table's: checked after taking ours.
        const taskLock = group ? [{ table: `table:${name}`, task: `task:${group.taskIdentifier}` }] : [];
        await runbook.lock([`table:${name}`], { tableTasks: taskLock });
        runbook.note(
          'facts',
          `${name}.${column.name} is ${column.columnType}; ${liveTask ? `replicated by task ${liveTask.identifier}` : 'replicated by no task'}; partitions ${naming.naming.sequence}/${naming.naming.delimiter} on ${targetId}`,
        );
        return {
          column,
          columns: tableFacts.columns,
          scanCost: { indexLeaders: tableFacts.indexLeaders, rowEstimate: tableFacts.rowEstimate, bytes: tableFacts.bytes },
          liveTask,
          liveMapping,
          target,
          sourceEndpoint,
          instance,
          naming: naming.naming,
          warnings: liveTask
            ? []
            : [`no task replicates ${name}: the staging uses a plain selection rule and the pipeline's metadata columns`],
        };
      });

      const layout = backfillLayout(config.target.folder, table, runbook.workflowId, facts.naming);
      const identifiers = temporaryIdentifiers(workflowInfo().runId);
      const stagingSettings = stagingS3Settings(facts.target.s3Settings ?? {}, layout.stagingFolder);

      const planned = await runbook.step('plan', async () => {
        const [sourceRowsByDay, live, staging] = await Promise.all([
          reads.countRowsByDay({
            source: source.name,
            table,
            column: facts.column.name,
            fromDate: isoDate(i.from),
            toDateExclusive: isoDate(addDays(i.to, 1)),
          }),
          reads.inventoryPrefix({ prefix: layout.tablePrefix, partitionDepth: partitionDepth(facts.naming) }),
          reads.inventoryPrefix({ prefix: layout.stagingRoot }),
        ]);
        if (staging.objects > 0)
          throw refuse(
            `the staging prefix s3://${config.target.bucket}/${layout.stagingRoot} already holds ${staging.objects} objects from an earlier run of this workflow id; delete it or start with another workflow id`,
          );
        const planned = planBackfill({
          table,
          from: i.from,
          to: i.to,
          column: facts.column,
          sourceRowsByDay,
          livePartitions: live.partitions,
          layout,
          naming: facts.naming,
          identifiers,
          liveMapping: facts.liveMapping,
          liveTask: facts.liveTask?.identifier,
          instanceClass: facts.instance.instanceClass,
          instanceArn: facts.instance.arn,
          sourceEndpointArn: facts.sourceEndpoint.arn,
          stagingSettings,
          warnings: facts.warnings,
        });
        if (planned.staged.length === 0)
          throw refuse(`no row of ${name} has ${facts.column.name} between ${isoDate(i.from)} and ${isoDate(i.to)}: nothing to backfill`);
        // The temporary tasks get explicit settings too: LobMaxSize at least the live task's, checked against the
        // table's longest LOB values, so a backfilled day is never truncated where the live files are whole.
        const measured = await bulk.measureLobColumns({
          source: source.name,
          table,
          columns: lobColumns(facts.columns),
          timeoutSeconds: config.taskSettings.lob.measureTimeoutSeconds,
        });
        const lob = chooseLobMaxSize({
          table: name,
          task: 'the temporary backfill tasks',
          runbook: 'backfillPartitions',
          lob: config.taskSettings.lob,
          measured,
          currentSettings: facts.liveTask?.settings,
        });
        if (!lob.ok) throw refuse(lob.reason);
        const taskSettings = taskSettingsJson(config.taskSettings, lob.lobMaxSizeKb);
        for (const call of planned.plan.calls)
          if (call.operation === 'CreateReplicationTask') call.params = { ...call.params, ReplicationTaskSettings: taskSettings };
        planned.plan.details = {
          ...planned.plan.details,
          taskSettings: JSON.parse(taskSettings) as unknown,
          lob: { ...lob.details, summary: lob.summary },
        };
        if (lob.details.columns.length) planned.plan.warnings.push(lob.summary);
        const scanWarning = dateScanWarning({ table, column: facts.column.name, days: planned.staged.length, ...facts.scanCost });
        if (scanWarning) planned.plan.warnings.push(scanWarning);
        runbook.note('plan', lob.summary);
        runbook.setPlan(planned.plan);
        return { ...planned, taskSettings };
      });

      // The lake's consumers of the table: paused before the publish swaps its partitions, rebuilt after (docs/downstream.md).
      const downstream = await Downstream.prepare(
        runbook,
        'backfillPartitions',
        [consumedTable(config, table, facts.liveTask?.identifier)],
        {
          stepsAfter: { pause: 'gate:publish', rebuild: 'publish' },
        },
      );
      downstream?.showOrRefuse(planned.plan, 'the publish', i.dryRun);

      if (i.dryRun) {
        runbook.skipRest('dry run');
        return { outcome: 'dry-run', message: `dry run: ${planned.plan.summary}; nothing was changed` };
      }

      // The steps below act from the backfill plan frozen at the gate, the one approved (see Runbook.gate).
      const { basis: approved } = await runbook.gateStep('backfill', planned.plan, undefined, planned);

      const temporary: Temporary = { taskArns: [], requested: [] };
      const dmsRowsByDay: Record<string, number> = {};
      // A cancel from here to the publish discards what the run made: newest first, the temporary tasks and
      // endpoint (they write into the staging), then the staging prefix. The live partitions are untouched.
      runbook.onCancel(
        `delete the staging prefix s3://${config.target.bucket}/${layout.stagingRoot}`,
        `aws s3 rm --recursive s3://${config.target.bucket}/${layout.stagingRoot}`,
        async () => {
          const deleted = await bulk.deletePrefix({ prefix: layout.stagingRoot, operation: 'DiscardStaging' });
          runbook.record(deleted);
          return deleted.detail;
        },
      );
      runbook.onCancel(
        `delete the temporary tasks and the staging endpoint ${identifiers.endpoint}`,
        `aws dms describe-replication-tasks --filters Name=replication-task-id,Values=${approved.staged.map(identifiers.task).join(',')} (stop and delete each), then aws dms delete-endpoint for ${identifiers.endpoint}`,
        async () => {
          if (patched('backfill-undo-finds-its-resources')) await findUnrecorded(config, temporary, identifiers.endpoint);
          // A task created just now may not show in Describe yet (domain/describeLag.ts), nor be ready to stop.
          const wait = waiting(config, config.waits.stateChangeMinutes);
          const created = afterChange({ kind: 'task-created' }, config.waits.describeLagSeconds);
          await Promise.all(
            temporary.taskArns.map((taskArn) =>
              waitUntil(`temporary task ${taskArn} settled`, config.waits.stateChangeMinutes, () =>
                wait.waitForTask({ taskArn, goal: 'settled', after: created }),
              ),
            ),
          );
          await removeTemporary(runbook, temporary);
          return `${temporary.taskArns.length} task(s)${temporary.endpointArn ? ' and the endpoint' : ''} deleted`;
        },
      );
      // The staged rows are read from here on: the snapshot boundary of the rewrite markers (docs/downstream.md).
      const stagedSince = new Date().toISOString();
      await runbook.step('stage', async () => {
        const stateWait = waiting(config, config.waits.stateChangeMinutes);
        const loadWait = waiting(config, config.waits.fullLoadHours * 60);
        const tags = { 'dms-runbooks:created-by': runbook.workflowId, 'dms-runbooks:purpose': `backfill ${name}` };
        try {
          temporary.requested.push(identifiers.endpoint);
          const endpoint = await actions.createS3Endpoint({ identifier: identifiers.endpoint, s3Settings: stagingSettings, tags });
          runbook.record(endpoint);
          recorded(temporary, identifiers.endpoint, () => (temporary.endpointArn = endpoint.endpointArn));
          const stageDay = async (day: string) => {
            const id = identifiers.task(day);
            temporary.requested.push(id);
            const created = await actions.createTask({
              identifier: id,
              instanceArn: facts.instance.arn,
              sourceEndpointArn: facts.sourceEndpoint.arn,
              targetEndpointArn: endpoint.endpointArn,
              migrationType: 'full-load',
              tableMappings: JSON.stringify(approved.mappings[day]),
              taskSettings: approved.taskSettings,
              tags,
            });
            runbook.record(created);
            recorded(temporary, id, () => temporary.taskArns.push(created.taskArn));
            const createdNow = afterChange({ kind: 'task-created' }, config.waits.describeLagSeconds);
            await waitUntil(`temporary task ${id} ready`, config.waits.stateChangeMinutes, () =>
              stateWait.waitForTask({ taskArn: created.taskArn, goal: 'settled', after: createdNow }),
            );
            runbook.record(await actions.startTask({ taskArn: created.taskArn, startType: 'start-replication', previousStartDate: null }));
            const startedNow = afterChange({ kind: 'task-started', previousStartDate: null }, config.waits.describeLagSeconds);
            await waitUntil(`${name} for ${isoDate(day)} loaded by task ${id}`, config.waits.fullLoadHours * 60, () =>
              loadWait.waitForTask({ taskArn: created.taskArn, goal: 'full-load-finished', after: startedNow }),
            );
            const stats = await reads.readTableStatistics({ taskArn: created.taskArn });
            dmsRowsByDay[day] = stats.reduce((n, s) => n + s.fullLoadRows, 0);
          };
          for (const wave of chunks(approved.staged, BACKFILL_PARALLEL_TASKS)) {
            await Promise.all(wave.map(stageDay));
            runbook.note('stage', `${Object.keys(dmsRowsByDay).length} of ${approved.staged.length} day(s) loaded`);
          }
        } catch (error) {
          if (isCancellation(error)) throw error;
          await failAfterCleanup(runbook, temporary, error, layout);
        }
      });

      const checks = await runbook.step('verify', async () => {
        try {
          const [sourceRowsByDay, parquet] = await Promise.all([
            reads.countRowsByDay({
              source: source.name,
              table,
              column: facts.column.name,
              fromDate: isoDate(i.from),
              toDateExclusive: isoDate(addDays(i.to, 1)),
            }),
            reads.countParquetRows({ prefix: layout.stagingRoot, loadFilesOnly: true }),
          ]);
          const checks = checkPartitions(approved.staged, facts.naming, sourceRowsByDay, dmsRowsByDay, {
            rowsByDay: parquet.rowsByPartition,
            filesByDay: parquet.filesByPartition,
          });
          const bad = checks.filter((c) => !c.matches);
          runbook.note('verify', `${checks.length - bad.length} of ${checks.length} partition(s) match the source`);
          if (bad.length || parquet.problems.length) {
            throw ApplicationFailure.nonRetryable(
              `backfill verification failed for ${name}: ${bad.map((c) => `${c.day}: source ${c.sourceRows}, DMS ${c.dmsRows}, Parquet ${c.parquetRows}`).join('; ')}${parquet.problems.length ? `; unreadable: ${parquet.problems.map((p) => `${p.key} (${p.error})`).join(', ')}` : ''}. Nothing was published`,
              'VerificationFailed',
              checks,
            );
          }
          return checks;
        } catch (error) {
          if (isCancellation(error)) throw error;
          return failAfterCleanup(runbook, temporary, error, layout);
        }
      });

      const publishPlan = planPublish(
        name,
        checks,
        approved.partitions,
        layout,
        approved.staged.map(identifiers.task),
        identifiers.endpoint,
      );
      // The approver of the publish sees the consumer calls it brings (the same ones approved at the first gate), and
      // the keys the publish writes again (a day whose live files hold the same LOAD names): the rebuild re-reads them.
      if (downstream) {
        await downstream.findCollisions(
          table,
          checks.map((c) => ({ from: layout.stagingDay(c.day), to: layout.livePartition(c.day) })),
        );
        showDownstream(publishPlan, downstream.plan, 'the publish');
      }
      const discard = async () => {
        runbook.record(await bulk.deletePrefix({ prefix: layout.stagingRoot, operation: 'DiscardStaging' }));
        await removeTemporary(runbook, temporary);
      };
      let decision: 'approved' | 'rejected';
      try {
        decision = await runbook.decideStep(
          'publish',
          publishPlan,
          `${checks.length} partition(s) verified: source = DMS = Parquet footers`,
        );
      } catch (error) {
        if (error instanceof RunbookHalt) await discard();
        throw error;
      }
      if (decision === 'rejected') {
        await discard();
        runbook.skipRest('publish rejected: staging discarded');
        return {
          outcome: 'rejected',
          message: `publish rejected: the staging (${checks.length} partition(s)) was discarded, the temporary tasks and endpoint deleted; the live partitions of ${name} are untouched`,
        };
      }

      await downstream?.pause(
        () => checks.flatMap((c) => publishMoves(layout, c.day)),
        'partitions',
        checks.map((c) => layout.livePartition(c.day)),
        stagedSince,
      );
      const quarantined: string[] = [];
      /** Puts a day's live files aside and publishes its staged ones; each move resumes from its manifest. */
      const publishDay = async (day: string) => {
        const aside = await bulk.moveObjects({
          from: layout.livePartition(day),
          to: layout.quarantineOf(day),
          manifestKey: layout.quarantineManifest(day),
          operation: 'QuarantinePartition',
        });
        runbook.record(aside.record);
        const published = await bulk.moveObjects({
          from: layout.stagingDay(day),
          to: layout.livePartition(day),
          manifestKey: layout.publishManifest(day),
          operation: 'PublishPartition',
        });
        runbook.record(published.record);
        return { aside, published };
      };
      await runbook.step('publish', async () => {
        for (const batch of chunks(checks, 8)) {
          await Promise.all(
            batch.map(async (c) => {
              // A day whose publish began is finished on cancel (both moves resume from their manifests): a
              // partition is then either untouched or published, never half of each.
              const finish = runbook.onCancel(
                `finish publishing ${name} ${isoDate(c.day)} (begun before the cancel)`,
                `aws s3 mv --recursive s3://${config.target.bucket}/${layout.stagingDay(c.day)} s3://${config.target.bucket}/${layout.livePartition(c.day)} (once every key of s3://${config.target.bucket}/${layout.quarantineManifest(c.day)} is under ${layout.quarantineOf(c.day)})`,
                async () => {
                  const { aside, published } = await publishDay(c.day);
                  return `published: ${published.objects} file(s) in s3://${config.target.bucket}/${layout.livePartition(c.day)}; ${aside.objects} replaced file(s) in s3://${config.target.bucket}/${layout.quarantineOf(c.day)}`;
                },
              );
              const { aside } = await publishDay(c.day);
              finish();
              if (aside.objects > 0) quarantined.push(c.day);
              quarantined.sort();
              runbook.onCancel(
                `${name} ${isoDate(c.day)} stays published (before the cancel); the replaced files are in s3://${config.target.bucket}/${layout.quarantineOf(c.day)}`,
                restoreCommands(config.target.bucket, layout, [c.day], aside.objects > 0 ? [c.day] : []).join(' && '),
              );
            }),
          );
        }
        runbook.note('publish', `${checks.length} partition(s) published, ${quarantined.length} live partition(s) quarantined`);
      });

      // The partitions are final: each consumer re-reads the table from its live files, then resumes.
      const downstreamReport = await downstream?.finish('published');

      await runbook.step('cleanup', async () => {
        runbook.record(await bulk.deletePrefix({ prefix: layout.stagingRoot, operation: 'DeleteStagingManifests' }));
        await removeTemporary(runbook, temporary);
      });

      const days = checks.map((c) => c.day);
      return {
        message: `${checks.length} partition(s) of ${name} backfilled for ${i.from}–${i.to} (${checks.reduce((n, c) => n + c.parquetRows, 0)} rows verified); ${quarantined.length} replaced partition(s) kept in ${layout.quarantineRoot}${downstreamReport ? `; ${downstreamReport}` : ''}`,
        report: {
          table: name,
          from: i.from,
          to: i.to,
          dateColumn: facts.column.name,
          partitions: checks,
          staging: layout.stagingRoot,
          quarantine: layout.quarantineRoot,
          published: checks.map((c) => layout.livePartition(c.day)),
          restoreCommands: restoreCommands(config.target.bucket, layout, days, quarantined),
        },
      };
    },
  );
}
