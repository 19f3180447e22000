import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DecideInput, GateDecisionInput } from '../domain/approval';
import type { RunbookStatus } from '../domain/runbookStatus';

/**
 * The runbooks' signals, update and query, shared by workflows (which install the handlers), the client, the CLI
 * and activities (which call them).
 *
 * The operator-facing handler names: stable, they are the public API (docs/operating.md#start-approve-reject). */
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
