import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { admin, describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { leftoversOf, runRemedy } from '../support/leftovers';
import { removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(600_000);

/**
 * An onboardTable terminated right after it stopped its group's task (held `stopping` by a slow emulator clock, so
 * the run is in its DMS wait, before the mapping change): the task stays stopped. The doctor, scoped to the group,
 * reports the stopped task (and the run's locks) with their commands; running them (the aws and Temporal CLIs)
 * resumes the task with its mapping unchanged, and the doctor then finds nothing.
 */

const dms = dmsClient();
let tw: TestWorker;
let replicated: string;
let added: string;
let group: TaskGroupConfig;
let taskArn: string | undefined;
let normalSpeed: number | undefined;

beforeAll(async () => {
  const name = uniqueName('obt');
  replicated = await createScratchTable(name, { rows: 200 });
  added = await createScratchTable(`${name}b`, { rows: 100 });
  group = scratchGroup(`g-${name}`, [replicated, added]);
  // The group's task replicates the first table only; the run adds the second.
  taskArn = await replicateGroup({ ...group, tables: [replicated] });
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group] }));
});

afterAll(async () => {
  if (normalSpeed !== undefined) await admin('/clock', 'POST', { speed: normalSpeed }).catch(() => undefined);
  await tw?.stop();
  await removeTask(taskArn);
  for (const table of [replicated, added]) if (table) await dropScratchTable(table);
});

test('terminated after stopping the task: the doctor reports the stopped task, and its command resumes it', async () => {
  const before = await describeTask(dms, taskArn!);
  const handle = await startRunbook(tw.client, 'onboardTable', { table: added, taskGroup: group.name }, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'apply-mapping');
  normalSpeed = (await admin<{ speed: number }>('/clock')).speed;
  await admin('/clock', 'POST', { speed: 0.02 });
  await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'terminate drill', decision: 'approve' });
  await waitForStatus(handle, (s) => s.audit.calls.some((c) => c.operation === 'StopReplicationTask' && c.outcome === 'done'));
  await handle.terminate('test: an operator terminates the onboarding after the stop');
  await admin('/clock', 'POST', { speed: normalSpeed });
  await eventually(
    () => describeTask(dms, taskArn!).then((t) => t.Status),
    (status) => status === 'stopped',
    60_000,
    'the task to show stopped',
  );

  const found = await leftoversOf(tw.client, tw.taskQueue, group.name);
  const stopped = found.find((f) => f.subject === `task ${group.taskIdentifier}`);
  expect(stopped).toMatchObject({
    severity: 'critical',
    evidence: { stoppedBy: handle.workflowId, runStatus: 'TERMINATED', status: 'stopped' },
  });
  expect(stopped!.remedy!.command).toBe(
    `aws dms start-replication-task --replication-task-arn ${taskArn} --start-replication-task-type resume-processing`,
  );
  // No temporary resource and no prefix: an onboarding creates none.
  expect(found.filter((f) => /^(prefix|endpoint) /.test(f.subject))).toEqual([]);

  for (const finding of found) {
    for (const step of finding.remedy!.steps ?? []) runRemedy(step);
    runRemedy(finding.remedy!.command);
  }
  const resumed = await eventually(
    () => describeTask(dms, taskArn!),
    (t) => t.Status === 'running',
    60_000,
    'the task to resume',
  );
  // The run was terminated before its mapping change: the task replicates what it did before.
  expect(JSON.parse(resumed.TableMappings!)).toEqual(JSON.parse(before.TableMappings!));
  expect(await leftoversOf(tw.client, tw.taskQueue, group.name)).toEqual([]);
});
