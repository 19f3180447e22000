import { execFileSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { workerDeploymentOptions } from '../../worker/deployment';
import { eventually } from '../support/dmsEmulatorClient';
import { expectCanceled, scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(300_000);

/**
 * Worker Versioning end to end on the stack's dev server (Temporal CLI 1.9.1, server 1.29.1): two versioned workers
 * of one deployment on one task queue, as in a deploy (docs/deploying-safely.md). A runbook started on build A (its
 * current version) is pinned to it: after build B is made current, new runs go to B while the first run's workflow
 * tasks, to its close, are still completed by A. The build each workflow task ran on is read from the history
 * (WorkflowTaskCompleted's `deploymentVersion`).
 */

const deploymentName = uniqueName('dms-runbooks-test').replace(/_/g, '-');
const taskQueue = `versioning-${process.pid}-${Date.now()}`;
let a: TestWorker;
let b: TestWorker | undefined;
const tables: string[] = [];
/** A task group per table: the two runs lock different tasks. */
let groups: TaskGroupConfig[];

/** The documented deploy command, run with the stack's Temporal CLI; retried until the version's workers have polled. */
async function setCurrent(buildId: string): Promise<void> {
  const cli = process.env.TEMPORAL_CLI_PATH!;
  const args = ['worker', 'deployment', 'set-current-version', '--deployment-name', deploymentName, '--build-id', buildId, '--yes'];
  await eventually(
    () => {
      try {
        execFileSync(cli, [...args, '--address', process.env.TEMPORAL_ADDRESS!], { stdio: 'pipe', timeout: 30_000 });
        return Promise.resolve(true);
      } catch {
        return Promise.resolve(false);
      }
    },
    (done) => done,
    60_000,
    `version ${deploymentName}.${buildId} to become current`,
  );
}

const version = (buildId: string) =>
  workerDeploymentOptions({ DMS_RUNBOOKS_DEPLOYMENT_NAME: deploymentName, DMS_RUNBOOKS_BUILD_ID: buildId });

/** The build id of every completed workflow task of a run, in order. */
async function buildsOf(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const done = e.workflowTaskCompletedEventAttributes;
    return done ? [done.deploymentVersion?.buildId ?? 'unversioned'] : [];
  });
}

beforeAll(async () => {
  for (const key of ['a', 'b']) tables.push(await createScratchTable(uniqueName(`wv${key}`), { rows: 50 }));
  groups = tables.map((table) => scratchGroup(`g-${table.split('.')[1]}`, [table]));
  const config = testConfig({ taskGroups: [...testConfig().taskGroups, ...groups] });
  a = await startTestWorker(config, taskQueue, undefined, version('build-a'));
  await setCurrent('build-a');
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  for (const table of tables) await dropScratchTable(table);
});

test('a run pinned to build A stays on worker A while new runs go to build B', async () => {
  const start = (i: number) => startRunbook(a.client, 'onboardTable', { table: tables[i]!, taskGroup: groups[i]!.name }, { taskQueue });
  const first = await start(0);
  await waitForGate(first, 'apply-mapping', 90_000);

  // The deploy: build B's worker beside A's on the same queue, then B made current.
  b = await startTestWorker(a.config, taskQueue, undefined, version('build-b'));
  await setCurrent('build-b');
  const second = await start(1);
  await waitForGate(second, 'apply-mapping', 90_000);

  // The first run carries on (its cancel undoes nothing at the gate) on build A; the second runs on build B.
  await first.cancel();
  await second.cancel();
  await expectCanceled(first);
  await expectCanceled(second);
  const firstBuilds = await buildsOf(first);
  const secondBuilds = await buildsOf(second);
  expect(new Set(firstBuilds)).toEqual(new Set(['build-a']));
  expect(firstBuilds.length).toBeGreaterThan(2);
  expect(new Set(secondBuilds)).toEqual(new Set(['build-b']));
  const described = await first.describe();
  expect(described.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId).toBe('build-a');
});
