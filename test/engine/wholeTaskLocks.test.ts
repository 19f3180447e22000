import { WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { lockActivities, type LockGuards } from '../../activities/locks';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { lockHolderQuery, lockWorkflowId } from '../../contracts/lock';
import { waitForGate } from '../support/runbooks';
import { Drills, startDrills } from './drillHarness';

/**
 * A fullReload of a whole task holds one lock on the task, "whole", instead of one per table; a backfill holds only
 * its table. Each side checks the other after taking its own lock (activities/locks.ts, LockGuards). The real lock
 * activities and resourceLock workflow on the time-skipping test server; the holders are running drill runbooks
 * parked at a gate, so the locks see running runs (or, once terminated, closed ones).
 */

let drills: Drills;

beforeAll(async () => {
  drills = await startDrills({ name: 'whole-task' });
});

afterAll(() => drills?.stop());

type Run = { workflowId: string; firstExecutionRunId: string };

const holderOf = (resource: string) =>
  drills.env.client.workflow
    .getHandle(lockWorkflowId(resource, 'whole-task'))
    .query(lockHolderQuery)
    .catch(() => undefined);

/** The lock activities as a runbook of `kind` calls them, for the run `as`. */
function locksOf(as: Run, kind: string) {
  const env = new MockActivityEnvironment({ taskQueue: drills.taskQueue });
  const locks = lockActivities({ config: drills.config, temporal: drills.env.client } as never);
  const run = { holder: as.workflowId, runId: as.firstExecutionRunId, kind, pipeline: 'whole-task' };
  return {
    acquire: (resources: string[], guards: LockGuards) => env.run(locks.acquireLocks, { resources, ...run, ...guards }),
    reassert: (resources: string[], guards: LockGuards) => env.run(locks.reassertLocks, { resources, ...run, ...guards }),
    checkTables: (guards: LockGuards) => env.run(locks.checkWholeTaskTables, { resources: [], ...run, ...guards }),
    release: (resources: string[]) => env.run(locks.releaseLocks, { resources, ...run }),
  };
}

/** A running run, parked at its gate (it holds `table:<target>` itself, a table no test here uses). */
async function parkedRun(target: string): Promise<WorkflowHandle & Run> {
  const handle = await drills.start({ target });
  await waitForGate(handle, 'go');
  return handle;
}

async function end(handle: WorkflowHandle) {
  await handle.signal(rejectSignal, { gate: 'go', approver: 'dba-oncall', reason: 'only checking the locks' });
  await handle.result();
}

const whole = (task: string, tables: string[]): LockGuards => ({ wholeTasks: [{ task, tables }] });
const within = (table: string, task: string): LockGuards => ({ tableTasks: [{ table, task }] });

test('a whole-task lock is refused while a table of the task is locked, and lets go of the task', async () => {
  const backfill = await parkedRun('shop.wt-holder-1');
  const reload = await parkedRun('shop.wt-holder-2');
  await locksOf(backfill, 'backfillPartitions').acquire(['table:shop.wt1_b'], within('table:shop.wt1_b', 'task:wt1'));

  const refused = await locksOf(reload, 'fullReload')
    .acquire(['task:wt1'], whole('task:wt1', ['table:shop.wt1_a', 'table:shop.wt1_b', 'table:shop.wt1_c']))
    .catch((e: unknown) => e as Error);
  expect(String(refused)).toContain(
    `task:wt1 is busy: runbook backfillPartitions (workflow id ${backfill.workflowId}) run ${backfill.firstExecutionRunId} has been acting on its table:shop.wt1_b`,
  );
  expect(await holderOf('task:wt1')).toBeUndefined();

  // Once the backfill let go, the reload takes the task whole.
  await locksOf(backfill, 'backfillPartitions').release(['table:shop.wt1_b']);
  await locksOf(reload, 'fullReload').acquire(['task:wt1'], whole('task:wt1', ['table:shop.wt1_a', 'table:shop.wt1_b']));
  expect(await holderOf('task:wt1')).toMatchObject({ holder: reload.workflowId, kind: 'fullReload', wholeTask: true });
  await locksOf(reload, 'fullReload').release(['task:wt1']);
  await end(backfill);
  await end(reload);
});

test('a table lock is refused while its task is held whole, and not while the task is held as a task only', async () => {
  const reload = await parkedRun('shop.wt-holder-3');
  const resize = await parkedRun('shop.wt-holder-4');
  const backfill = await parkedRun('shop.wt-holder-5');
  await locksOf(reload, 'fullReload').acquire(['task:wt2'], whole('task:wt2', ['table:shop.wt2_a']));
  // A resize stops and starts the task but acts on no table's files: its task lock is not whole.
  await locksOf(resize, 'resizeInstance').acquire(['task:wt3'], {});

  const refused = await locksOf(backfill, 'backfillPartitions')
    .acquire(['table:shop.wt2_a'], within('table:shop.wt2_a', 'task:wt2'))
    .catch((e: unknown) => e as Error);
  expect(String(refused)).toContain(
    `table:shop.wt2_a is busy: runbook fullReload (workflow id ${reload.workflowId}) run ${reload.firstExecutionRunId} has been acting on every table of task:wt2`,
  );
  expect(await holderOf('table:shop.wt2_a')).toBeUndefined();

  await locksOf(backfill, 'backfillPartitions').acquire(['table:shop.wt3_a'], within('table:shop.wt3_a', 'task:wt3'));
  expect(await holderOf('table:shop.wt3_a')).toMatchObject({ holder: backfill.workflowId });
  await locksOf(backfill, 'backfillPartitions').release(['table:shop.wt3_a']);
  await locksOf(resize, 'resizeInstance').release(['task:wt3']);
  await locksOf(reload, 'fullReload').release(['task:wt2']);
  for (const run of [reload, resize, backfill]) await end(run);
});

test('a whole-task lock taken back after its run closed: the reassert says so, and the tables are checked again', async () => {
  const closed = await parkedRun('shop.wt-holder-6');
  const reset = await parkedRun('shop.wt-holder-7');
  const backfill = await parkedRun('shop.wt-holder-8');
  const guards = whole('task:wt4', ['table:shop.wt4_a', 'table:shop.wt4_b']);
  await locksOf(closed, 'fullReload').acquire(['task:wt4'], guards);
  // A reassert by the run that holds it keeps it: nothing taken back, nothing to check.
  expect(await locksOf(closed, 'fullReload').reassert(['task:wt4'], whole('task:wt4', []))).toEqual({ retaken: [] });

  // The reload's run is terminated (as a reset does); a backfill then finds the task's holder closed and goes ahead.
  await drills.env.client.workflow.getHandle(closed.workflowId).terminate('test: the run is reset');
  await locksOf(backfill, 'backfillPartitions').acquire(['table:shop.wt4_b'], within('table:shop.wt4_b', 'task:wt4'));

  // The new run (here: another running run) reasserts the task: it takes it back from the closed run, still whole...
  const answer = await locksOf(reset, 'fullReload').reassert(['task:wt4'], whole('task:wt4', []));
  expect(answer).toEqual({ retaken: ['task:wt4'] });
  expect(await holderOf('task:wt4')).toMatchObject({ holder: reset.workflowId, wholeTask: true });
  // ...and the check of the tables finds the backfill.
  const refused = await locksOf(reset, 'fullReload')
    .checkTables(guards)
    .catch((e: unknown) => e as Error);
  expect(String(refused)).toContain(`task:wt4 is busy: runbook backfillPartitions (workflow id ${backfill.workflowId})`);

  // The other way round: a backfill's table lock taken back checks its task in the reassert itself.
  await drills.env.client.workflow.getHandle(backfill.workflowId).terminate('test: the backfill is reset');
  const backfillReset = await parkedRun('shop.wt-holder-9');
  const again = await locksOf(backfillReset, 'backfillPartitions')
    .reassert(['table:shop.wt4_b'], within('table:shop.wt4_b', 'task:wt4'))
    .catch((e: unknown) => e as Error);
  expect(String(again)).toContain(`table:shop.wt4_b is busy: runbook fullReload (workflow id ${reset.workflowId})`);
  expect(await holderOf('table:shop.wt4_b')).toMatchObject({ holder: backfillReset.workflowId });
  await locksOf(backfillReset, 'backfillPartitions').release(['table:shop.wt4_b']);
  await locksOf(reset, 'fullReload').release(['task:wt4']);
  await end(reset);
  await end(backfillReset);
});

test('a runbook whose whole-task lock was freed under it checks the tables before its next step, and stops', async () => {
  const guards = whole('task:wt5', ['table:shop.wt5_a']);
  const reload = await drills.start({ target: 'shop.wt-holder-10', wholeTask: guards.wholeTasks![0] });
  await waitForGate(reload, 'go');
  expect(await holderOf('task:wt5')).toMatchObject({ holder: reload.workflowId, wholeTask: true });
  // The lock freed by hand (the doctor's release command), and a backfill goes ahead on a table of the task.
  await locksOf(reload, 'fullReload').release(['task:wt5']);
  const backfill = await parkedRun('shop.wt-holder-11');
  await locksOf(backfill, 'backfillPartitions').acquire(['table:shop.wt5_a'], within('table:shop.wt5_a', 'task:wt5'));

  // Approved, the run reasserts its locks before its next step: it takes the task back, then finds the backfill.
  await reload.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'go' });
  const error = await reload.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(String((error as WorkflowFailedError).cause?.message)).toContain(
    `task:wt5 is busy: runbook backfillPartitions (workflow id ${backfill.workflowId})`,
  );
  const history = (await reload.fetchHistory()).events ?? [];
  const scheduled = history.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(scheduled.filter((name) => name === 'checkWholeTaskTables')).toHaveLength(1);
  // The run's end let go of what it held: the task, whole, is free; the backfill keeps its table.
  expect(await holderOf('task:wt5')).toBeUndefined();
  expect(await holderOf('table:shop.wt5_a')).toMatchObject({ holder: backfill.workflowId });
  await locksOf(backfill, 'backfillPartitions').release(['table:shop.wt5_a']);
  await end(backfill);
});
