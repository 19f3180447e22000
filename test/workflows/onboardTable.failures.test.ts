import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import { clearDmsFaults, mutatingCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { killHard, spawnWorker, stopGracefully } from '../support/workerProcesses';
import { startTestWorker, TestWorker } from '../support/testWorker';

/** onboardTable when DMS fails under it, and when its worker dies in the middle of a wait. */

let tw: TestWorker;
const tables: Record<string, string> = {};
const groups: Record<string, TaskGroupConfig> = {};

beforeAll(async () => {
  for (const key of ['fails', 'tableerror', 'crash']) {
    const name = uniqueName(`fl${key}`);
    tables[key] = await createScratchTable(name, { rows: 3000 });
    groups[key] = scratchGroup(`g-${name}`, [tables[key]]);
  }
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, ...Object.values(groups)] }));
});

afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  for (const table of Object.values(tables)) await dropScratchTable(table);
});

async function approveAndFail(table: string): Promise<string> {
  const handle = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'apply-mapping');
  await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return String((error as WorkflowFailedError).cause?.message);
}

describe('onboardTable failures', () => {
  test('a task failing mid-load fails the runbook with the DMS message and leaves the task as it is', async () => {
    await setDmsFaults({
      taskFailures: {
        [groups.fails!.taskIdentifier]: {
          atPercent: 40,
          message: 'Last Error Network error has occurred; Task error notification received',
        },
      },
    });
    const message = await approveAndFail(tables.fails!);
    expect(message).toContain(`task ${groups.fails!.taskIdentifier} is failed`);
    expect(message).toContain('Network error has occurred');
  });

  test('a table ending in "Table error" fails the runbook, naming the table and the task', async () => {
    const [schema, table] = tables.tableerror!.split('.');
    await setDmsFaults({
      tableErrors: { [groups.tableerror!.taskIdentifier]: { schema, table, message: 'Table error: could not read column state' } },
    });
    const message = await approveAndFail(tables.tableerror!);
    expect(message).toContain(`${tables.tableerror} is in "Table error" in task ${groups.tableerror!.taskIdentifier}`);
  });

  test('the worker killed (SIGKILL) during the load wait: a new worker finishes the runbook and no DMS call is repeated', async () => {
    // A full load long enough to kill the worker in the middle of it (emulated seconds at the emulator's speed).
    await setDmsFaults({ extraFullLoadSeconds: { [groups.crash!.taskIdentifier]: 900 } });
    const queue = `crash-${uniqueName('q')}`;
    const config = testConfig({ taskGroups: [...testConfig().taskGroups, ...Object.values(groups)] });
    let worker = await spawnWorker(config, queue);
    try {
      const handle = await startRunbook(tw.client, 'onboardTable', { table: tables.crash! }, { taskQueue: queue });
      await waitForGate(handle, 'apply-mapping');
      await resetDmsCalls();
      await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
      await waitForStatus(handle, (s) => s.steps.find((step) => step.id === 'load')?.state === 'current');
      await killHard(worker);
      await new Promise((r) => setTimeout(r, 2000));
      worker = await spawnWorker(config, queue);
      const result = await handle.result();
      expect(result.outcome).toBe('succeeded');
      expect((result.report as OnboardTableReport).verification).toMatchObject({ sourceRows: 3000, parquetRows: 3000, matches: true });
      expect(await mutatingCalls()).toEqual({ CreateReplicationTask: 1, StartReplicationTask: 1 });
    } finally {
      await stopGracefully(worker);
    }
  });
});
