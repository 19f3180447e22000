import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { PipelineConfig } from '../../domain/config';
import { clearDmsFaults, mutatingCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import {
  createResizeFixture,
  deleteResizeFixture,
  describeInstance,
  ResizeFixture,
  resizeTestConfig,
  resumeTask,
  taskStatus,
} from '../support/resizeFixtures';
import { waitForGate } from '../support/runbooks';
import { uniqueName } from '../support/scratchTables';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

/** resizeInstance when the change fails under it: tasks stay stopped, the operator gets the commands to resume them. */

let fx: ResizeFixture;
let tw: TestWorker;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

function configFor(instance: string, webhookUrl: string): PipelineConfig {
  return resizeTestConfig(instance, ['dms.r5.large', 'dms.r5.xlarge'], {
    // A class change takes 10 emulated minutes (10 s at the sandbox's speed): 15 s is past its deadline when stuck.
    waits: { instanceModifyMinutes: 0.25 },
    notifications: { webhookUrl },
  });
}

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  fx = await createResizeFixture(uniqueName('rf'));
  tw = await startTestWorker(configFor(fx.instance, webhook.url));
});

afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  await webhook?.close();
  await deleteResizeFixture(fx);
});

async function approveAndFail(targetClass: string, capture?: string): Promise<{ workflowId: string; message: string }> {
  const handle = await startRunbook(tw.client, 'resizeInstance', { instance: fx.instance, targetClass }, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'resize');
  await decide(handle, { gate: 'resize', approver: 'data-platform-lead', reason: 'go', decision: 'approve' });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  if (capture) await captureHistory(handle, 'resizeInstance', capture);
  return { workflowId: handle.workflowId, message: String((error as WorkflowFailedError).cause?.message) };
}

const resumeLine = (arn: string) =>
  `aws dms start-replication-task --replication-task-arn ${arn} --start-replication-task-type resume-processing`;

describe('resizeInstance failures mid-modify', () => {
  test('DMS refuses the modify: the task stays stopped, the failure gives the command to resume it, and it is notified', async () => {
    await setDmsFaults({ instanceModify: { [fx.instance]: 'refuse' } });
    await resetDmsCalls();
    try {
      const { workflowId, message } = await approveAndFail('dms.r5.xlarge', 'dms-modify-refused');
      expect(message).toContain(`resizing replication instance ${fx.instance} from dms.r5.large to dms.r5.xlarge did not finish`);
      expect(message).toContain('InsufficientResourceCapacityFault');
      expect(message).toContain('never resume them onto a half-changed instance');
      expect(message).toContain(resumeLine(fx.runningArn));
      expect(message).not.toContain(resumeLine(fx.idleArn));
      expect(await taskStatus(fx.dms, fx.runningArn)).toBe('stopped');
      expect(await taskStatus(fx.dms, fx.idleArn)).toBe('stopped');
      expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.large');
      // The modify was tried once (a permanent fault is not retried), nothing was started.
      expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, ModifyReplicationInstance: 1 });
      const failed = webhook.received.find((n) => n.dms_runbooks.workflowId === workflowId && n.dms_runbooks.event === 'failed');
      expect(failed?.text).toContain(resumeLine(fx.runningArn));
    } finally {
      await clearDmsFaults();
      await resumeTask(fx.dms, fx.runningArn);
    }
  });

  test('the instance stays modifying past its deadline: the task stays stopped, with the commands, and the change lands later', async () => {
    await setDmsFaults({ instanceModify: { [fx.instance]: 'stuck' } });
    await resetDmsCalls();
    try {
      const { message } = await approveAndFail('dms.r5.xlarge');
      expect(message).toContain(`replication instance ${fx.instance} available as dms.r5.xlarge: not reached within 0.25 min`);
      expect(message).toContain(`replication instance ${fx.instance} is modifying, pending {"ReplicationInstanceClass":"dms.r5.xlarge"}`);
      expect(message).toContain(resumeLine(fx.runningArn));
      expect(message).toContain(`aws dms describe-replication-instances --filters Name=replication-instance-id,Values=${fx.instance}`);
      expect(await taskStatus(fx.dms, fx.runningArn)).toBe('stopped');
      expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, ModifyReplicationInstance: 1 });
    } finally {
      await clearDmsFaults();
    }
    // Once the instance is whole again, the commands the runbook gave bring the task back.
    await eventually(
      () => describeInstance(fx.dms, fx.instance),
      (i) => i.ReplicationInstanceStatus === 'available' && !i.PendingModifiedValues?.ReplicationInstanceClass,
      30000,
      'instance available after the fault is cleared',
    );
    expect((await describeInstance(fx.dms, fx.instance)).ReplicationInstanceClass).toBe('dms.r5.xlarge');
    await resumeTask(fx.dms, fx.runningArn);
  });
});
