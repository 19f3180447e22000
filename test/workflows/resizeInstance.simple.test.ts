import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { PipelineConfig } from '../../domain/config';
import type { ResizeReport } from '../../workflows/resizeInstance';
import { LAGGING_OPERATIONS } from '../../sandbox/dms-emulator/behaviourSettings';
import { clearDmsFaults, dmsBehaviour, mutatingCalls, resetDmsCalls, setDmsBehaviour, setDmsFaults } from '../support/dmsAdmin';
import { eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import {
  createResizeFixture,
  deleteResizeFixture,
  describeInstance,
  expectResizedAndResumed,
  putLatencyOutlier,
  ResizeFixture,
  resizeTestConfig,
  resumeTask,
  taskStatus,
} from '../support/resizeFixtures';
import { rejectSignal } from '../../contracts/handlers';
import { waitForGate, waitForStatus } from '../support/runbooks';
import { uniqueName } from '../support/scratchTables';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * resizeInstance, simple form, on an instance of the test's own: the change, its refusals, its dry run, latency.
 * Malformed inputs: test/reliability/badInputs.test.ts.
 */

let fx: ResizeFixture;
let tw: TestWorker;
let highFloor: TestWorker;

function configFor(instance: string, minFreeStorageGb: number): PipelineConfig {
  return resizeTestConfig(
    instance,
    ['dms.r5.large', 'dms.r5.xlarge', 'dms.r5.4xlarge'],
    { waits: { instanceModifyMinutes: 1 } },
    minFreeStorageGb,
  );
}

beforeAll(async () => {
  fx = await createResizeFixture(uniqueName('rs'));
  tw = await startTestWorker(configFor(fx.instance, 20));
  highFloor = await startTestWorker(configFor(fx.instance, 100));
});

afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  await highFloor?.stop();
  await deleteResizeFixture(fx);
});

const start = (worker: TestWorker, input: Record<string, unknown>) =>
  startRunbook(worker.client, 'resizeInstance', input as never, { taskQueue: worker.taskQueue });

async function failure(worker: TestWorker, input: Record<string, unknown>, capture?: string): Promise<{ type?: string; message: string }> {
  const handle = await start(worker, input);
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  if (capture) await captureHistory(handle, 'resizeInstance', capture);
  const cause = (error as WorkflowFailedError).cause as { type?: string; message: string; cause?: { type?: string; message: string } };
  return { type: cause.type, message: cause.message };
}

