import { auditForStatus, CallRecord, emptyAudit, STATUS_CALLS_SHOWN } from '../../domain/audit';

/** The status query's audit stays bounded however many calls a run records; the result keeps them all. */
const call = (i: number): CallRecord => ({
  at: new Date(Date.UTC(2026, 11, 2, 0, 0, i)).toISOString(),
  service: 's3',
  operation: 'QuarantineTableFiles',
  target: `shop.t${i}`,
  outcome: 'done',
  detail: `${i}`,
});

test('a run with few calls shows them all', () => {
  const audit = { ...emptyAudit(), calls: [call(1), call(2)] };
  expect(auditForStatus(audit)).toBe(audit);
});

test('past the bound, the status shows the newest calls and how many it leaves out, and the audit itself keeps all', () => {
  const audit = { ...emptyAudit(), calls: Array.from({ length: 2000 }, (_, i) => call(i)) };
  const shown = auditForStatus(audit);
  expect(shown.calls).toHaveLength(STATUS_CALLS_SHOWN);
  expect(shown.calls[0]!.target).toBe(`shop.t${2000 - STATUS_CALLS_SHOWN}`);
  expect(shown.calls.at(-1)!.target).toBe('shop.t1999');
  expect(shown.callsLeftOut).toBe(2000 - STATUS_CALLS_SHOWN);
  expect(audit.calls).toHaveLength(2000);
  expect(audit.callsLeftOut).toBeUndefined();
});
