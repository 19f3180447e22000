import { upsertRunbookSchedule } from '../../client/schedules';
import type { RunbookResult } from '../../workflows/engine/runbook';
import { uniqueName } from '../support/scratchTables';
import { startTestWorker, TestWorker } from '../support/testWorker';

/** client/schedules.ts against the Temporal dev server: create, update in place, and a triggered run of the doctor. */

let tw: TestWorker;
const scheduleId = uniqueName('doctor-schedule');

beforeAll(async () => {
  tw = await startTestWorker();
});
afterAll(async () => {
  await tw.client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await tw?.stop();
});

test('creates a schedule, updates it in place, and its triggered run is a pipelineDoctor', async () => {
  const first = await upsertRunbookSchedule(tw.client, {
    scheduleId,
    kind: 'pipelineDoctor',
    input: { checks: ['taskHealth'] },
    every: '1h',
    taskQueue: tw.taskQueue,
    note: 'hourly health report',
  });
  expect(first).toMatchObject({ scheduleId, created: true });
  const handle = tw.client.schedule.getHandle(scheduleId);
  let described = await handle.describe();
  expect(described.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
  expect(described.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'pipelineDoctor',
    taskQueue: tw.taskQueue,
    args: [{ checks: ['taskHealth'] }],
    // A stuck run ends at its run timeout (the interval) rather than skipping every later one.
    workflowRunTimeout: 3_600_000,
  });
  expect(described.policies.overlap).toBe('SKIP');
  expect(described.state.note).toBe('hourly health report');

  const second = await upsertRunbookSchedule(tw.client, {
    scheduleId,
    kind: 'pipelineDoctor',
    input: { checks: ['taskHealth', 'instanceHealth'] },
    every: '30m',
    taskQueue: tw.taskQueue,
  });
  expect(second.created).toBe(false);
  described = await handle.describe();
  expect(described.spec.intervals).toMatchObject([{ every: 1_800_000 }]);
  expect(described.action.args).toEqual([{ checks: ['taskHealth', 'instanceHealth'] }]);
  expect(described.action).toMatchObject({ workflowRunTimeout: 1_800_000 });
  expect(described.state.note).toBe('hourly health report');

  await handle.trigger();
  let workflowId: string | undefined;
  for (let i = 0; i < 100 && !workflowId; i++) {
    workflowId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
    if (!workflowId) await new Promise((r) => setTimeout(r, 200));
  }
  expect(workflowId).toMatch(new RegExp(`^${scheduleId}-`));
  const result: RunbookResult<{ checks: Array<{ check: string }> }> = await tw.client.workflow.getHandle(workflowId!).result();
  expect(result.kind).toBe('pipelineDoctor');
  expect(result.report!.checks.map((c) => c.check)).toEqual(['taskHealth', 'instanceHealth']);
});
