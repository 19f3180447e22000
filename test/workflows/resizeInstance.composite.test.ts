import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { PipelineConfig, TaskGroupConfig } from '../../domain/config';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import type { ResizeReport } from '../../workflows/resizeInstance';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { describeTask } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import {
  createResizeFixture,
  deleteResizeFixture,
  describeInstance,
  ResizeFixture,
  resizeTestConfig,
  taskStatus,
} from '../support/resizeFixtures';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/** The composite resize: scale up, onboard a table as a child runbook, gate, scale back down for CDC. */

let fx: ResizeFixture;
let tw: TestWorker;
let group: TaskGroupConfig;
let table: string;

function configFor(instance: string): PipelineConfig {
  return resizeTestConfig(instance, ['dms.r5.large', 'dms.r5.4xlarge'], {
    taskGroups: [...testConfig().taskGroups, group],
    waits: { instanceModifyMinutes: 1 },
  });
}

beforeAll(async () => {
  fx = await createResizeFixture(uniqueName('rc'));
  const name = uniqueName('rcload');
  table = await createScratchTable(name, { rows: 4000 });
  group = scratchGroup(`g-${name}`, [table], { instance: fx.instance });
  tw = await startTestWorker(configFor(fx.instance));
});

afterAll(async () => {
  await tw?.stop();
  await deleteResizeFixture(fx);
  await dropScratchTable(table);
});

const composite = (extra: Record<string, unknown> = {}) => ({
  instance: fx.instance,
  fullLoadClass: 'dms.r5.4xlarge',
  cdcClass: 'dms.r5.large',
  during: { kind: 'onboardTable', input: { table } },
  ...extra,
});

const start = (input: Record<string, unknown>) => startRunbook(tw.client, 'resizeInstance', input as never, { taskQueue: tw.taskQueue });

describe('resizeInstance, composite form', () => {
  test('dry run: the child plans itself, the cost table compares the classes, and nothing changes', async () => {
    await resetDmsCalls();
    const handle = await start(composite({ dryRun: true }));
    const result = await handle.result();
    expect(result.outcome).toBe('dry-run');
    const plan = result.plan!;
    expect(plan.calls.map((c) => c.operation)).toEqual([
      'StopReplicationTask',
      'ModifyReplicationInstance',
      'StartReplicationTask',
      'StartChildWorkflow onboardTable',
      'ModifyReplicationInstance',
    ]);
    expect((plan.details.during as { plan: { summary: string } }).plan.summary).toContain(`create task ${group.taskIdentifier}`);
    expect(plan.cost!.lines!.map((l) => l.item)).toEqual([
      'full load on the big class',
      'full load on the CDC class instead',
      'CDC after scaling down, per month',
      'keeping the big class, per month',
      'saving per month of scaling down',
    ]);
    expect(plan.cost!.lines![4]!.total).toBe(1073.1);
    expect(plan.cost!.note).toContain('scaling back down saves 1073.10 USD per month over keeping dms.r5.4xlarge');
    expect(await mutatingCalls()).toEqual({});
    await captureHistory(handle, 'resizeInstance', 'composite-dry-run');
  });

  test('a child input its runbook refuses is refused before any change', async () => {
    await resetDmsCalls();
    const handle = await start(composite({ during: { kind: 'onboardTable', input: { table: 'shop.no_such_table_here' } } }));
    const error = await handle.result().catch((e: unknown) => e);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain('the onboardTable runbook to run during the resize refuses its input');
    expect(message).toContain('table shop.no_such_table_here does not exist');
    expect(await mutatingCalls()).toEqual({});
    await captureHistory(handle, 'resizeInstance', 'composite-child-refused');
  });

  test('scale up, onboard as a child (its own gate), scale down: the class changes and changes back, the stopped task stays stopped', async () => {
    const parent = await start(composite({ requestedBy: 'dba-oncall' }));
    const gate = await waitForGate(parent, 'resize');
    expect(gate.pendingGate!.plan.summary).toContain(`scale ${fx.instance} from dms.r5.large up to dms.r5.4xlarge, run onboardTable`);
    await decide(parent, { gate: 'resize', approver: 'data-platform-lead', reason: 'big load', decision: 'approve' });

    // The child's own gate is approved on the child's workflow id.
    const child = tw.client.workflow.getHandle(`${parent.workflowId}-during`);
    await waitForGate(child, 'apply-mapping', 90000);
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.4xlarge');
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
    expect(await taskStatus(fx.dms, fx.idleArn)).toBe('stopped');

    // While the parent holds the instance, another resize of it is refused, naming the holder.
    const rival = await (await start({ instance: fx.instance, targetClass: 'dms.r5.large' })).result().catch((e: unknown) => e);
    expect(String((rival as WorkflowFailedError).cause?.message)).toContain(
      `instance:${fx.instance} is busy: runbook resizeInstance (workflow id ${parent.workflowId})`,
    );

    await decide(child, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'child', decision: 'approve' });
    const down = await waitForGate(parent, 'scale-down', 90000);
    expect(down.pendingGate!.note).toContain('onboardTable succeeded');
    const stops = down.pendingGate!.plan.calls.filter((c) => c.operation === 'StopReplicationTask').map((c) => c.params.ReplicationTaskArn);
    expect(stops).toContain(fx.runningArn);
    expect(stops).toHaveLength(2); // the running task and the child's new task, both replicating on the big class
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.4xlarge');
    await decide(parent, { gate: 'scale-down', approver: 'data-platform-lead', reason: 'load done', decision: 'approve' });

    const result = await parent.result();
    expect(result.outcome).toBe('succeeded');
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.large');
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
    expect(await taskStatus(fx.dms, fx.idleArn)).toBe('stopped');
    const report = result.report as ResizeReport;
    expect(report.phases.map((p) => `${p.from}→${p.to}`)).toEqual(['dms.r5.large→dms.r5.4xlarge', 'dms.r5.4xlarge→dms.r5.large']);
    expect(report.phases[0]!.stopped).toEqual([`${fx.instance.replace(/-ri$/, '')}-run`]);
    expect(report.phases[1]!.stopped.sort()).toEqual([`${fx.instance.replace(/-ri$/, '')}-run`, group.taskIdentifier].sort());
    expect(report.during).toMatchObject({ kind: 'onboardTable', outcome: 'succeeded' });
    expect(
      result.audit.calls.filter((c) => c.operation === 'ModifyReplicationInstance').map((c) => c.params?.ReplicationInstanceClass),
    ).toEqual(['dms.r5.4xlarge', 'dms.r5.large']);
    expect(result.audit.gates.map((g) => `${g.gate}:${g.outcome}`)).toEqual(['resize:approved', 'scale-down:approved']);

    const childResult = (await child.result()) as { outcome: string; report: OnboardTableReport };
    expect(childResult.outcome).toBe('succeeded');
    expect(childResult.report.verification).toMatchObject({ sourceRows: 4000, parquetRows: 4000, matches: true });
    const childTask = await describeTask(fx.dms, childResult.report.taskArn);
    expect(childTask.Status).toBe('running');
    expect(childTask.ReplicationInstanceArn).toBe(fx.pipeline.instanceArn);
    await captureHistory(parent, 'resizeInstance', 'composite-scaled-up-child-scaled-down');
  });
});
