import type { ChildProcess } from 'node:child_process';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { PipelineConfig, TaskGroupConfig } from '../../domain/config';
import { quarantineLayout, quarantineRoot } from '../../domain/quarantineLayout';
import type { RunbookStatus } from '../../domain/runbookStatus';
import { toTableName } from '../../domain/tableName';
import { statusQuery } from '../../contracts/handlers';
import type { RunbookResult } from '../../workflows/engine/runbook';
import type { FullReloadReport } from '../../workflows/fullReload';
import type { ResizeReport } from '../../workflows/resizeInstance';
import { activityHarness } from '../support/activityHarness';
import { clearDmsFaults, mutatingCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { describeTask, eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import { objectsUnder, removeTask, replicateGroup, tableStatistics } from '../support/replicatedTables';
import {
  createResizeFixture,
  deleteResizeFixture,
  describeInstance,
  expectResizedAndResumed,
  ResizeFixture,
  resizeTestConfig,
  taskStatus,
} from '../support/resizeFixtures';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { killHard, spawnWorker, stopGracefully } from '../support/workerProcesses';

jest.setTimeout(240000);

/**
 * The worker killed (SIGKILL) at the dangerous points of fullReload and resizeInstance: right after a mutating DMS call
 * (once the runbook has recorded it) and while the runbook waits on DMS. A new worker finishes each runbook, and no
 * mutating call is made twice (the emulator's counters), and for fullReload no S3 object is lost or duplicated. At each
 * kill the call just made is also retried as an attempt that lost its completion would be: the activity sees the call
 * took effect and skips it. (The kill in the middle of the quarantine move is test/workflows/fullReload.crash.test.ts.)
 */

let client: Client;
let connection: Connection;
let worker: ChildProcess | undefined;
let config: PipelineConfig;
let h: Awaited<ReturnType<typeof activityHarness>>;
let fx: ResizeFixture;
const queue = `crash-points-${uniqueName('q')}`;
const reloads: Record<'tables' | 'task', { table: string; group: TaskGroupConfig; taskArn?: string }> = {} as never;

/** temporal.api.enums.v1.PendingActivityState: the activity waits for its next attempt (none running). */
const PENDING_ACTIVITY_STATE_SCHEDULED = 1;

/** Emulated seconds added to each (re)load: 6 s of real time at the sandbox's speed, time to kill in the wait. */
const LONG_LOAD_SECONDS = 360;

beforeAll(async () => {
  for (const mode of ['tables', 'task'] as const) {
    const name = uniqueName(`cp${mode}`);
    const table = await createScratchTable(name, { rows: 300 });
    const group = scratchGroup(`g-${name}`, [table]);
    reloads[mode] = { table, group, taskArn: await replicateGroup(group) };
  }
  fx = await createResizeFixture(uniqueName('cprs'));
  config = resizeTestConfig(fx.instance, ['dms.r5.large', 'dms.r5.xlarge'], {
    taskGroups: [...testConfig().taskGroups, reloads.tables.group, reloads.task.group],
    waits: { instanceModifyMinutes: 2 },
  });
  h = await activityHarness(config);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  await clearDmsFaults();
  if (worker) await stopGracefully(worker);
  await h?.close();
  await connection?.close();
  for (const { table, taskArn } of Object.values(reloads)) {
    await removeTask(taskArn);
    await dropScratchTable(table);
  }
  await deleteResizeFixture(fx);
});

async function restartWorker(): Promise<void> {
  if (worker) await stopGracefully(worker);
  worker = await spawnWorker(config, queue);
}

/**
 * Once the audit holds a done `operation`, waits until the runbook's `waitActivity` is between two polls (its last
 * attempt failed with "still waiting", the next one not started), then SIGKILLs the worker: the kill lands right after
 * the call, in the wait that follows it, without losing an attempt in flight (that would only cost its 20-s timeout).
 * The worker's process must be gone, so the runbook can only go on with another worker.
 */
async function killAfter(handle: WorkflowHandle, operation: string, waitActivity: string): Promise<RunbookStatus> {
  const deadline = Date.now() + 120000;
  let status: RunbookStatus | undefined;
  for (;;) {
    status = await handle.query(statusQuery).catch(() => status);
    if (status?.audit.calls.some((c) => c.operation === operation && c.outcome === 'done')) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const wait = pending.find((a) => a.activityType?.name === waitActivity);
      if (wait && (wait.attempt ?? 0) >= 2 && Number(wait.state) === PENDING_ACTIVITY_STATE_SCHEDULED) break;
    }
    if (Date.now() > deadline)
      throw new Error(`never between two polls of ${waitActivity} after ${operation}; steps: ${JSON.stringify(status?.steps)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const pid = worker!.pid!;
  await killHard(worker!);
  worker = undefined;
  expect(() => process.kill(pid, 0)).toThrow();
  return status;
}

const prefixOf = (table: string) => `dms/${table.replace('.', '/')}/`;

/** At the finalize gate: the quarantine holds exactly the old objects, the table's prefix only the reload's files. */
async function expectFilesAccountedFor(handle: WorkflowHandle, table: string, before: Array<{ key: string; size: number }>) {
  const status = await waitForGate(handle, 'finalize', 150000);
  expect(status.pendingGate!.note).toContain('Verification passed for 1 table(s)');
  const root = quarantineRoot(handle.workflowId);
  const layout = quarantineLayout(handle.workflowId, 'dms', toTableName(table));
  const quarantined = (await objectsUnder(layout.quarantinePrefix)).map((o) => ({ key: o.key.slice(root.length), size: o.size }));
  expect(quarantined).toEqual(before);
  const live = await objectsUnder(prefixOf(table));
  expect(live.length).toBeGreaterThan(0);
  expect(live.every((o) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(o.key))).toBe(true);
  return live;
}

async function finalize(handle: WorkflowHandle, live: Array<{ key: string }>) {
  await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'counts match', decision: 'approve' });
  const result = (await handle.result()) as RunbookResult<FullReloadReport>;
  expect(result.outcome).toBe('succeeded');
  const [verification] = result.report!.verification!;
  expect(verification).toMatchObject({ sourceRows: 300, dmsFullLoadRows: 300, parquetLoadRows: 300, matches: true });
  // Every object in the table's prefix is one of the reload's LOAD files, each counted once.
  expect(verification!.parquetLoadFiles).toBe(live.length);
  expect(await objectsUnder(quarantineRoot(handle.workflowId))).toEqual([]);
  return result;
}

describe('SIGKILL at the dangerous points', () => {
  test('fullReload (ReloadTables): killed right after ReloadTables, during the reload wait; nothing repeated, lost or duplicated', async () => {
    const { table, group, taskArn } = reloads.tables;
    const before = await objectsUnder(prefixOf(table));
    const loadStartedBefore = (await tableStatistics(taskArn!))[0]!.FullLoadStartTime!.toISOString();
    await setDmsFaults({ extraFullLoadSeconds: { [group.taskIdentifier]: LONG_LOAD_SECONDS } });
    await restartWorker();
    const handle = await startRunbook(
      client,
      'fullReload',
      { tables: [table], reason: 'crash drill', checkCurrentFiles: false },
      { taskQueue: queue },
    );
    await waitForGate(handle, 'reload');
    await resetDmsCalls();
    await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });

    const status = await killAfter(handle, 'ReloadTables', 'waitForReload');
    expect(status.steps.find((s) => s.id === 'wait')!.state).toBe('current');
    expect((await tableStatistics(taskArn!))[0]!.TableState).toBe('Table is being reloaded');
    // The same call retried, as after a crash that lost its completion: the load start moved, so it is skipped.
    const retried = await h.run(h.activities.reloadTables, {
      taskArn: taskArn!,
      tables: [toTableName(table)],
      loadStartedBefore: { [table]: loadStartedBefore },
    });
    expect(retried.outcome).toBe('skipped');
    expect(await mutatingCalls()).toEqual({ ReloadTables: 1 });

    await restartWorker();
    const live = await expectFilesAccountedFor(handle, table, before);
    const result = await finalize(handle, live);
    expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'QuarantineTableFiles:done',
      'ReloadTables:done',
      'DeleteQuarantine:done',
    ]);
    expect(await mutatingCalls()).toEqual({ ReloadTables: 1 });
    await captureHistory(handle, 'fullReload', 'worker-killed-after-reload-tables');
  });

  test('fullReload (task mode): killed right after StopReplicationTask, then right after the reload-target start; nothing repeated, lost or duplicated', async () => {
    const { table, group, taskArn } = reloads.task;
    const before = await objectsUnder(prefixOf(table));
    const { [group.taskIdentifier]: task } = await h.run(h.activities.findTasks, { identifiers: [group.taskIdentifier] });
    await setDmsFaults({ extraFullLoadSeconds: { [group.taskIdentifier]: LONG_LOAD_SECONDS } });
    await restartWorker();
    const handle = await startRunbook(
      client,
      'fullReload',
      { tables: [table], reason: 'crash drill, task mode', mode: 'task', checkCurrentFiles: false },
      { taskQueue: queue },
    );
    await waitForGate(handle, 'reload');
    await resetDmsCalls();
    await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });

    await killAfter(handle, 'StopReplicationTask', 'waitForTask');
    // Nothing moved yet: the files are all in the table's prefix.
    expect(await objectsUnder(prefixOf(table))).toEqual(before);
    // Describe may still show the task running for a while after the stop (the emulator's describeLag).
    await eventually(
      () => describeTask(fx.dms, taskArn!).then((t) => t.Status),
      (status) => status === 'stopping' || status === 'stopped',
      30000,
      'the stop to show',
    );
    expect((await h.run(h.activities.stopTask, { taskArn: taskArn! })).outcome).toBe('skipped');
    await restartWorker();

    const status = await killAfter(handle, 'StartReplicationTask', 'waitForReload');
    expect(status.steps.find((s) => s.id === 'quarantine')!.state).toBe('done');
    expect((await tableStatistics(taskArn!))[0]!.TableState).not.toBe('Table completed');
    // The retry judges from Describe, which may lag the start for a while (describeLag): let the start show first.
    await eventually(
      () => describeTask(fx.dms, taskArn!).then((t) => t.Status),
      (s) => s !== 'stopped',
      30000,
      'the start to show',
    );
    const retried = await h.run(h.activities.startTask, {
      taskArn: taskArn!,
      startType: 'reload-target',
      previousStartDate: task!.startDate ?? null,
    });
    expect(retried.outcome).toBe('skipped');
    expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, StartReplicationTask: 1 });

    await restartWorker();
    const live = await expectFilesAccountedFor(handle, table, before);
    const result = await finalize(handle, live);
    expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'StopReplicationTask:done',
      'QuarantineTableFiles:done',
      'StartReplicationTask:done',
      'DeleteQuarantine:done',
    ]);
    expect(result.audit.calls[2]!.params).toMatchObject({ StartReplicationTaskType: 'reload-target' });
    expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, StartReplicationTask: 1 });
    expect(await taskStatus(fx.dms, taskArn!)).toBe('running');
    await captureHistory(handle, 'fullReload', 'worker-killed-after-stop-and-reload-start');
  });

  test('resizeInstance: killed right after StopReplicationTask, then right after ModifyReplicationInstance while the instance is modifying', async () => {
    await restartWorker();
    const handle = await startRunbook(
      client,
      'resizeInstance',
      { instance: fx.instance, targetClass: 'dms.r5.xlarge' },
      { taskQueue: queue },
    );
    await waitForGate(handle, 'resize');
    await resetDmsCalls();
    await decide(handle, { gate: 'resize', approver: 'data-platform-lead', reason: 'CHG-7', decision: 'approve' });

    await killAfter(handle, 'StopReplicationTask', 'waitForTask');
    await eventually(
      () => taskStatus(fx.dms, fx.runningArn),
      (status) => status === 'stopping' || status === 'stopped',
      30000,
      'the stop to show',
    );
    expect((await h.run(h.activities.stopTask, { taskArn: fx.runningArn })).outcome).toBe('skipped');
    await restartWorker();

    const status = await killAfter(handle, 'ModifyReplicationInstance', 'waitForInstance');
    expect(status.steps.find((s) => s.id === 'modify')!.state).toBe('current');
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceStatus).toBe('modifying');
    const retried = await h.run(h.activities.modifyInstance, { instanceArn: fx.pipeline.instanceArn, instanceClass: 'dms.r5.xlarge' });
    expect(retried.outcome).toBe('skipped');
    expect(retried.detail).toContain('already being modified to dms.r5.xlarge');
    expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, ModifyReplicationInstance: 1 });

    await restartWorker();
    const result = await handle.result();
    expect((result.report as ResizeReport).after.instanceClass).toBe('dms.r5.xlarge');
    await expectResizedAndResumed(fx, result, 'dms.r5.xlarge');
    await captureHistory(handle, 'resizeInstance', 'worker-killed-after-stop-and-modify');
  });
});
