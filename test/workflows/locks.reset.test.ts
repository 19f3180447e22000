import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { lockHolderQuery, lockWorkflowId } from '../../contracts/lock';
import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { rejectSignal } from '../../contracts/handlers';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { captureHistory } from '../support/histories';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * Locks survive what an operator does to a run: a reset run (same workflow id, new run id) does not inherit the
 * locks of the run it replaced, and the locks of a terminated run free themselves without a contender.
 */

const EventType = temporal.api.enums.v1.EventType;
let tw: TestWorker;
const tables: Record<string, string> = {};
const groups: TaskGroupConfig[] = [];

beforeAll(async () => {
  for (const key of ['reset', 'term']) {
    const name = uniqueName(`lk${key}`);
    tables[key] = await createScratchTable(name, { rows: 5 });
    groups.push(scratchGroup(`g-${name}`, [tables[key]]));
  }
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, ...groups], thresholds: { lockHolderCheckSeconds: 1 } }));
});

afterAll(async () => {
  await tw?.stop();
  for (const table of Object.values(tables)) await dropScratchTable(table);
});

async function lockHolder(resource: string) {
  return tw.client.workflow.getHandle(lockWorkflowId(resource, tw.config.name)).query(lockHolderQuery);
}

async function lockStatus(resource: string): Promise<string> {
  return (await tw.client.workflow.getHandle(lockWorkflowId(resource, tw.config.name)).describe()).status.name;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Resets the run to the workflow task completed just after its locks were granted (before the gate). */
async function resetAfterLocks(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      e.activityTaskScheduledEventAttributes?.activityType?.name === 'acquireLocks',
  );
  const completedAt = events.findIndex(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
      Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(scheduled?.eventId),
  );
  const point = events.slice(completedAt).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  if (!scheduled || !point) throw new Error('no acquireLocks activity followed by a workflow task in the history');
  const { runId } = await tw.client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId },
    reason: 'test: reset to before the gate',
    workflowTaskFinishEventId: point.eventId,
    requestId: randomUUID(),
  });
  return runId;
}

describe('locks and interrupted runs', () => {
  beforeEach(() => resetDmsCalls());

  test('a reset run cannot act while another run holds its target', async () => {
    const table = tables.reset!;
    const first = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
    await waitForGate(first, 'apply-mapping');
    const firstRun = (await first.describe()).runId;
    expect(await lockHolder(`table:${table}`)).toMatchObject({ holder: first.workflowId, runId: firstRun });
    await first.terminate('test: an operator terminates the run');

    // Another runbook takes the target of the terminated run.
    const second = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
    await waitForGate(second, 'apply-mapping');
    const secondRun = (await second.describe()).runId;
    expect(await lockHolder(`table:${table}`)).toMatchObject({ holder: second.workflowId, runId: secondRun });

    // The reset run replays "locks granted" from the terminated run's history, then asks again before its next step.
    const resetRun = await resetAfterLocks(first);
    expect(resetRun).not.toBe(firstRun);
    const reset = tw.client.workflow.getHandle(first.workflowId, resetRun);
    const error = await reset.result().then(
      (r) => new Error(`expected the reset run to fail, got ${r.outcome}`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain(`this run (run id ${resetRun}) no longer holds`);
    expect(message).toContain(`runbook onboardTable (workflow id ${second.workflowId}) run ${secondRun}`);
    // The second runbook still holds its target, and the reset run changed nothing in DMS.
    expect(await lockHolder(`table:${table}`)).toMatchObject({ holder: second.workflowId, runId: secondRun });
    expect(await mutatingCalls()).toEqual({});

    await second.signal(rejectSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'test over' });
    expect((await second.result()).outcome).toBe('rejected');
    await captureHistory(second, 'onboardTable', 'rejected-locks-reasserted');
  });

  test("a terminated run's locks are freed without waiting for a contender", async () => {
    const table = tables.term!;
    const run = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
    await waitForGate(run, 'apply-mapping');
    const held = await lockHolder(`table:${table}`);
    expect(held).toMatchObject({ holder: run.workflowId, kind: 'onboardTable' });
    await run.terminate('test: an operator terminates the run');
    // The lock checks its holder every second (lockHolderCheckSeconds: 1), finds it closed and ends: free.
    await until('the lock to free itself', async () => ((await lockStatus(`table:${table}`)) === 'COMPLETED' ? true : undefined));
    expect(await lockHolder(`table:${table}`)).toBeUndefined();
    // Nobody else was involved: a dry run now goes through, and a real one takes the lock as a fresh holder.
    const again = await startRunbook(tw.client, 'onboardTable', { table, dryRun: true }, { taskQueue: tw.taskQueue });
    expect((await again.result()).outcome).toBe('dry-run');
  });
});
