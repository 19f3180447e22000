import { z } from 'zod';
import { Decision, GateRecord } from './audit';

/** The payload of the `approve` / `reject` signals; the `decide` update adds `decision`. */
export const gateDecisionSchema = z
  .object({
    gate: z.string().min(1).max(64),
    approver: z.string().min(1).max(128),
    reason: z.string().max(2000).default(''),
    /** The decision signed with the approver's SSH key (`dms-runbooks sign` prints it); see domain/signedDecision.ts. */
    signed: z
      .object({ document: z.string().min(1).max(4000), signature: z.string().min(1).max(20000) })
      .strict()
      .optional(),
  })
  .strict();
export const decideUpdateSchema = gateDecisionSchema.extend({ decision: z.enum(['approve', 'reject']) }).strict();

export type GateDecisionInput = z.input<typeof gateDecisionSchema>;
export type DecideInput = z.input<typeof decideUpdateSchema>;

/**
 * The runbook kinds with gates: only their starts must be signed under four-eyes with signatures required. The
 * others (readiness, doctor, drift watch) run from Schedules and ask nobody's approval.
 */
export const GATED_KINDS: readonly string[] = ['onboardTable', 'fullReload', 'resizeInstance', 'backfillPartitions'];

export interface ApprovalPolicy {
  kind: string;
  allowedApprovers: string[];
  fourEyes: boolean;
  /** Who started the runbook (input `requestedBy`), for four-eyes. */
  requestedBy?: string;
}

export interface GateView {
  pending?: string;
  /** A decision already taken for the pending gate but not yet acted on. */
  decided?: { approver: string; decision: Decision };
  closed: GateRecord[];
}

/** Why a decision cannot be taken, or undefined when it can. Pure: the Update validator and signal handlers share it. */
export function refuseDecision(
  policy: ApprovalPolicy,
  gates: GateView,
  gate: string,
  approver: string,
  decision: Decision,
): string | undefined {
  if (gates.pending === undefined) {
    const closed = gates.closed.find((g) => g.gate === gate);
    if (closed) return `gate "${gate}" is already closed (${closed.outcome} by ${closed.approver ?? 'timeout'}); no gate is pending`;
    return `gate "${gate}" is not pending: no gate is open yet (the plan has not been shown); wait for the gate and read it with the status query`;
  }
  if (gates.pending !== gate) {
    const closed = gates.closed.find((g) => g.gate === gate);
    const state = closed ? `already closed (${closed.outcome})` : 'not open';
    return `gate "${gate}" is ${state}; the pending gate is "${gates.pending}"`;
  }
  if (gates.decided) {
    return `gate "${gate}" already has a decision (${gates.decided.decision} by ${gates.decided.approver}); a second decision is refused`;
  }
  if (!policy.allowedApprovers.includes(approver)) {
    return `approver "${approver}" may not ${decision} ${policy.kind} runbooks (allowed: ${policy.allowedApprovers.join(', ')})`;
  }
  if (policy.fourEyes && policy.requestedBy !== undefined && policy.requestedBy === approver) {
    return `four-eyes rule: "${approver}" started this runbook and cannot ${decision} its gates; ask another approver`;
  }
  return undefined;
}
