import type { CallRecord } from '../domain/audit';

/** The audit entry a mutating activity returns: what it called, or why it did not need to. */
export function callRecord(
  service: CallRecord['service'],
  operation: string,
  target: string,
  outcome: CallRecord['outcome'],
  detail: string,
  params?: Record<string, unknown>,
): CallRecord {
  return { at: new Date().toISOString(), service, operation, target, outcome, detail, params };
}
