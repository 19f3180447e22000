import { WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { lockActivities } from '../../activities/locks';
import { rejectSignal } from '../../contracts/handlers';
import { lockHolderQuery, lockWorkflowId } from '../../contracts/lock';
import { waitForGate } from '../support/runbooks';
import { Drills, startDrills } from './drillHarness';

/**
 * Two pipelines in one namespace (two configurations with different `name`s, a worker and task queue each) lock
 * the same table apart, while inside one pipeline a lock still excludes; and during the deploy that brings pipeline
 * names, an old run's unscoped lock and a new run's scoped lock of the same resource exclude each other. The real lock
 * activities and resourceLock workflow, on the time-skipping test server. Lookups by pipeline: test/workflows/pipelinesSideBySide.test.ts.
 */

let drills: Drills;
let other: Awaited<ReturnType<Drills['anotherPipeline']>>;

beforeAll(async () => {
  drills = await startDrills({ name: 'pipeline-a' });
  other = await drills.anotherPipeline({ name: 'pipeline-b' });
});

afterAll(() => drills?.stop());

const holderOf = (workflowId: string) => drills.env.client.workflow.getHandle(workflowId).query(lockHolderQuery);

async function reject(handle: WorkflowHandle) {
  await handle.signal(rejectSignal, { gate: 'go', approver: 'dba-oncall', reason: 'only checking the lock' });
  expect((await handle.result()).outcome).toBe('rejected');
}

async function failureOf(handle: WorkflowHandle): Promise<string> {
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return String((error as WorkflowFailedError).cause?.message);
}

type Run = { workflowId: string; firstExecutionRunId: string };

/** The lock activities as a run from before pipeline names calls them (no `pipeline`), on pipeline-a's worker. */
function legacyLocks() {
  const env = new MockActivityEnvironment({ taskQueue: drills.taskQueue });
  const locks = lockActivities({ config: drills.config, temporal: drills.env.client } as never);
  return {
    acquire: (resource: string, holder: Run) =>
      env.run(locks.acquireLocks, {
        resources: [resource],
        holder: holder.workflowId,
        runId: holder.firstExecutionRunId,
        kind: 'onboardTable',
      }),
    release: (resource: string, holder: Run) =>
      env.run(locks.releaseLocks, { resources: [resource], holder: holder.workflowId, runId: holder.firstExecutionRunId }),
  };
}

test('two pipelines hold the same table at once, each under its own lock id; inside a pipeline the lock still excludes', async () => {
  const a = await drills.start({ target: 'shop.shared' });
  const b = await other.start({ target: 'shop.shared' });
  await waitForGate(a, 'go');
  await waitForGate(b, 'go');
  expect(await holderOf(lockWorkflowId('table:shop.shared', 'pipeline-a'))).toMatchObject({ holder: a.workflowId });
  expect(await holderOf(lockWorkflowId('table:shop.shared', 'pipeline-b'))).toMatchObject({ holder: b.workflowId });
  expect((await a.describe()).searchAttributes.RunbookPipeline).toEqual(['pipeline-a']);
  expect((await b.describe()).searchAttributes.RunbookPipeline).toEqual(['pipeline-b']);

  const second = await drills.start({ target: 'shop.shared' });
  expect(await failureOf(second)).toContain(`table:shop.shared is busy: runbook onboardTable (workflow id ${a.workflowId})`);
  await reject(a);
  await reject(b);
});

test('a new run is refused while an old run (unscoped lock id) holds the resource, and an old run while a new one does', async () => {
  // The old run: any running workflow holding the unscoped lock, as code from before pipeline names took it.
  const oldRun = await drills.start({ target: 'shop.old-holder' });
  await waitForGate(oldRun, 'go');
  const legacy = legacyLocks();
  await legacy.acquire('table:shop.deploy', oldRun);
  expect(await holderOf(lockWorkflowId('table:shop.deploy'))).toMatchObject({ holder: oldRun.workflowId });

  const newRun = await drills.start({ target: 'shop.deploy' });
  expect(await failureOf(newRun)).toContain(`table:shop.deploy is busy: runbook onboardTable (workflow id ${oldRun.workflowId})`);
  // The refused run let go of the scoped lock it took before it looked at the unscoped one.
  expect(await holderOf(lockWorkflowId('table:shop.deploy', 'pipeline-a'))).toBeUndefined();

  await legacy.release('table:shop.deploy', oldRun);
  const after = await drills.start({ target: 'shop.deploy' });
  await waitForGate(after, 'go');
  const refused = await legacy.acquire('table:shop.deploy', oldRun).catch((e: unknown) => e as Error);
  expect(String(refused)).toContain(`table:shop.deploy is busy: runbook onboardTable (workflow id ${after.workflowId})`);
  expect(await holderOf(lockWorkflowId('table:shop.deploy'))).toBeUndefined();
  await reject(after);
  await reject(oldRun);
});
