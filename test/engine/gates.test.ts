import { WorkflowUpdateFailedError } from '@temporalio/client';
import { decide, runbookStatus } from '../../client/runbooks';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { waitForGate } from '../support/runbooks';
import { Drills, startDrills } from './drillHarness';

/**
 * The engine's gates on Temporal's time-skipping test server: approve (signal, update), reject, reminders and
 * expiry in skipped time (60 min gates, a reminder every 15), and what each one notifies. The runbooks' own steps
 * around their gates (nothing changed after a rejection or expiry, in DMS) are tested on the stack.
 */

let drills: Drills;

beforeAll(async () => {
  drills = await startDrills({ thresholds: { gateTimeoutMinutes: 60, gateReminderMinutes: 15 } });
});

afterAll(() => drills?.stop());

const minutesOpen = (gate: { openedAt: string; closedAt?: string }) => (Date.parse(gate.closedAt!) - Date.parse(gate.openedAt)) / 60000;

test('approved by signal: the run goes on, the audit says who, when and how, and the webhook hears each step', async () => {
  const handle = await drills.start({ target: 'shop.approve_signal' });
  const waiting = await waitForGate(handle, 'go');
  expect(waiting.phase).toBe('waiting-for-approval');
  expect(Date.parse(waiting.pendingGate!.expiresAt) - Date.parse(waiting.pendingGate!.openedAt)).toBe(60 * 60000);
  expect(waiting.pendingGate!.planDigest).toMatch(/^sha256:/);
  await handle.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'ticket DATA-1' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates).toMatchObject([
    { gate: 'go', outcome: 'approved', approver: 'dba-oncall', reason: 'ticket DATA-1', via: 'signal', remindersSent: 0 },
  ]);
  expect(result.steps.map((s) => `${s.id}:${s.state}`)).toEqual(['lock:done', 'hold:done', 'gate:go:done', 'act:done']);
  expect(drills.webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'completed']);
});

test('approved by update: the caller gets the decision back', async () => {
  const handle = await drills.start({ target: 'shop.approve_update' });
  await waitForGate(handle, 'go');
  expect(await decide(handle, { gate: 'go', approver: 'data-platform-lead', reason: 'checked', decision: 'approve' })).toEqual({
    gate: 'go',
    approver: 'data-platform-lead',
    decision: 'approve',
  });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates[0]).toMatchObject({ via: 'update', approver: 'data-platform-lead' });
});

test('rejected: the run ends as rejected, the steps after the gate never run, and the rejection is notified', async () => {
  const handle = await drills.start({ target: 'shop.reject' });
  await waitForGate(handle, 'go');
  await handle.signal(rejectSignal, { gate: 'go', approver: 'data-platform-lead', reason: 'not this week' });
  const result = await handle.result();
  expect(result.outcome).toBe('rejected');
  expect(result.message).toBe('gate "go" rejected by data-platform-lead: not this week; nothing further was changed');
  expect(result.steps.map((s) => `${s.id}:${s.state}`)).toEqual(['lock:done', 'hold:done', 'gate:go:skipped', 'act:pending']);
  expect(drills.webhook.events(handle.workflowId)).toEqual(['gate-opened', 'rejected']);
});

test('no decision: a reminder every 15 minutes, then the gate expires at 60 and the run ends with nothing further done', async () => {
  const handle = await drills.start({ target: 'shop.expire' });
  await waitForGate(handle, 'go');
  const result = await handle.result(); // the test server skips the hour
  expect(result.outcome).toBe('expired');
  expect(result.message).toBe('gate "go" expired after 60 min without a decision; nothing further was changed');
  expect(result.audit.gates[0]).toMatchObject({ gate: 'go', outcome: 'expired', remindersSent: 3 });
  expect(minutesOpen(result.audit.gates[0]!)).toBeGreaterThanOrEqual(60);
  expect(minutesOpen(result.audit.gates[0]!)).toBeLessThan(61);
  expect(result.steps.find((s) => s.id === 'act')!.state).toBe('pending');
  expect(drills.webhook.events(handle.workflowId)).toEqual(['gate-opened', 'reminder', 'reminder', 'reminder', 'expired']);
  const reminder = drills.webhook.received.find(
    (n) => n.dms_runbooks.workflowId === handle.workflowId && n.dms_runbooks.event === 'reminder',
  );
  expect(reminder!.text).toContain('Reminder: gate `go` is still waiting for approval; it expires');
  expect(reminder!.text).toContain(`dms-runbooks approve ${handle.workflowId} --gate go`);
  expect((await runbookStatus(handle)).phase).toBe('expired');
});

test('an approval a minute before the expiry counts, after the reminders sent so far', async () => {
  const handle = await drills.start({ target: 'shop.late' });
  await waitForGate(handle, 'go');
  await drills.env.sleep('59 minutes');
  await handle.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'just in time' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates[0]).toMatchObject({ outcome: 'approved', remindersSent: 3 });
  expect(minutesOpen(result.audit.gates[0]!)).toBeGreaterThanOrEqual(59);
});

test('a refused update leaves the gate open and writes nothing; a refused signal is recorded in the audit', async () => {
  const handle = await drills.start({ target: 'shop.refused', gates: ['first', 'second'], holdBeforeGates: true });
  // Before any gate is open (the plan not shown yet).
  await handle.signal(approveSignal, { gate: 'first', approver: 'dba-oncall', reason: 'rubber stamp' });
  const early = await decide(handle, { gate: 'first', approver: 'dba-oncall', reason: 'early', decision: 'approve' }).catch(
    (e: unknown) => e,
  );
  expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((early as WorkflowUpdateFailedError).cause?.message)).toContain('no gate is open yet (the plan has not been shown)');
  await handle.signal('proceed');
  const first = await waitForGate(handle, 'first');
  expect(first.audit.refusedDecisions.map((r) => `${r.via}:${r.gate}:${r.approver}`)).toEqual(['signal:first:dba-oncall']);
  // Outside the allowlist, and for the gate that is not open yet.
  await handle.signal(approveSignal, { gate: 'first', approver: 'mallory', reason: 'trust me' });
  await handle.signal(rejectSignal, { gate: 'second', approver: 'dba-oncall', reason: 'too early' });
  await decide(handle, { gate: 'first', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  // A decision for the closed first gate while the second waits.
  await waitForGate(handle, 'second');
  const closed = await decide(handle, { gate: 'first', approver: 'dba-oncall', reason: 'changed my mind', decision: 'reject' }).catch(
    (e: unknown) => e,
  );
  expect(String((closed as WorkflowUpdateFailedError).cause?.message)).toContain(
    'gate "first" is already closed (approved); the pending gate is "second"',
  );
  await handle.signal(approveSignal, { gate: 'second', approver: 'data-platform-lead', reason: 'counts match' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates.map((g) => `${g.gate}:${g.outcome}:${g.approver}:${g.via}`)).toEqual([
    'first:approved:dba-oncall:update',
    'second:approved:data-platform-lead:signal',
  ]);
  // Only the signals are in the audit: refused updates never enter the history.
  expect(result.audit.refusedDecisions.map((r) => `${r.via}:${r.gate}:${r.approver}:${r.why}`)).toEqual([
    'signal:first:dba-oncall:gate "first" is not pending: no gate is open yet (the plan has not been shown); wait for the gate and read it with the status query',
    'signal:first:mallory:approver "mallory" may not approve onboardTable runbooks (allowed: dba-oncall, data-platform-lead)',
    'signal:second:dba-oncall:gate "second" is not open; the pending gate is "first"',
  ]);
});
