import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { captureHistory } from '../support/histories';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

/**
 * onboardTable against the real Temporal dev server, MariaDB, moto and the DMS emulator: approvals and gates.
 * Refused decisions (allowlist, gate not open, duplicate, closed gate): test/reliability/approvalAbuse.test.ts.
 * The engine's gate mechanics — reminder count and expiry time, a late approval, four-eyes — are tested in skipped
 * time without the stack (test/engine/); here, what onboardTable does around its gate.
 */

let tw: TestWorker;
let shortGates: TestWorker;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const tables: Record<string, string> = {};
const groups: TaskGroupConfig[] = [];

async function scratch(key: string, rows = 1500): Promise<string> {
  const name = uniqueName(`ob${key}`);
  tables[key] = await createScratchTable(name, { rows });
  groups.push(scratchGroup(`g-${name}`, [tables[key]]));
  return tables[key];
}

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  for (const key of ['signal', 'first', 'second', 'reject', 'timeout', 'dry']) await scratch(key);
  // `first` and `second` share one group: the second onboarding modifies a running task.
  const shared = groups.find((g) => g.tables[0] === tables.first)!;
  shared.tables.push(tables.second!);
  groups.splice(
    groups.findIndex((g) => g.tables[0] === tables.second),
    1,
  );
  const base = testConfig();
  const config = testConfig({ taskGroups: [...base.taskGroups, ...groups], notifications: { webhookUrl: webhook.url } });
  tw = await startTestWorker(config);
  shortGates = await startTestWorker(
    testConfig({
      taskGroups: [...base.taskGroups, ...groups],
      notifications: { webhookUrl: webhook.url },
      // Short enough to wait for in real time, long enough for a reminder on a loaded machine (captured for replay).
      thresholds: { gateTimeoutMinutes: 0.1, gateReminderMinutes: 0.04 },
    }),
  );
});

afterAll(async () => {
  await tw?.stop();
  await shortGates?.stop();
  await webhook?.close();
  for (const table of Object.values(tables)) await dropScratchTable(table);
});

const start = (worker: TestWorker, input: Record<string, unknown>) =>
  startRunbook(worker.client, 'onboardTable', input as never, { taskQueue: worker.taskQueue });

