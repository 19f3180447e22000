import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { decide } from '../../client/runbooks';
import { waitForGate } from '../support/runbooks';
import { Drills, startDrills } from './drillHarness';

/** The four-eyes rule in the engine (unsigned decisions; signed ones: test/reliability/forgedDecisions.test.ts). */

let drills: Drills;

beforeAll(async () => {
  drills = await startDrills({ approvers: { default: ['dba-oncall', 'data-platform-lead'], fourEyes: true } });
});

afterAll(() => drills?.stop());

test('the person who started the runbook cannot approve it; another approver can, once', async () => {
  const handle = await drills.start({ target: 'shop.four_eyes', requestedBy: 'dba-oncall' });
  await waitForGate(handle, 'go');
  const own = await decide(handle, { gate: 'go', approver: 'dba-oncall', reason: 'mine', decision: 'approve' }).catch((e: unknown) => e);
  expect(own).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((own as WorkflowUpdateFailedError).cause?.message)).toBe(
    'four-eyes rule: "dba-oncall" started this runbook and cannot approve its gates; ask another approver',
  );
  await decide(handle, { gate: 'go', approver: 'data-platform-lead', reason: 'checked', decision: 'approve' });
  const again = await decide(handle, { gate: 'go', approver: 'data-platform-lead', reason: 'again', decision: 'approve' }).catch(
    (e: unknown) => e,
  );
  expect(again).toBeInstanceOf(WorkflowUpdateFailedError);
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates[0]).toMatchObject({ approver: 'data-platform-lead', outcome: 'approved' });
});

test('the starter cannot reject either', async () => {
  const handle = await drills.start({ target: 'shop.four_eyes_reject', requestedBy: 'data-platform-lead' });
  await waitForGate(handle, 'go');
  const own = await decide(handle, { gate: 'go', approver: 'data-platform-lead', reason: 'no', decision: 'reject' }).catch(
    (e: unknown) => e,
  );
  expect(String((own as WorkflowUpdateFailedError).cause?.message)).toContain('cannot reject its gates');
  await decide(handle, { gate: 'go', approver: 'dba-oncall', reason: 'no', decision: 'reject' });
  expect((await handle.result()).outcome).toBe('rejected');
});

test('with the four-eyes rule on, a start without requestedBy fails before any step runs, saying what to add', async () => {
  const handle = await drills.start({ target: 'shop.four_eyes_anonymous' });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(String((error as WorkflowFailedError).cause?.message)).toContain(
    'invalid onboardTable input: requestedBy: required when the four-eyes rule is on (say who starts this runbook)',
  );
});