describe('resizeInstance refusals: nothing is changed', () => {
  beforeEach(() => resetDmsCalls());
  afterEach(async () => expect(await mutatingCalls()).toEqual({}));

  test('shrinking storage', async () => {
    const { type, message } = await failure(
      tw,
      { instance: fx.instance, targetClass: 'dms.r5.xlarge', allocatedStorageGb: 40 },
      'refused-shrinking-storage',
    );
    expect(type).toBe('RunbookFailed');
    expect(message).toContain(`cannot shrink the storage of replication instance ${fx.instance} from 50 GB to 40 GB`);
  });

  test('a class the configuration does not allow', async () => {
    const { message } = await failure(tw, { instance: fx.instance, targetClass: 'dms.c5.24xlarge' });
    expect(message).toContain('class dms.c5.24xlarge is not allowed');
    expect(message).toContain('allowed: dms.r5.large, dms.r5.xlarge, dms.r5.4xlarge');
  });

  test('free storage under the floor proposes a storage increase, which then passes', async () => {
    const { message } = await failure(highFloor, { instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    expect(message).toMatch(/has [\d.]+ GB free of 50 GB, under the floor of 100 GB/);
    const proposal = Number(/"allocatedStorageGb": (\d+)/.exec(message)![1]);
    expect(proposal).toBeGreaterThanOrEqual(100);
    const dry = await (
      await start(highFloor, { instance: fx.instance, targetClass: 'dms.r5.xlarge', allocatedStorageGb: proposal, dryRun: true })
    ).result();
    expect(dry.outcome).toBe('dry-run');
    expect(dry.plan!.calls.find((c) => c.operation === 'ModifyReplicationInstance')!.params).toMatchObject({ AllocatedStorage: proposal });
  });

  test('an instance that is not available (storage-full) is refused with the storage it needs', async () => {
    await setDmsFaults({ storageFull: [fx.instance] });
    try {
      await eventually(
        () => describeInstance(fx.dms, fx.instance),
        (i) => i.ReplicationInstanceStatus === 'storage-full',
        20000,
      );
      const { message } = await failure(tw, { instance: fx.instance, targetClass: 'dms.r5.xlarge' });
      expect(message).toContain(`replication instance ${fx.instance} is storage-full`);
      expect(message).toMatch(/give "allocatedStorageGb" of at least \d+/);
      expect(await mutatingCalls()).toEqual({});
    } finally {
      await clearDmsFaults();
      await eventually(
        () => describeInstance(fx.dms, fx.instance),
        (i) => i.ReplicationInstanceStatus === 'available',
        20000,
      );
      // The storage-full episode stopped the running task for low disk: put it back for the next tests.
      if ((await taskStatus(fx.dms, fx.runningArn)) !== 'running') await resumeTask(fx.dms, fx.runningArn);
      await resetDmsCalls();
    }
  });

  test('dry run: the plan, the downtime and the cost table, and nothing changed', async () => {
    const handle = await start(tw, { instance: fx.instance, targetClass: 'dms.r5.4xlarge', dryRun: true });
    const result = await handle.result();
    expect(result.outcome).toBe('dry-run');
    const plan = result.plan!;
    expect(plan.calls.map((c) => `${c.operation}:${String(c.params.ReplicationTaskArn ?? c.params.ReplicationInstanceClass)}`)).toEqual([
      `StopReplicationTask:${fx.runningArn}`,
      'ModifyReplicationInstance:dms.r5.4xlarge',
      `StartReplicationTask:${fx.runningArn}`,
    ]);
    expect(plan.cost!.lines).toEqual([
      { item: 'current, per month', instanceClass: 'dms.r5.large', hourly: 0.21, hours: 730, total: 153.3 },
      { item: 'target, per month', instanceClass: 'dms.r5.4xlarge', hourly: 1.68, hours: 730, total: 1226.4 },
      { item: 'difference, per month', hourly: 1.47, hours: 730, total: 1073.1 },
    ]);
    expect(plan.warnings.join('\n')).toContain(`not running, left as they are: task ${fx.instance.replace(/-ri$/, '')}-idle is stopped`);
    expect(result.steps.filter((s) => s.state === 'skipped').map((s) => s.id)).toEqual([
      'gate:resize',
      'stop',
      'modify',
      'resume',
      'verify',
    ]);
    await captureHistory(handle, 'resizeInstance', 'dry-run');
  });

  test('rejected at the gate: nothing changed, and the rejection is audited', async () => {
    const handle = await start(tw, { instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    await waitForGate(handle, 'resize');
    await handle.signal(rejectSignal, { gate: 'resize', approver: 'data-platform-lead', reason: 'not during the sale' });
    const result = await handle.result();
    expect(result.outcome).toBe('rejected');
    expect(result.message).toContain('rejected by data-platform-lead: not during the sale');
    expect(result.audit.calls).toEqual([]);
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.large');
    await captureHistory(handle, 'resizeInstance', 'rejected');
  });
});

describe('resizeInstance changes', () => {
  test('resize: running task stopped and resumed, the stopped one left alone, the class visibly changed', async () => {
    const handle = await start(tw, { instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    const gate = await waitForGate(handle, 'resize');
    expect(gate.pendingGate!.plan.summary).toContain(`resize ${fx.instance} from dms.r5.large to dms.r5.xlarge`);
    await resetDmsCalls();
    await decide(handle, { gate: 'resize', approver: 'data-platform-lead', reason: 'CHG-1', decision: 'approve' });
    await waitForStatus(handle, (s) => s.steps.find((x) => x.id === 'modify')?.state === 'current');
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('stopped');
    const result = await handle.result();
    await expectResizedAndResumed(fx, result, 'dms.r5.xlarge');
    expect(result.audit.calls[2]!.params).toMatchObject({ StartReplicationTaskType: 'resume-processing' });
    const report = result.report as ResizeReport;
    expect(report.before.instanceClass).toBe('dms.r5.large');
    expect(report.after.instanceClass).toBe('dms.r5.xlarge');
    expect(report.phases[0]!.latency.breaches).toEqual([]);
    expect(result.steps.find((s) => s.id === 'verify')!.detail).toContain('CDC latency over 0.1 min');
    await captureHistory(handle, 'resizeInstance', 'approved-resized');
  });

  test('the same resize again changes nothing', async () => {
    await resetDmsCalls();
    const handle = await start(tw, { instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.message).toContain('nothing was changed');
    expect(await mutatingCalls()).toEqual({});
    await captureHistory(handle, 'resizeInstance', 'nothing-to-change');
  });

  test('CDC latency still over the threshold at the end of the settling period fails the verification', async () => {
    const handle = await start(tw, { instance: fx.instance, targetClass: 'dms.r5.large' });
    await waitForGate(handle, 'resize');
    await decide(handle, { gate: 'resize', approver: 'data-platform-lead', reason: 'back', decision: 'approve' });
    await waitForStatus(handle, (s) => s.steps.find((x) => x.id === 'verify')?.state === 'current', 60000);
    await putLatencyOutlier(fx.instance, fx.runningArn, 4000);
    const error = await handle.result().catch((e: unknown) => e);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain('CDC latency did not come down under 300 s');
    expect(message).toContain('CDCLatencyTarget still 4000 s at the end (peak 4000 s)');
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.large');
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
    await captureHistory(handle, 'resizeInstance', 'verification-failed-latency');
  });
});

describe('resizeInstance when Describe lags every write (behaviour describeLag on all operations)', () => {
  let before: Record<string, unknown>;
  beforeAll(async () => {
    before = await dmsBehaviour();
    // Long enough for several polls to see the instance "available" with its old class right after the Modify.
    await setDmsBehaviour({ describeLag: { milliseconds: 4000, operations: [...LAGGING_OPERATIONS] } });
  });
  afterAll(() => setDmsBehaviour(before));

  test('waits for the change to show instead of judging the stale "available", then resumes', async () => {
    const handle = await start(tw, { instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    await waitForGate(handle, 'resize');
    await resetDmsCalls();
    await decide(handle, { gate: 'resize', approver: 'data-platform-lead', reason: 'CHG-lag', decision: 'approve' });
    const result = await handle.result();
    await expectResizedAndResumed(fx, result, 'dms.r5.xlarge');
    const modify = result.steps.find((s) => s.id === 'modify')!;
    expect(modify.state).toBe('done');
  });
});