describe('onboardTable approvals', () => {
  test('approved by signal: creates the group task, loads the table, verifies counts, audits and notifies', async () => {
    const handle = await start(tw, { table: tables.signal });
    const waiting = await waitForGate(handle, 'apply-mapping');
    expect(waiting.phase).toBe('waiting-for-approval');
    expect(waiting.pendingGate!.approveCommand).toBe(
      `temporal workflow signal --workflow-id ${handle.workflowId} --name approve --input '{"gate":"apply-mapping","approver":"<your name>","reason":"<why>"}'`,
    );
    expect(waiting.pendingGate!.plan.calls.map((c) => c.operation)).toEqual(['CreateReplicationTask', 'StartReplicationTask']);
    expect(waiting.steps.find((s) => s.id === 'plan')!.state).toBe('done');
    expect(waiting.steps.find((s) => s.id === 'apply')!.state).toBe('pending');
    const described = await handle.describe();
    expect(described.searchAttributes.RunbookKind).toEqual(['onboardTable']);
    expect(described.searchAttributes.RunbookTarget).toEqual([tables.signal]);
    expect(described.searchAttributes.RunbookStep).toEqual(['gate:apply-mapping']);

    await handle.signal(approveSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'ticket DATA-1' });
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    const report = result.report as OnboardTableReport;
    expect(report.verification).toMatchObject({ sourceRows: 1500, dmsFullLoadRows: 1500, parquetRows: 1500, matches: true });
    expect(result.audit.gates).toMatchObject([
      { gate: 'apply-mapping', outcome: 'approved', approver: 'dba-oncall', reason: 'ticket DATA-1', via: 'signal' },
    ]);
    expect(result.audit.gates[0]!.planShown).toContain('CreateReplicationTask');
    expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'CreateReplicationTask:done',
      'StartReplicationTask:done',
    ]);
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'completed']);
    expect((await handle.describe()).searchAttributes.RunbookStep).toEqual(['succeeded']);
    await captureHistory(handle, 'onboardTable', 'approved-by-signal-new-task');
  });

  test('approved by update into a running task: stop, modify, resume, and the first table keeps its data', async () => {
    const first = await start(tw, { table: tables.first });
    await waitForGate(first, 'apply-mapping');
    await decide(first, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'first', decision: 'approve' });
    expect((await first.result()).outcome).toBe('succeeded');

    const second = await start(tw, { table: tables.second, taskGroup: groups.find((g) => g.tables.includes(tables.second!))!.name });
    const gate = await waitForGate(second, 'apply-mapping');
    expect(gate.pendingGate!.plan.calls.map((c) => c.operation)).toEqual([
      'StopReplicationTask',
      'ModifyReplicationTask',
      'StartReplicationTask',
    ]);
    const diff = gate.pendingGate!.plan.details.mappingDiff as { added: Array<{ 'rule-name': string }>; removed: unknown[] };
    expect(diff.added.map((r) => r['rule-name'])).toEqual([`include-shop-${tables.second!.split('.')[1]}`]);
    expect(diff.removed).toEqual([]);
    const accepted = await decide(second, { gate: 'apply-mapping', approver: 'data-platform-lead', reason: 'second', decision: 'approve' });
    expect(accepted).toEqual({ gate: 'apply-mapping', approver: 'data-platform-lead', decision: 'approve' });
    const result = await second.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.audit.gates[0]).toMatchObject({ via: 'update', approver: 'data-platform-lead' });
    expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'StopReplicationTask:done',
      'ModifyReplicationTask:done',
      'StartReplicationTask:done',
    ]);
    expect(result.audit.calls[2]!.params).toMatchObject({ StartReplicationTaskType: 'resume-processing' });
    expect((result.report as OnboardTableReport).verification.matches).toBe(true);
    await captureHistory(second, 'onboardTable', 'approved-by-update-running-task');
  });

  test('rejected: ends with nothing changed after the gate, and says who rejected', async () => {
    const handle = await start(tw, { table: tables.reject });
    await waitForGate(handle, 'apply-mapping');
    await resetDmsCalls();
    await handle.signal(rejectSignal, { gate: 'apply-mapping', approver: 'data-platform-lead', reason: 'not this week' });
    const result = await handle.result();
    expect(result.outcome).toBe('rejected');
    expect(result.message).toContain('rejected by data-platform-lead: not this week');
    expect(result.audit.calls).toEqual([]);
    expect(await mutatingCalls()).toEqual({});
    expect(result.steps.filter((s) => s.state === 'done').map((s) => s.id)).toEqual(['readiness', 'choose-task', 'target', 'plan']);
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'rejected']);
    await captureHistory(handle, 'onboardTable', 'rejected');
  });

  test('gate timeout: reminders go out, then the gate expires with nothing changed', async () => {
    await resetDmsCalls(); // onboardTable's steps before its gate make no mutating call (see the dry run)
    const handle = await start(shortGates, { table: tables.timeout });
    const result = await handle.result();
    expect(result.outcome).toBe('expired');
    expect(result.message).toContain('gate "apply-mapping" expired');
    expect(result.audit.gates[0]!.outcome).toBe('expired');
    expect(result.audit.gates[0]!.remindersSent).toBeGreaterThanOrEqual(1);
    expect(result.audit.calls).toEqual([]);
    expect(await mutatingCalls()).toEqual({});
    expect(result.steps.filter((s) => s.state === 'done').map((s) => s.id)).toEqual(['readiness', 'choose-task', 'target', 'plan']);
    const events = webhook.events(handle.workflowId);
    expect(events[0]).toBe('gate-opened');
    expect(events).toContain('reminder');
    expect(events[events.length - 1]).toBe('expired');
    await captureHistory(handle, 'onboardTable', 'gate-timeout');
  });

  test('a dry run returns the plan and makes no mutating DMS call', async () => {
    await resetDmsCalls();
    const handle = await start(tw, { table: tables.dry, dryRun: true });
    const result = await handle.result();
    expect(result.outcome).toBe('dry-run');
    expect(result.plan!.calls.map((c) => c.operation)).toEqual(['CreateReplicationTask', 'StartReplicationTask']);
    expect(result.plan!.details.tableMappings).toBeDefined();
    expect(await mutatingCalls()).toEqual({});
    expect(result.steps.filter((s) => s.state === 'skipped').map((s) => s.id)).toEqual(['gate:apply-mapping', 'apply', 'load', 'verify']);
    await captureHistory(handle, 'onboardTable', 'dry-run');
  });
});
