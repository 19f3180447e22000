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
  /** sha256 of the frozen plan (domain/signedDecision.ts canonicalJson); signed decisions name it. */
  planDigest?: string;
  /** The approver's key that signed the decision (`SHA256:…`), when it was signed. */
  signerKey?: string;
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
  /** The refusal's kind when a signature check refused it (no-signature, unknown-key, wrong-plan, expired…). */
  code?: string;
}

export interface AuditTrail {
  gates: GateRecord[];
  calls: CallRecord[];
  /** The newest refused decisions (approvals.refusedKept of them); refusedCount counts them all. */
  refusedDecisions: RefusedDecision[];
  refusedCount?: number;
  /** Who started the runbook, as proven by a signed start (absent when the start was not signed). */
  requester?: { name: string; key: string };
  /** In the status query only, past STATUS_CALLS_SHOWN calls: how many older calls it leaves out (the result has them all). */
  callsLeftOut?: number;
}

/**
 * Calls the status query shows. A reload of 2,000 tables records a call per table and move: the whole audit in the
 * status was 1 MB at its finalize gate, and Temporal answers a query in one gRPC message (4 MB by default).
 */
export const STATUS_CALLS_SHOWN = 500;

/** The audit as the status query shows it: the newest STATUS_CALLS_SHOWN calls, and how many are left out. */
export function auditForStatus(audit: AuditTrail): AuditTrail {
  const left = audit.calls.length - STATUS_CALLS_SHOWN;
  return left > 0 ? { ...audit, calls: audit.calls.slice(left), callsLeftOut: left } : audit;
}

export function emptyAudit(): AuditTrail {
  return { gates: [], calls: [], refusedDecisions: [] };
}

/** Records a refused decision, keeping the newest `keep`: a flood of forged decisions cannot grow the audit. */
export function recordRefusal(audit: AuditTrail, refusal: RefusedDecision, keep: number): void {
  audit.refusedDecisions.push(refusal);
  audit.refusedCount = (audit.refusedCount ?? audit.refusedDecisions.length - 1) + 1;
  if (audit.refusedDecisions.length > keep) audit.refusedDecisions.splice(0, audit.refusedDecisions.length - keep);
}
