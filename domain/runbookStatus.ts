import { AuditTrail } from './audit';
import { CancellationStatus } from './cancellation';
import { Plan } from './plan';

/** What the `status` query answers, and what the Web UI's current details show as Markdown. */

export type StepState = 'pending' | 'current' | 'done' | 'failed' | 'skipped';

export interface StepStatus {
  id: string;
  title: string;
  state: StepState;
  startedAt?: string;
  finishedAt?: string;
  detail?: string;
}

export interface PendingGate {
  gate: string;
  openedAt: string;
  expiresAt: string;
  plan: Plan;
  /** Why this gate is open, beyond the plan (a verification failure, a recommendation). */
  note?: string;
  /** sha256 of the plan frozen at this gate: a signed decision names it (absent on runs from before frozen plans). */
  planDigest?: string;
  approveCommand: string;
  rejectCommand: string;
  updateCommand: string;
  /** `npx dms-runbooks approve|reject …`: signs and sends the decision in one command. */
  cliApproveCommand?: string;
  cliRejectCommand?: string;
}

export type RunbookPhase =
  | 'running'
  | 'waiting-for-approval'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'expired'
  | 'dry-run'
  /** A change was made, then undone at a person's request (fullReload's finalize gate rejected). */
  | 'rolled-back'
  /** A cancellation was requested: the run undoes what it changed (status.cancellation says what). */
  | 'canceling'
  /** Closed as Canceled after undoing what status.cancellation lists. */
  | 'canceled';

export interface RunbookStatus {
  kind: string;
  workflowId: string;
  target: string;
  phase: RunbookPhase;
  steps: StepStatus[];
  pendingGate?: PendingGate;
  plan?: Plan;
  /** The latest DMS state the runbook saw (task or instance status, progress). */
  dms?: Record<string, unknown>;
  errors: string[];
  audit: AuditTrail;
  /** A report in Markdown for people (the doctor's findings), shown after the steps. */
  reportMarkdown?: string;
  /** Set once a cancellation was requested: what is being undone, and how each undo ended. */
  cancellation?: CancellationStatus;
}
