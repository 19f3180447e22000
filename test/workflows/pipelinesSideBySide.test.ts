import { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { lastSchemaDriftRun } from '../../activities/doctor/schemaDriftRuns';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startRunbook } from '../../client/runbooks';
import { lockHolderQuery, lockWorkflowId } from '../../contracts/lock';
import { runbookKindKey, runbookPipelineKey } from '../../contracts/searchAttributes';
import type { TaskGroupConfig } from '../../domain/config';
import { activityHarness } from '../support/activityHarness';
import { captureHistory } from '../support/histories';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { requireEnv } from '../support/stackEnv';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * Two pipelines in one namespace — two configurations with different `name`s, a worker and task queue each, the same
 * table in a task group with the same task identifier — run onboardTable on that table at once: both take their
 * locks and wait at their gate, and each pipeline's lookups (running runbooks, the doctor's interrupted runs and its
 * last schemaDriftWatch run) list only its own runs. A run from before pipeline names is found by its task queue. Lock ids on their own, and an old
 * run's unscoped lock during the deploy: test/engine/pipelineLocks.test.ts.
 */

interface Pipeline {
  name: string;
  worker: TestWorker;
  harness: Awaited<ReturnType<typeof activityHarness>>;
  run?: WorkflowHandle;
}

let table: string;
let group: TaskGroupConfig;
const pipelines: Pipeline[] = [];
const legacyQueue = `legacy-${process.pid}-${Date.now()}`;
let legacyRun: WorkflowHandle | undefined;

beforeAll(async () => {
  const name = uniqueName('side');
  table = await createScratchTable(name, { rows: 5 });
  group = scratchGroup(`g-${name}`, [table]);
  for (const key of ['a', 'b']) {
    const base = testConfig();
    const config = testConfig({ name: `${name}-${key}`, taskGroups: [...base.taskGroups, group] });
    pipelines.push({ name: config.name, worker: await startTestWorker(config), harness: await activityHarness(config) });
  }
});

afterAll(async () => {
  for (const p of pipelines) await p.run?.cancel().catch(() => undefined);
  await legacyRun?.terminate('test over').catch(() => undefined);
  for (const p of pipelines) {
    await p.worker.stop();
    await p.harness.close();
  }
  if (table) await dropScratchTable(table);
});

/** An activity of the pipeline as its worker runs it: on the worker's task queue (or another, for old runs). */
function onQueue<A extends unknown[], R>(taskQueue: string, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment({ taskQueue }).run(fn, ...args);
}

/** Visibility is eventually consistent: the lookup is asked until it answers `expected`, then compared once more. */
async function settled<T>(expected: T, probe: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    value = await probe();
  }
  return value;
}

const runningIds = async (p: Pipeline, taskQueue = p.worker.taskQueue) =>
  (await onQueue(taskQueue, p.harness.activities.findRunningRunbooks, { kind: 'onboardTable' })).map((r) => r.workflowId).sort();

test('both pipelines take their locks on the same table and task, and each lookup lists only its own run', async () => {
  for (const p of pipelines) {
    p.run = await startRunbook(
      p.worker.client,
      'onboardTable',
      { table },
      { taskQueue: p.worker.taskQueue, workflowId: uniqueName(`ob-${p.name}`) },
    );
  }
  for (const p of pipelines) await waitForGate(p.run!, 'apply-mapping');

  for (const p of pipelines) {
    for (const resource of [`table:${table}`, `task:${group.taskIdentifier}`]) {
      const held = await p.worker.client.workflow.getHandle(lockWorkflowId(resource, p.name)).query(lockHolderQuery);
      expect(held).toMatchObject({ holder: p.run!.workflowId, kind: 'onboardTable' });
    }
    expect((await p.run!.describe()).searchAttributes.RunbookPipeline).toEqual([p.name]);
    expect(await settled([p.run!.workflowId], () => runningIds(p))).toEqual([p.run!.workflowId]);
  }
});

test('a run from before pipeline names (no RunbookPipeline) is found by the pipeline whose worker queue it ran on', async () => {
  const [a, b] = pipelines as [Pipeline, Pipeline];
  // As an old run looks in visibility: its kind set, no pipeline, on a queue (here one no worker polls).
  legacyRun = await a.worker.client.workflow.start('onboardTable', {
    taskQueue: legacyQueue,
    workflowId: uniqueName('legacy'),
    args: [{ table }],
    typedSearchAttributes: [{ key: runbookKindKey, value: 'onboardTable' }],
  });
  const expected = [a.run!.workflowId, legacyRun.workflowId].sort();
  expect(await settled(expected, () => runningIds(a, legacyQueue))).toEqual(expected);
  expect(await runningIds(b)).toEqual([b.run!.workflowId]);
  await legacyRun.terminate('test: only its visibility was wanted');
});

test("the doctor's interrupted-run lookup sees only its own pipeline's cancelled run", async () => {
  for (const p of pipelines) await p.run!.cancel();
  for (const p of pipelines) await p.run!.result().catch(() => undefined);
  // The path after patched('pipeline-scoped-runs'): the RunbookPipeline upsert, scoped locks (for the replay suite).
  await captureHistory(pipelines[0]!.run!, 'onboardTable', 'cancelled-at-gate-pipeline-scoped');
  for (const p of pipelines) {
    const check = () =>
      onQueue(p.worker.taskQueue, p.harness.activities.checkLeftovers, { at: new Date().toISOString(), taskGroups: [group.name] }).then(
        (r) => r.summary.split(';')[0],
      );
    expect(await settled('1 interrupted run(s) in the last 168 h', check)).toBe('1 interrupted run(s) in the last 168 h');
  }
});

test("the doctor's drift check reads its own pipeline's last schemaDriftWatch run, not another's", async () => {
  const [a, b] = pipelines as [Pipeline, Pipeline];
  // A completed watch of pipeline b (the stand-in completes with the result it is given), on a queue of its own.
  const taskQueue = uniqueName('fake-drift');
  const connection = await NativeConnection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('../support/fakeSchemaDriftWatch') });
  const workflowId = uniqueName('drift-b');
  const typedSearchAttributes = [{ key: runbookPipelineKey, value: b.name }];
  await worker.runUntil(
    b.worker.client.workflow.execute('schemaDriftWatch', { taskQueue, workflowId, args: [{ changes: [] }], typedSearchAttributes }),
  );
  await connection.close();

  const lastOf = async (p: Pipeline) => (await lastSchemaDriftRun(p.worker.client, p.name, p.worker.taskQueue)).last?.workflowId;
  expect(await settled(workflowId, () => lastOf(b))).toBe(workflowId);
  expect(await lastOf(a)).toBeUndefined();
});
