import { log } from '@temporalio/activity';
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
  const record = { at: new Date().toISOString(), service, operation, target, outcome, detail, params };
  try {
    // The activity logger adds workflowId, workflowType and activityType to the line.
    log.info(`${service}:${operation} ${outcome}`, { target, detail });
  } catch {
    /* outside an activity */
  }
  return record;
}
