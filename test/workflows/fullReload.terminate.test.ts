import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { statusQuery } from '../../contracts/handlers';
import { describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { leftoversOf, runRemedy } from '../support/leftovers';
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(600_000);

/**
 * A fullReload in task mode terminated right after it stopped the task: the task stays stopped (CDC paused for every
 * table of it). The doctor, scoped to the task's group, reports it and its lock with the commands that clean them;
 * running them resumes the task, and the doctor then finds nothing.
 */

const dms = dmsClient();
let tw: TestWorker;
let table: string;
let group: TaskGroupConfig;
let taskArn: string | undefined;

beforeAll(async () => {
  const name = uniqueName('ft');
  table = await createScratchTable(name, { rows: 200 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group] }));
});

afterAll(async () => {
  await tw?.stop();
  await removeTask(taskArn);
  if (table) await dropScratchTable(table);
});

const run = runRemedy;
const leftovers = () => leftoversOf(tw.client, tw.taskQueue, group.name);

test('terminated after stopping the task: the doctor reports the stopped task and the lock, and their commands clean them', async () => {
  const before = await objectsUnder(`dms/${table.replace('.', '/')}/`);
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'terminate drill, task mode', mode: 'task', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
  await waitForGate(handle, 'reload');
  await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  await eventually(
    () => handle.query(statusQuery),
    (s) => s.audit.calls.some((c) => c.operation === 'StopReplicationTask' && c.outcome === 'done'),
    120_000,
    'the task to be stopped',
  );
  await handle.terminate('test: an operator terminates the reload after the stop');
  await eventually(
    () => describeTask(dms, taskArn!).then((t) => t.Status),
    (status) => status === 'stopped',
    60_000,
    'the task to show stopped',
  );

  const found = await leftovers();
  const stopped = found.find((f) => f.subject === `task ${group.taskIdentifier}`);
  expect(stopped).toMatchObject({ severity: 'critical', evidence: { stoppedBy: handle.workflowId, runStatus: 'TERMINATED' } });
  expect(stopped!.remedy!.command).toBe(
    `aws dms start-replication-task --replication-task-arn ${taskArn} --start-replication-task-type resume-processing`,
  );
  // A reload of the whole task held one lock, on the task (whole): no table lock is left behind.
  expect(found.map((f) => f.subject)).toEqual(expect.arrayContaining([`task:${group.taskIdentifier}`]));
  expect(found.map((f) => f.subject)).not.toContain(`table:${table}`);

  // Every step and command, in the report's order (a quarantine, if the move had begun, is put back first).
  for (const finding of found) {
    for (const step of finding.remedy!.steps ?? []) run(step);
    run(finding.remedy!.command);
  }
  await eventually(
    () => describeTask(dms, taskArn!).then((t) => t.Status),
    (status) => status === 'running',
    60_000,
    'the task to resume',
  );
  expect((await objectsUnder(`dms/${table.replace('.', '/')}/`)).map((o) => o.key)).toEqual(
    expect.arrayContaining(before.map((o) => o.key)),
  );
  expect(await leftovers()).toEqual([]);
});
