import { WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { lockHolderQuery, lockWorkflowId } from '../../contracts/lock';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import type { FullReloadReport } from '../../workflows/fullReload';
import { describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { captureHistory } from '../support/histories';
import { expectCanceled, historyHasActivity, scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { SlowS3Proxy } from '../support/slowS3Proxy';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * fullReload of a whole task past `thresholds.reloadTablesPerPart` tables: the per-table work (facts, quarantine,
 * verification, rollback) runs in child workflows of that many tables each, so the runbook's own history does not
 * grow with the task. Five tables in parts of two: three children per phase, and the rollback still puts back
 * exactly the files of every table.
 */

type LockInput = { resources: string[]; wholeTasks?: Array<{ task: string; tables: string[] }> };

let tw: TestWorker;
let proxy: SlowS3Proxy;
let s3: string;
let group: TaskGroupConfig;
let taskArn: string | undefined;
const tables: string[] = [];

/** Describe may show the task as before its start for a while (the emulator's describeLag, as DMS's may). */
async function taskLoaded(): Promise<void> {
  const dms = dmsClient();
  try {
    await eventually(
      () => describeTask(dms, taskArn!),
      (t) => t.Status === 'running' && t.ReplicationTaskStats?.FullLoadProgressPercent === 100,
      60000,
      'Describe to show the task running, loaded',
    );
  } finally {
    dms.destroy();
  }
}

beforeAll(async () => {
  const name = uniqueName('frpt');
  for (let i = 0; i < 5; i++) tables.push(await createScratchTable(`${name}_${i}`, { rows: 40 + i }));
  group = scratchGroup(`g-${name}`, tables);
  taskArn = await replicateGroup(group);
  await taskLoaded();
  s3 = process.env.AWS_ENDPOINT_URL_S3!;
  proxy = await SlowS3Proxy.start(s3, 0);
  // The SDK reads the endpoint variable when a client first resolves its endpoint: it stays on the proxy for the file
  // (with no delay, the proxy passes everything through at once).
  process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group], thresholds: { reloadTablesPerPart: 2 } }));
});

afterAll(async () => {
  await tw?.stop();
  process.env.AWS_ENDPOINT_URL_S3 = s3;
  await proxy?.close();
  await removeTask(taskArn);
  for (const t of tables) await dropScratchTable(t);
});

const startBackfill = (table: string) =>
  startRunbook(
    tw.client,
    'backfillPartitions',
    { table, from: '20260602', to: '20260603', dateColumn: 'created_on' },
    { taskQueue: tw.taskQueue },
  );

async function failureOf(handle: WorkflowHandle): Promise<string> {
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return String((error as WorkflowFailedError).cause?.message);
}

