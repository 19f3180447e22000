import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { captureHistory } from '../support/histories';
import {
  createResizeFixture,
  deleteResizeFixture,
  describeInstance,
  ResizeFixture,
  approvedUntilModifying,
  resizeTestConfig,
  taskStatus,
} from '../support/resizeFixtures';
import { scratchGroup, waitForGate, expectCanceled } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

/**
 * Cancelling resizeInstance: in the middle of the instance modification (DMS cannot cancel it: the run waits for it,
 * reports the instance, then resumes the task it stopped), and during a composite's child runbook (the child is
 * cancelled with the parent, and the instance is scaled back to its original class).
 */

let fx: ResizeFixture;
let tw: TestWorker;
let group: TaskGroupConfig;
let table: string;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  fx = await createResizeFixture(uniqueName('rx'));
  const name = uniqueName('rxload');
  table = await createScratchTable(name, { rows: 500 });
  group = scratchGroup(`g-${name}`, [table], { instance: fx.instance });
  tw = await startTestWorker(
    resizeTestConfig(fx.instance, ['dms.r5.large', 'dms.r5.xlarge', 'dms.r5.4xlarge'], {
      taskGroups: [...testConfig().taskGroups, group],
      waits: { instanceModifyMinutes: 1 },
      notifications: { webhookUrl: webhook.url },
    }),
  );
});

afterAll(async () => {
  await tw?.stop();
  await webhook?.close();
  await deleteResizeFixture(fx);
  await dropScratchTable(table);
});

const start = (input: Record<string, unknown>) => startRunbook(tw.client, 'resizeInstance', input as never, { taskQueue: tw.taskQueue });

describe('resizeInstance cancelled', () => {
  test('mid instance modification: waits for it to end, reports the instance, resumes the task it stopped', async () => {
    const handle = await start({ instance: fx.instance, targetClass: 'dms.r5.xlarge' });
    await approvedUntilModifying(handle, 'cancel drill');
    await handle.cancel();

    const status = await expectCanceled(handle);
    expect(status.cancellation).toMatchObject({ duringStep: 'modify' });
    expect(status.cancellation!.undo.map((u) => [u.what, u.state])).toEqual([
      [
        `wait for the change of replication instance ${fx.instance} to dms.r5.xlarge to end (DMS cannot cancel it) and report its state`,
        'done',
      ],
      [expect.stringContaining('resume task'), 'done'],
    ]);
    expect(status.cancellation!.undo[0]!.detail).toBe(`${fx.instance} is available as dms.r5.xlarge, 50 GB`);
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
    expect(await taskStatus(fx.dms, fx.idleArn)).toBe('stopped');
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);
    await captureHistory(handle, 'resizeInstance', 'cancelled-mid-modification');
  });

  test('during the composite child: the child is cancelled too, the instance goes back to its original class', async () => {
    const original = (await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass!;
    const parent = await start({
      instance: fx.instance,
      fullLoadClass: 'dms.r5.4xlarge',
      cdcClass: original,
      during: { kind: 'onboardTable', input: { table } },
    });
    await waitForGate(parent, 'resize');
    await decide(parent, { gate: 'resize', approver: 'data-platform-lead', reason: 'cancel drill', decision: 'approve' });
    const child = tw.client.workflow.getHandle(`${parent.workflowId}-during`);
    await waitForGate(child, 'apply-mapping', 90000);
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.4xlarge');
    await parent.cancel();

    const status = await expectCanceled(parent);
    expect(status.cancellation).toMatchObject({ duringStep: 'during' });
    expect(status.cancellation!.undo).toMatchObject([
      { what: `scale replication instance ${fx.instance} back to ${original} (from dms.r5.4xlarge)`, state: 'done' },
    ]);
    expect((await expectCanceled(child)).phase).toBe('canceled');
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe(original);
    expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
    expect(webhook.events(child.workflowId)).toEqual(['gate-opened', 'canceled']);
    expect(webhook.events(parent.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);
    await captureHistory(parent, 'resizeInstance', 'composite-cancelled-during-child');

    // The instance is free again: the next resize takes it (and is cancelled at its gate).
    const next = await start({ instance: fx.instance, targetClass: 'dms.r5.large' });
    await waitForGate(next, 'resize');
    await next.cancel();
    expect((await expectCanceled(next)).cancellation!.undo).toEqual([]);
  });

  test('with onCancel.compositeScaleDown: gate, the cancel asks at a scale-down gate before scaling back', async () => {
    // The same pipeline configured to ask: a worker of its own for this test only.
    const asking = await startTestWorker(
      resizeTestConfig(fx.instance, ['dms.r5.large', 'dms.r5.xlarge', 'dms.r5.4xlarge'], {
        taskGroups: [...testConfig().taskGroups, group],
        waits: { instanceModifyMinutes: 1 },
        notifications: { webhookUrl: webhook.url },
        onCancel: { compositeScaleDown: 'gate' },
      }),
    );
    try {
      const original = (await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass!;
      const parent = await startRunbook(
        asking.client,
        'resizeInstance',
        {
          instance: fx.instance,
          fullLoadClass: 'dms.r5.4xlarge',
          cdcClass: original,
          during: { kind: 'onboardTable', input: { table } },
        } as never,
        { taskQueue: asking.taskQueue },
      );
      await waitForGate(parent, 'resize');
      await decide(parent, { gate: 'resize', approver: 'data-platform-lead', reason: 'cancel drill', decision: 'approve' });
      const child = asking.client.workflow.getHandle(`${parent.workflowId}-during`);
      await waitForGate(child, 'apply-mapping', 90000);
      await parent.cancel();

      // The child undoes itself first; then the run waits at the scale-down gate, still large, saying what it undoes.
      const asked = await waitForGate(parent, 'scale-down', 90000);
      expect(asked.cancellation!.undo).toMatchObject([
        { what: `scale replication instance ${fx.instance} back to ${original} (from dms.r5.4xlarge)`, state: 'running' },
      ]);
      // Rejected, it would be left with a resizeInstance start back to the original class (the doctor's remedy too).
      expect(asked.cancellation!.undo[0]!.command).toBe(
        `npx dms-runbooks start resizeInstance --workflow-id ${parent.workflowId}-scale-back --task-queue ${asking.taskQueue} --input '{"instance":"${fx.instance}","targetClass":"${original}"}'`,
      );
      expect(asked.pendingGate!.plan.calls.map((c) => c.operation)).toContain('ModifyReplicationInstance');
      expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.4xlarge');
      await decide(parent, { gate: 'scale-down', approver: 'data-platform-lead', reason: 'scale it back', decision: 'approve' });

      const status = await expectCanceled(parent);
      expect(status.cancellation!.undo).toMatchObject([{ state: 'done' }]);
      expect((await expectCanceled(child)).phase).toBe('canceled');
      expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe(original);
      expect(await taskStatus(fx.dms, fx.runningArn)).toBe('running');
      expect(webhook.events(parent.workflowId)).toEqual(['gate-opened', 'approved', 'gate-opened', 'approved', 'canceled']);
    } finally {
      await asking.stop();
    }
  });
});
