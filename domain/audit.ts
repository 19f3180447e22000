/** The audit trail every runbook returns: who approved which plan, and every mutating call that followed. */

export type Decision = 'approve' | 'reject';

export interface GateRecord {
  gate: string;
  /** The plan (Markdown) the approver saw. */
  planShown: string;
  openedAt: string;
  closedAt?: string;
  outcome?: 'approved' | 'rejected' | 'expired';
  approver?: string;
  reason?: string;
  via?: 'signal' | 'update';
  remindersSent: number;
}

export interface CallRecord {
  at: string;
  service: 'dms' | 's3' | 'rds' | 'temporal';
  operation: string;
  target: string;
  params?: Record<string, unknown>;
  /** `done`: the call was made; `skipped`: the state already matched, nothing was called. */
  outcome: 'done' | 'skipped' | 'failed';
  detail: string;
}

export interface RefusedDecision {
  at: string;
  gate: string;
  approver: string;
  decision: Decision;
  via: 'signal' | 'update';
  why: string;
}

export interface AuditTrail {
  gates: GateRecord[];
  calls: CallRecord[];
  refusedDecisions: RefusedDecision[];
}

export function emptyAudit(): AuditTrail {
  return { gates: [], calls: [], refusedDecisions: [] };
}