test('a task of five tables in parts of two: children do the per-table work, the runbook keeps the task-level steps', async () => {
  const prefixOf = (t: string) => `dms/${t.replace('.', '/')}/`;
  const before = await Promise.all(tables.map((t) => objectsUnder(prefixOf(t))));
  expect(before.every((objects) => objects.some((o) => o.key.includes('/LOAD')))).toBe(true);

  const reloadInput = { tables: [tables[0]!], reason: 'parts rehearsal', mode: 'task' as const, checkCurrentFiles: false };
  // A backfill of one of the task's tables holds that table: the reload of the whole task is refused, naming it.
  const backfill = await startBackfill(tables[4]!);
  await waitForGate(backfill, 'backfill', 60000);
  const refused = await startRunbook(tw.client, 'fullReload', reloadInput, { taskQueue: tw.taskQueue });
  expect(await failureOf(refused)).toContain(
    `task:${group.taskIdentifier} is busy: runbook backfillPartitions (workflow id ${backfill.workflowId})`,
  );
  await backfill.signal(rejectSignal, { gate: 'backfill', approver: 'dba-oncall', reason: 'the reload goes first' });
  expect((await backfill.result()).outcome).toBe('rejected');

  const handle = await startRunbook(tw.client, 'fullReload', reloadInput, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'reload', 90000);
  // While the reload holds the task whole, a backfill of another of its tables is refused, naming the reload.
  expect(await failureOf(await startBackfill(tables[3]!))).toContain(
    `table:${tables[3]} is busy: runbook fullReload (workflow id ${handle.workflowId})`,
  );
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
  const finalize = await waitForGate(handle, 'finalize', 120000);
  expect(finalize.pendingGate!.note).not.toContain('Verification FAILED');
  await handle.signal(rejectSignal, { gate: 'finalize', approver: 'data-platform-lead', reason: 'rehearse the rollback' });

  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  await captureHistory(handle, 'fullReload', 'task-in-parts-rolled-back');
  const report = result.report as FullReloadReport;
  // Every table of the task was reloaded and verified, each against its own row count.
  expect(report.reloaded.sort()).toEqual([...tables].sort());
  expect(report.verification!.map((v) => [v.table, v.sourceRows, v.matches])).toEqual(tables.map((t, i) => [t, 40 + i, true]));
  // The rollback put back exactly the files of every table.
  for (const [i, t] of tables.entries()) expect(await objectsUnder(prefixOf(t))).toEqual(before[i]);
  expect(report.finalize!.rolledBack!.every((r) => r.restoredAsQuarantined)).toBe(true);
  // The calls, in the order a person reads them: each table's moves recorded as its part ended.
  const calls = result.audit.calls.map((c) => `${c.operation}:${c.outcome}`);
  expect(calls).toEqual([
    'StopReplicationTask:done',
    ...tables.map(() => 'QuarantineTableFiles:done'),
    'StartReplicationTask:done',
    ...tables.flatMap(() => ['MoveReloadedFilesAside:done', 'RestoreQuarantinedFiles:done']),
  ]);

  // Three children per phase, named after the runbook, each completed; none of the per-table activities in the runbook.
  const events = (await handle.fetchHistory()).events ?? [];
  const children = events
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .filter((id): id is string => Boolean(id));
  const phases = ['facts', 'quarantine', 'verify', 'rollback'];
  expect(children).toEqual(phases.flatMap((p) => [1, 2, 3].map((k) => `${handle.workflowId}-${p}-${k}`)));
  for (const id of children) expect((await tw.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
  for (const activity of [
    'readTableFacts',
    'inventoryPrefix',
    'moveObjects',
    'countParquetRows',
    'sourceTableChecksums',
    'readTableStatistics',
  ])
    expect(historyHasActivity(events, activity)).toBe(false);
  // Each facts part read the DMS statistics of its own tables only (a table-name filter), not the whole task's.
  const factsChild = (await tw.client.workflow.getHandle(`${handle.workflowId}-facts-2`).fetchHistory()).events ?? [];
  const statsEvent = factsChild.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'readTableStatistics');
  const statsResult = factsChild.find(
    (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === Number(statsEvent?.eventId),
  );
  const read = JSON.parse(Buffer.from(statsResult!.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!).toString()) as Array<{
    schema: string;
    table: string;
  }>;
  expect(read.map((s) => `${s.schema}.${s.table}`).sort()).toEqual([tables[2], tables[3]].sort());
  // The wait answers the rows loaded into each table, not the task's statistics.
  const waited = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForReload');
  const waitResult = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === Number(waited?.eventId));
  const answer = JSON.parse(Buffer.from(waitResult!.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!).toString()) as {
    fullLoadRows: Record<string, number>;
    stats?: unknown;
  };
  expect(answer.stats).toBeUndefined();
  expect(answer.fullLoadRows).toEqual(Object.fromEntries(tables.map((t, i) => [t, 40 + i])));
  // One lock, on the task, held whole: it stands for every table of the task, and the steps reassert it alone.
  const inputOf = (name: string) =>
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name)
      .map((e) => JSON.parse(Buffer.from(e.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString()) as LockInput);
  const taskLock = `task:${group.taskIdentifier}`;
  const [acquired] = inputOf('acquireLocks');
  expect(acquired!.resources).toEqual([taskLock]);
  expect(acquired!.wholeTasks!.map((w) => [w.task, [...w.tables].sort()])).toEqual([[taskLock, tables.map((t) => `table:${t}`).sort()]]);
  const reasserted = inputOf('reassertLocks');
  expect(reasserted.length).toBeGreaterThan(5);
  for (const r of reasserted) expect(r).toMatchObject({ resources: [taskLock], wholeTasks: [{ task: taskLock, tables: [] }] });
  const quarantineChild = (await tw.client.workflow.getHandle(`${handle.workflowId}-quarantine-3`).fetchHistory()).events ?? [];
  expect(quarantineChild.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'moveObjects')).toHaveLength(1);
});

test('cancelled while a quarantine part moves files: every table of the parts begun is put back, the task resumed, the task free', async () => {
  await taskLoaded();
  const dms = dmsClient();
  const prefixOf = (t: string) => `dms/${t.replace('.', '/')}/`;
  const before = await Promise.all(tables.map((t) => objectsUnder(prefixOf(t))));
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [tables[0]!], reason: 'cancel during a part', mode: 'task', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
  await waitForGate(handle, 'reload', 90000);
  // Every S3 copy held 2 s: the second quarantine part is caught with its moves under way.
  proxy.delayMs = 2000;
  const secondPart = tw.client.workflow.getHandle(`${handle.workflowId}-quarantine-2`);
  try {
    await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
    await eventually(
      () =>
        secondPart.describe().then(
          (d) => d.status.name,
          () => 'not started',
        ),
      (state) => state === 'RUNNING',
      120000,
      'the second quarantine part to run',
    );
    const copiesThen = proxy.copies;
    await eventually(
      () => Promise.resolve(proxy.copies),
      (copies) => copies > copiesThen,
      60000,
      'a copy of the second part',
    );
    await handle.cancel();
    const status = await expectCanceled(handle);
    expect(['quarantine', 'reload']).toContain(status.cancellation!.duringStep);
    // The part was cancelled with its parent, and the undo put back each table whose part had begun.
    expect((await secondPart.describe()).status.name).not.toBe('RUNNING');
    const undo = status.cancellation!.undo;
    expect(undo.every((u) => u.state === 'done')).toBe(true);
    expect(undo.map((u) => u.what)).toContain(`resume task ${group.taskIdentifier}, stopped by this run`);
    const putBack = tables.filter((t) => undo.some((u) => u.what.startsWith(`move ${t}'s quarantined files back`)));
    expect(putBack.slice(0, 4)).toEqual(tables.slice(0, 4));
  } finally {
    proxy.delayMs = 0;
  }
  // Every table's files are where they were, none left in a quarantine; the task runs; its lock is free.
  for (const [i, t] of tables.entries()) {
    expect(await objectsUnder(prefixOf(t))).toEqual(before[i]);
    expect(await objectsUnder(quarantineLayout(handle.workflowId, 'dms', toTableName(t)).quarantinePrefix)).toEqual([]);
  }
  await eventually(
    () => describeTask(dms, taskArn!),
    (t) => t.Status === 'running',
    60000,
    'the task to run again',
  );
  const lock = tw.client.workflow.getHandle(lockWorkflowId(`task:${group.taskIdentifier}`, tw.config.name));
  expect(await lock.query(lockHolderQuery)).toBeUndefined();
  dms.destroy();
});
