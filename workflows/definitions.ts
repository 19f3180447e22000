import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DecideInput, GateDecisionInput } from '../domain/approval';
import type { RunbookStatus } from '../domain/runbookStatus';

/** The operator-facing handler names: stable, they are the public API (docs/operating.md#start-approve-reject). */
export const approveSignal = defineSignal<[GateDecisionInput]>('approve');
export const rejectSignal = defineSignal<[GateDecisionInput]>('reject');
export const decideUpdate = defineUpdate<DecisionAccepted, [DecideInput]>('decide');
export const statusQuery = defineQuery<RunbookStatus>('status');

export interface DecisionAccepted {
  gate: string;
  decision: 'approve' | 'reject';
  approver: string;
  /** The key that signed the decision (`SHA256:…`), when it was signed. */
  signerKey?: string;
}
