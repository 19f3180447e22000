import { WorkflowFailedError } from '@temporalio/client';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { waitForGate } from '../support/runbooks';
import { Drills, startDrills } from './drillHarness';

/**
 * The engine's resource locks (the real lock activities and resourceLock workflow, on the time-skipping test server):
 * a second runbook on a held target is refused naming the holder, and however a run ends — approved, rejected,
 * expired, failed — its lock is released for the next.
 */

let drills: Drills;

beforeAll(async () => {
  drills = await startDrills({ thresholds: { gateTimeoutMinutes: 30, gateReminderMinutes: 10 } });
});

afterAll(() => drills?.stop());

async function busyMessage(target: string): Promise<string> {
  const error = await (await drills.start({ target })).result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return String((error as WorkflowFailedError).cause?.message);
}

/** A run on the target takes the lock again: the previous holder released it. */
async function lockIsFree(target: string): Promise<void> {
  const next = await drills.start({ target });
  await waitForGate(next, 'go');
  await next.signal(rejectSignal, { gate: 'go', approver: 'dba-oncall', reason: 'only checking the lock' });
  expect((await next.result()).outcome).toBe('rejected');
}

test('a second runbook on a held target is refused with the holder; the lock is free once the first is approved', async () => {
  const first = await drills.start({ target: 'shop.locked' });
  await waitForGate(first, 'go');
  expect(await busyMessage('shop.locked')).toContain(`table:shop.locked is busy: runbook onboardTable (workflow id ${first.workflowId})`);
  await first.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'go' });
  expect((await first.result()).outcome).toBe('succeeded');
  await lockIsFree('shop.locked');
});

test('the lock is released after a rejection, an expiry and a failure', async () => {
  const rejected = await drills.start({ target: 'shop.released' });
  await waitForGate(rejected, 'go');
  await rejected.signal(rejectSignal, { gate: 'go', approver: 'dba-oncall', reason: 'no' });
  expect((await rejected.result()).outcome).toBe('rejected');

  const expired = await drills.start({ target: 'shop.released' });
  await waitForGate(expired, 'go');
  expect((await expired.result()).outcome).toBe('expired');

  const failing = await drills.start({ target: 'shop.released', failAfterGates: true });
  await waitForGate(failing, 'go');
  await failing.signal(approveSignal, { gate: 'go', approver: 'dba-oncall', reason: 'go' });
  const failure = await failing.result().catch((e: unknown) => e);
  expect(String((failure as WorkflowFailedError).cause?.message)).toContain('the drill fails after its gates');

  await lockIsFree('shop.released');
});

test('a dry run takes no lock and skips every step after its last one, even while another run holds the target', async () => {
  const holder = await drills.start({ target: 'shop.dry' });
  await waitForGate(holder, 'go');
  const dry = await (await drills.start({ target: 'shop.dry', dryRun: true })).result();
  expect(dry.outcome).toBe('dry-run');
  expect(dry.steps.map((s) => `${s.id} ${s.state}${s.detail ? ` (${s.detail})` : ''}`)).toEqual([
    'lock done',
    'hold skipped (dry run)',
    'gate:go skipped (dry run)',
    'act skipped (dry run)',
  ]);
  await holder.signal(rejectSignal, { gate: 'go', approver: 'dba-oncall', reason: 'only checking the dry run' });
  expect((await holder.result()).outcome).toBe('rejected');
});
