import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { RunbookResult } from '../../workflows/engine/runbook';
import { eventually } from '../support/dmsEmulatorClient';
import { leftoversOf, runRemedy } from '../support/leftovers';
import {
  createResizeFixture,
  deleteResizeFixture,
  describeInstance,
  ResizeFixture,
  approvedUntilModifying,
  resizeTestConfig,
  taskStatus,
} from '../support/resizeFixtures';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sandboxKey } from '../support/signing';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(600_000);

/**
 * resizeInstance terminated where a cancel would have undone something: in the middle of the instance modification
 * (its running task stays stopped) and on the large class of a composite (the instance stays large). The doctor,
 * scoped to a group on the fixture's instance, reports each leftover with its command; running every command (aws,
 * Temporal and dms-runbooks CLIs, as an operator would) cleans it, and the doctor then finds nothing.
 */

let fx: ResizeFixture;
let tw: TestWorker;
/** The fixture's running task, as a task group: the doctor's scope. */
let group: TaskGroupConfig;
/** A table the composite's child would onboard (into a group of its own on the same instance). */
let loadTable: string;
let loadGroup: TaskGroupConfig;

beforeAll(async () => {
  const name = uniqueName('rt');
  fx = await createResizeFixture(name);
  group = scratchGroup(`g-${name}`, [fx.tables[0]!], { instance: fx.instance, taskIdentifier: `${name}-run` });
  loadTable = await createScratchTable(uniqueName('rtload'), { rows: 100 });
  loadGroup = scratchGroup(`g-${loadTable.split('.')[1]!}`, [loadTable], { instance: fx.instance });
  tw = await startTestWorker(
    resizeTestConfig(fx.instance, ['dms.r5.large', 'dms.r5.xlarge', 'dms.r5.4xlarge'], {
      taskGroups: [...testConfig().taskGroups, group, loadGroup],
      waits: { instanceModifyMinutes: 1 },
    }),
  );
});

afterAll(async () => {
  await tw?.stop();
  await deleteResizeFixture(fx);
  if (loadTable) await dropScratchTable(loadTable);
});

const start = (input: Record<string, unknown>) => startRunbook(tw.client, 'resizeInstance', input as never, { taskQueue: tw.taskQueue });
const leftovers = () => leftoversOf(tw.client, tw.taskQueue, group.name);
/** Each finding's steps, then its command, in the report's order. */
const runAll = (findings: Awaited<ReturnType<typeof leftovers>>) => {
  const asOperator = { DMS_RUNBOOKS_USER: 'dba-oncall', DMS_RUNBOOKS_SIGNING_KEY: sandboxKey('dba-oncall') };
  for (const finding of findings) {
    for (const step of finding.remedy!.steps ?? []) runRemedy(step, asOperator);
    runRemedy(finding.remedy!.command, asOperator);
  }
};
const available = () =>
  eventually(
    () => describeInstance(fx.dms, fx.instance),
    (i) => i.ReplicationInstanceStatus === 'available',
    90_000,
    `${fx.instance} available`,
  );

describe('resizeInstance terminated', () => {
  test('mid instance modification: the doctor reports the stopped task, its steps wait for the instance, then resume it', async () => {
    const handle = await start({ instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    await approvedUntilModifying(handle, 'terminate drill');
    await handle.terminate('test: an operator terminates the resize mid modification');

    const found = await leftovers();
    const stopped = found.find((f) => f.subject === `task ${group.taskIdentifier}`);
    expect(stopped).toMatchObject({ severity: 'critical', evidence: { stoppedBy: handle.workflowId, runStatus: 'TERMINATED' } });
    const instanceArn = (await describeInstance(fx.dms, fx.instance)).ReplicationInstanceArn!;
    expect(stopped!.remedy).toMatchObject({
      steps: [`aws dms wait replication-instance-available --filters Name=replication-instance-arn,Values=${instanceArn}`],
      command: `aws dms start-replication-task --replication-task-arn ${fx.runningArn} --start-replication-task-type resume-processing`,
    });
    expect(found.map((f) => f.subject)).toEqual(expect.arrayContaining([`instance:${fx.instance}`, `task:${group.taskIdentifier}`]));
    // The class change itself finishes on DMS: nothing else is left of a simple resize.
    expect(found.filter((f) => f.subject.startsWith('instance '))).toEqual([]);

    await available(); // the waiter polls once a minute; an operator a few minutes later finds it available
    runAll(found);
    await eventually(
      () => taskStatus(fx.dms, fx.runningArn),
      (status) => status === 'running',
      60_000,
      'the task to resume',
    );
    expect(await taskStatus(fx.dms, fx.idleArn)).toBe('stopped');
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.xlarge');
    expect(await leftovers()).toEqual([]);
  });

  test('on the large class of a composite: the doctor reports the instance, and its resizeInstance command scales it back', async () => {
    const cdcClass = (await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass!;
    const parent = await start({
      instance: fx.instance,
      fullLoadClass: 'dms.r5.4xlarge',
      cdcClass,
      during: { kind: 'onboardTable', input: { table: loadTable } },
    });
    await waitForGate(parent, 'resize');
    await decide(parent, { gate: 'resize', approver: 'data-platform-lead', reason: 'terminate drill', decision: 'approve' });
    const child = tw.client.workflow.getHandle(`${parent.workflowId}-during`);
    await waitForGate(child, 'apply-mapping', 120_000);
    await parent.terminate('test: an operator terminates the composite during its child');
    // The child's parent-close policy asks it to cancel (it undoes its own changes: none at its gate).
    const childClosed = await eventually(
      () => child.describe().then((d) => d.status.name),
      (status) => status !== 'RUNNING',
      60_000,
      'the child to close',
    );
    expect(childClosed).toBe('CANCELLED');

    const found = await leftovers();
    const large = found.find((f) => f.subject === `instance ${fx.instance}`);
    expect(large).toMatchObject({
      severity: 'warning',
      evidence: { instanceClass: 'dms.r5.4xlarge', cdcClass, scaledUpBy: parent.workflowId, runStatus: 'TERMINATED' },
      remedy: { runbook: 'resizeInstance' },
    });
    expect(large!.remedy!.command).toMatch(
      new RegExp(`^npx dms-runbooks start resizeInstance --workflow-id (\\S+) --task-queue ${tw.taskQueue} --input '`),
    );
    expect(large!.remedy!.command).toContain(`"instance":"${fx.instance}","targetClass":"${cdcClass}"`);

    runAll(found);
    // The printed command started a resize (signed by dba-oncall); another person approves its gate.
    const scaleBackId = /--workflow-id (\S+)/.exec(large!.remedy!.command)![1]!;
    const scaleBack = tw.client.workflow.getHandle(scaleBackId);
    await waitForGate(scaleBack, 'resize', 90_000);
    await decide(scaleBack, {
      gate: 'resize',
      approver: 'data-platform-lead',
      reason: 'clean up the terminated composite',
      decision: 'approve',
    });
    expect(((await scaleBack.result()) as RunbookResult<unknown>).outcome).toBe('succeeded');
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe(cdcClass);
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
    expect(await leftovers()).toEqual([]);
  });
});
