import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { captureHistory } from '../support/histories';
import { StartReplicationTaskCommand } from '@aws-sdk/client-database-migration-service';
import { admin, describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { scratchGroup, waitForGate, waitForStatus, expectCanceled } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

/**
 * Cancelling onboardTable against the real stack: at its gate (nothing to undo), and while the task it stopped is
 * still stopping (a DMS wait, made long by slowing the emulator's clock): the run shows `canceling` with what it
 * undoes, restores the mapping, resumes the task, sends `canceled`, closes Canceled and frees its locks.
 */

let tw: TestWorker;
/** The same pipeline with `onCancel.stoppedTasks: leave-stopped`. */
let leaveStopped: TestWorker;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const tables: string[] = [];
let group: TaskGroupConfig;
const dms = dmsClient();

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  for (const key of ['first', 'second']) tables.push(await createScratchTable(uniqueName(`obc${key}`), { rows: 300 }));
  group = scratchGroup(`g-${tables[0]!.split('.')[1]}`, [...tables]);
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, group], notifications: { webhookUrl: webhook.url } }));
  leaveStopped = await startTestWorker(
    testConfig({
      taskGroups: [...base.taskGroups, group],
      notifications: { webhookUrl: webhook.url },
      onCancel: { stoppedTasks: 'leave-stopped' },
    }),
  );
});

afterAll(async () => {
  await admin('/clock', 'POST', { speed: normalSpeed }).catch(() => undefined);
  await tw?.stop();
  await leaveStopped?.stop();
  await webhook?.close();
  for (const table of tables) await dropScratchTable(table);
});

let normalSpeed = 0;
const start = (table: string, worker = tw) =>
  startRunbook(worker.client, 'onboardTable', { table, taskGroup: group.name }, { taskQueue: worker.taskQueue });

describe('onboardTable cancelled', () => {
  test('at its gate: Canceled, nothing to undo, `canceled` sent, the table free for the next run', async () => {
    const handle = await start(tables[0]!);
    await waitForGate(handle, 'apply-mapping');
    await handle.cancel();
    const status = await expectCanceled(handle);
    expect(status.phase).toBe('canceled');
    expect(status.pendingGate).toBeUndefined();
    expect(status.cancellation).toMatchObject({ duringStep: 'gate:apply-mapping', undo: [] });
    expect(status.steps.find((s) => s.id === 'gate:apply-mapping')).toMatchObject({ state: 'skipped', detail: 'cancelled' });
    expect(status.audit.calls).toEqual([]);
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'canceled']);
    await captureHistory(handle, 'onboardTable', 'cancelled-at-gate');

    // Locks free: the same table onboards at once (and creates the group's task for the next test).
    const again = await start(tables[0]!);
    await waitForGate(again, 'apply-mapping');
    await decide(again, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'after cancel', decision: 'approve' });
    expect((await again.result()).outcome).toBe('succeeded');
  });

  test('while the task it stopped is stopping (a DMS wait): shows canceling, resumes the task, mapping unchanged', async () => {
    const handle = await start(tables[1]!);
    const gate = await waitForGate(handle, 'apply-mapping');
    expect(gate.pendingGate!.plan.calls.map((c) => c.operation)).toEqual([
      'StopReplicationTask',
      'ModifyReplicationTask',
      'StartReplicationTask',
    ]);
    const taskArn = gate.pendingGate!.plan.calls[0]!.params.ReplicationTaskArn as string;
    const before = await describeTask(dms, taskArn);
    // A slow clock keeps the task `stopping`: the run sits in its DMS wait after StopReplicationTask.
    normalSpeed = (await admin<{ speed: number }>('/clock')).speed;
    await admin('/clock', 'POST', { speed: 0.02 });
    await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'to be cancelled', decision: 'approve' });
    await waitForStatus(handle, (s) => s.audit.calls.some((c) => c.operation === 'StopReplicationTask' && c.outcome === 'done'));
    await tw.client.workflowService.requestCancelWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId },
      reason: 'dba-oncall: wrong table',
      identity: 'dms-runbooks-cli dba-oncall',
      requestId: `${handle.workflowId}-cancel`,
    });
    // While the task is still stopping, the status says what is being undone (the mapping was not changed yet).
    const canceling = await waitForStatus(
      handle,
      (s) => s.phase === 'canceling' && s.cancellation?.undo.some((u) => u.state === 'running') === true,
    );
    expect(canceling.cancellation).toMatchObject({
      requestedBy: 'dms-runbooks-cli dba-oncall',
      reason: 'dba-oncall: wrong table',
      duringStep: 'apply',
    });
    expect(canceling.cancellation!.undo).toEqual([
      {
        what: `resume task ${group.taskIdentifier}, stopped by this run`,
        state: 'running',
        command: `aws dms start-replication-task --replication-task-arn ${taskArn} --start-replication-task-type resume-processing`,
      },
    ]);
    await admin('/clock', 'POST', { speed: normalSpeed });

    const status = await expectCanceled(handle);
    expect(status.phase).toBe('canceled');
    expect(status.cancellation!.undo).toMatchObject([{ state: 'done', detail: 'resumed (done): stopped → running' }]);
    expect(status.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual(['StopReplicationTask:done', 'StartReplicationTask:done']);
    const after = await describeTask(dms, taskArn);
    expect(after.Status).toBe('running');
    expect(JSON.parse(after.TableMappings!)).toEqual(JSON.parse(before.TableMappings!));
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);
    const canceled = webhook.received.find((n) => n.dms_runbooks.workflowId === handle.workflowId && n.dms_runbooks.event === 'canceled')!;
    expect(canceled.text).toContain('by dms-runbooks-cli dba-oncall');
    expect(canceled.text).toContain(`DONE · resume task ${group.taskIdentifier}`);
    await captureHistory(handle, 'onboardTable', 'cancelled-while-stopping-the-task');

    // Locks free: the same table and task can be taken by the next run.
    const next = await start(tables[1]!);
    await waitForGate(next, 'apply-mapping');
    await next.cancel();
    await expectCanceled(next);
  });

  test('with onCancel.stoppedTasks: leave-stopped, the task stays stopped and the result prints its resume command', async () => {
    const handle = await start(tables[1]!, leaveStopped);
    const gate = await waitForGate(handle, 'apply-mapping');
    const taskArn = gate.pendingGate!.plan.calls[0]!.params.ReplicationTaskArn as string;
    const resume = `aws dms start-replication-task --replication-task-arn ${taskArn} --start-replication-task-type resume-processing`;
    await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'to be cancelled', decision: 'approve' });
    await waitForStatus(handle, (s) => s.audit.calls.some((c) => c.operation === 'StopReplicationTask' && c.outcome === 'done'));
    await handle.cancel();

    const status = await expectCanceled(handle);
    expect(status.cancellation!.undo).toEqual([
      {
        what: `task ${group.taskIdentifier} stays stopped (onCancel.stoppedTasks: leave-stopped); resume it by hand`,
        state: 'left',
        command: resume,
      },
    ]);
    const canceled = webhook.received.find((n) => n.dms_runbooks.workflowId === handle.workflowId && n.dms_runbooks.event === 'canceled')!;
    expect(canceled.text).toContain(`by hand: \`${resume}\``);
    const stopped = await eventually(
      () => describeTask(dms, taskArn),
      (t) => t.Status === 'stopped',
      30000,
    );
    expect(stopped.Status).toBe('stopped');
    // The printed command works (run here through the SDK): the task runs again.
    await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'resume-processing' }));
    await eventually(
      () => describeTask(dms, taskArn),
      (t) => t.Status === 'running',
      30000,
    );
  });
});
