import { refuseDecision } from '../../domain/approval';

const policy = { kind: 'onboardTable', allowedApprovers: ['alice', 'bob'], fourEyes: true, requestedBy: 'alice' };
const open = { pending: 'apply-mapping', closed: [] };

describe('gate decisions', () => {
  test('an allowed approver other than the requester may decide the pending gate', () => {
    expect(refuseDecision(policy, open, 'apply-mapping', 'bob', 'approve')).toBeUndefined();
  });
  test('a decision before any gate is open is refused', () => {
    expect(refuseDecision(policy, { closed: [] }, 'apply-mapping', 'bob', 'approve')).toContain('no gate is open yet');
  });
  test('a decision for another gate names the pending one', () => {
    expect(refuseDecision(policy, open, 'finalize', 'bob', 'approve')).toContain('the pending gate is "apply-mapping"');
  });
  test('an approver outside the allowlist is refused with the list', () => {
    expect(refuseDecision(policy, open, 'apply-mapping', 'mallory', 'approve')).toContain('allowed: alice, bob');
  });
  test('four-eyes: the requester cannot approve', () => {
    expect(refuseDecision(policy, open, 'apply-mapping', 'alice', 'approve')).toContain('four-eyes');
    expect(refuseDecision({ ...policy, fourEyes: false }, open, 'apply-mapping', 'alice', 'approve')).toBeUndefined();
  });
  test('a second decision on the same gate is refused', () => {
    expect(
      refuseDecision(policy, { ...open, decided: { approver: 'bob', decision: 'approve' } }, 'apply-mapping', 'bob', 'reject'),
    ).toContain('already has a decision');
    const closed = {
      closed: [{ gate: 'apply-mapping', planShown: '', openedAt: '', remindersSent: 0, outcome: 'approved' as const, approver: 'bob' }],
    };
    expect(refuseDecision(policy, closed, 'apply-mapping', 'bob', 'approve')).toContain('already closed');
  });
});
