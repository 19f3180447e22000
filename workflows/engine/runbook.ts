import {
  ApplicationFailure,
  condition,
  log,
  metricMeter,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ApprovalPolicy, decideUpdateSchema, gateDecisionSchema, refuseDecision } from '../../domain/approval';
import { AuditTrail, CallRecord, Decision, emptyAudit, GateRecord } from '../../domain/audit';
import { approversFor, PipelineConfig, RunbookKind as Kind } from '../../domain/config';
import { formatInputIssues } from '../../domain/inputErrors';
import { decideCommand, signalCommand } from '../../domain/operatorCommands';
import { Plan, planToMarkdown } from '../../domain/plan';
import { RunbookPhase, RunbookStatus, StepStatus } from '../../domain/runbookStatus';
import { statusToMarkdown } from '../../domain/statusMarkdown';
import { approveSignal, decideUpdate, rejectSignal, statusQuery } from '../definitions';
import { RunbookKind, RunbookStep, RunbookTarget } from '../searchAttributes';
import type { NotificationEvent } from '../../activities/notify';
import { actions, notifications, reads } from './activityProxies';

/** Ends a runbook early without an error: a gate was rejected or expired, and nothing further was changed. */
export class RunbookHalt extends Error {
  constructor(
    readonly phase: 'rejected' | 'expired',
    message: string,
  ) {
    super(message);
  }
}

export interface RunbookResult<R> {
  kind: Kind;
  workflowId: string;
  target: string;
  outcome: RunbookPhase;
  message: string;
  plan?: Plan;
  report?: R;
  steps: StepStatus[];
  audit: AuditTrail;
}

interface PendingDecision {
  gate: string;
  approver: string;
  reason: string;
  decision: Decision;
  via: 'signal' | 'update';
}

/**
 * The structure every runbook shares: steps with progress, approval gates, audit, notifications, search
 * attributes and the Web UI's current details. One instance per workflow execution.
 */
export class Runbook {
  readonly status: RunbookStatus;
  config!: PipelineConfig;
  private policy: ApprovalPolicy;
  private decision?: PendingDecision;
  private locks: string[] = [];

  constructor(
    readonly kind: Kind,
    readonly target: string,
    steps: Array<[id: string, title: string]>,
    readonly requestedBy?: string,
  ) {
    this.status = {
      kind,
      workflowId: workflowInfo().workflowId,
      target,
      phase: 'running',
      steps: steps.map(([id, title]) => ({ id, title, state: 'pending' })),
      errors: [],
      audit: emptyAudit(),
    };
    this.policy = { kind, allowedApprovers: [], fourEyes: false, requestedBy };
    this.installHandlers();
    this.publish();
  }

  get workflowId(): string {
    return this.status.workflowId;
  }

  get audit(): AuditTrail {
    return this.status.audit;
  }

  /** Reads the pipeline configuration (no secrets in it) through an activity, so it is fixed in history. */
  async loadConfig(): Promise<PipelineConfig> {
    this.config = await reads.loadPipelineConfig();
    this.policy = {
      kind: this.kind,
      allowedApprovers: approversFor(this.config, this.kind),
      fourEyes: this.config.approvers.fourEyes,
      requestedBy: this.requestedBy,
    };
    if (this.policy.fourEyes && !this.requestedBy) {
      throw ApplicationFailure.nonRetryable(
        `invalid ${this.kind} input: requestedBy: required when the four-eyes rule is on (say who starts this runbook)`,
        'InvalidInput',
      );
    }
    return this.config;
  }

  /** Refuses to run while another runbook acts on the same table, task or instance; names that runbook. */
  async lock(resources: string[]): Promise<void> {
    const fresh = resources.filter((r) => !this.locks.includes(r));
    if (fresh.length === 0) return;
    await actions.acquireLocks({ resources: fresh, holder: this.workflowId, kind: this.kind });
    this.locks.push(...fresh);
  }

  /** Releases some locks before the end (to hand a target over to a child runbook); lock() takes them again. */
  async unlock(resources: string[]): Promise<void> {
    const held = resources.filter((r) => this.locks.includes(r));
    if (held.length === 0) return;
    this.locks = this.locks.filter((r) => !held.includes(r));
    await actions.releaseLocks({ resources: held, holder: this.workflowId });
  }

  async releaseLocks(): Promise<void> {
    if (this.locks.length === 0) return;
    const resources = this.locks;
    this.locks = [];
    await actions.releaseLocks({ resources, holder: this.workflowId });
  }

  /** Runs one step, keeping the step list, the RunbookStep search attribute and the current details in sync. */
  async step<T>(id: string, run: () => Promise<T>): Promise<T> {
    const step = this.findStep(id);
    step.state = 'current';
    step.startedAt = new Date().toISOString();
    this.publish(id);
    this.log('step started', id);
    try {
      const value = await run();
      step.state = 'done';
      step.finishedAt = new Date().toISOString();
      this.publish();
      this.log('step done', id, { detail: step.detail });
      return value;
    } catch (error) {
      step.state = error instanceof RunbookHalt ? 'skipped' : 'failed';
      step.finishedAt = new Date().toISOString();
      step.detail ??= errorMessage(error);
      this.publish();
      this.log(`step ${step.state}`, id, { detail: step.detail });
      throw error;
    }
  }

  note(id: string, detail: string): void {
    this.findStep(id).detail = detail;
    this.publish();
  }

  skip(id: string, detail: string): void {
    const step = this.findStep(id);
    step.state = 'skipped';
    step.detail = detail;
    this.publish();
  }

  setPlan(plan: Plan): void {
    this.status.plan = plan;
    this.publish();
  }

  /** Markdown shown under the steps in the status query and the Web UI (a report, not a plan). */
  setReport(markdown: string): void {
    this.status.reportMarkdown = markdown;
    this.publish();
  }

  setDms(state: Record<string, unknown>): void {
    this.status.dms = state;
    this.publish();
  }

  record(calls: CallRecord | CallRecord[]): void {
    this.status.audit.calls.push(...(Array.isArray(calls) ? calls : [calls]));
  }

  /**
   * Opens a gate with the plan shown, notifies, reminds until it expires, and returns when approved.
   * A rejection or an expiry throws RunbookHalt: the runbook ends with nothing further changed.
   */
  async gate(gate: string, plan: Plan, note?: string): Promise<GateRecord> {
    const timeoutMs = this.config.thresholds.gateTimeoutMinutes * 60_000;
    const reminderMs = this.config.thresholds.gateReminderMinutes * 60_000;
    const openedAt = new Date();
    const expiresAt = new Date(openedAt.getTime() + timeoutMs);
    const record: GateRecord = { gate, planShown: planToMarkdown(plan), openedAt: openedAt.toISOString(), remindersSent: 0 };
    this.status.audit.gates.push(record);
    this.status.plan = plan;
    this.status.pendingGate = {
      gate,
      openedAt: record.openedAt,
      expiresAt: expiresAt.toISOString(),
      plan,
      note,
      approveCommand: signalCommand(this.workflowId, 'approve', gate),
      rejectCommand: signalCommand(this.workflowId, 'reject', gate),
      updateCommand: decideCommand(this.workflowId, gate),
    };
    this.status.phase = 'waiting-for-approval';
    this.decision = undefined;
    this.publish(`gate:${gate}`);
    await this.notify(
      'gate-opened',
      `Gate \`${gate}\` is waiting for approval (expires ${expiresAt.toISOString()}).${note ? `\n> ${note}` : ''}\n${record.planShown}\nApprove: \`${this.status.pendingGate.approveCommand}\``,
    );

    while (this.decision === undefined) {
      const remaining = expiresAt.getTime() - Date.now();
      if (remaining <= 0) break;
      const decided = await condition(() => this.decision !== undefined, Math.min(reminderMs, remaining));
      if (!decided && Date.now() < expiresAt.getTime()) {
        record.remindersSent++;
        await this.notify(
          'reminder',
          `Reminder: gate \`${gate}\` is still waiting for approval; it expires ${expiresAt.toISOString()}.\nApprove: \`${this.status.pendingGate.approveCommand}\``,
        );
      }
    }

    const decision = this.decision as PendingDecision | undefined;
    this.status.pendingGate = undefined;
    this.decision = undefined;
    record.closedAt = new Date().toISOString();
    const waited = (Date.parse(record.closedAt) - openedAt.getTime()) / 1000;
    const outcome = !decision ? 'expired' : decision.decision === 'reject' ? 'rejected' : 'approved';
    this.log(`gate ${outcome}`, `gate:${gate}`, { approver: decision?.approver, via: decision?.via, waitedSeconds: waited });
    metricMeter
      .createHistogram('dms_runbooks_gate_wait', 'float', 'seconds', 'Time a gate waited for its decision')
      .record(waited, { kind: this.kind, gate, outcome });
    if (!decision) {
      record.outcome = 'expired';
      await this.notify('expired', `Gate \`${gate}\` expired without a decision; the runbook ends with nothing further changed.`);
      throw new RunbookHalt(
        'expired',
        `gate "${gate}" expired after ${this.config.thresholds.gateTimeoutMinutes} min without a decision; nothing further was changed`,
      );
    }
    record.approver = decision.approver;
    record.reason = decision.reason;
    record.via = decision.via;
    if (decision.decision === 'reject') {
      record.outcome = 'rejected';
      await this.notify('rejected', `Gate \`${gate}\` rejected by ${decision.approver}: ${decision.reason || '(no reason given)'}`);
      throw new RunbookHalt(
        'rejected',
        `gate "${gate}" rejected by ${decision.approver}${decision.reason ? `: ${decision.reason}` : ''}; nothing further was changed`,
      );
    }
    record.outcome = 'approved';
    this.status.phase = 'running';
    this.publish();
    await this.notify('approved', `Gate \`${gate}\` approved by ${decision.approver}${decision.reason ? `: ${decision.reason}` : ''}.`);
    return record;
  }

  /** Like gate(), but a rejection is an answer rather than the end: used where rejecting means "roll back". */
  async decide(gate: string, plan: Plan, note?: string): Promise<'approved' | 'rejected'> {
    try {
      await this.gate(gate, plan, note);
      return 'approved';
    } catch (error) {
      if (error instanceof RunbookHalt && error.phase === 'rejected') {
        this.status.phase = 'running';
        this.publish();
        return 'rejected';
      }
      throw error;
    }
  }

  async notify(event: NotificationEvent, markdown: string): Promise<void> {
    try {
      await notifications.notify({
        event,
        kind: this.kind,
        workflowId: this.workflowId,
        target: this.target,
        gate: this.status.pendingGate?.gate,
        markdown,
      });
    } catch (error) {
      log.warn('notification failed; the runbook carries on', { error: errorMessage(error) });
    }
  }

  /** Final bookkeeping; returns the result the workflow completes with. */
  finish<R>(outcome: RunbookPhase, message: string, report?: R): RunbookResult<R> {
    metricMeter
      .createCounter('dms_runbooks_runbooks_finished', 'runbooks', 'Runbooks finished by kind and outcome')
      .add(1, { kind: this.kind, outcome });
    this.log(`runbook ${outcome}`, outcome, { message });
    this.status.phase = outcome;
    this.status.pendingGate = undefined;
    this.publish(outcome);
    return {
      kind: this.kind,
      workflowId: this.workflowId,
      target: this.target,
      outcome,
      message,
      plan: this.status.plan,
      report,
      steps: this.status.steps,
      audit: this.status.audit,
    };
  }

  fail(error: unknown): never {
    const message = errorMessage(error);
    this.status.errors.push(message);
    this.finish('failed', message);
    throw ApplicationFailure.nonRetryable(`${this.kind} ${this.target} failed: ${message}`, 'RunbookFailed', {
      steps: this.status.steps,
      audit: this.status.audit,
    });
  }

  /** One JSON log line per event, with the runbook's kind, target and step (the SDK adds workflowId and run). */
  private log(message: string, step: string, extra: Record<string, unknown> = {}): void {
    log.info(message, { runbookKind: this.kind, runbookTarget: this.target, runbookStep: step, ...extra });
  }

  private findStep(id: string): StepStatus {
    const step = this.status.steps.find((s) => s.id === id);
    if (!step) throw new Error(`runbook ${this.kind} has no step "${id}"`);
    return step;
  }

  private publish(stepOverride?: string): void {
    const current = stepOverride ?? this.status.steps.find((s) => s.state === 'current')?.id ?? this.status.phase;
    upsertSearchAttributes([
      { key: RunbookKind, value: this.kind },
      { key: RunbookTarget, value: this.target },
      { key: RunbookStep, value: current },
    ]);
    setCurrentDetails(statusToMarkdown(this.status));
  }

  private gateView() {
    return {
      pending: this.status.pendingGate?.gate,
      decided: this.decision ? { approver: this.decision.approver, decision: this.decision.decision } : undefined,
      closed: this.status.audit.gates.filter((g) => g.outcome !== undefined),
    };
  }

  private installHandlers(): void {
    setHandler(statusQuery, () => this.status);
    const onSignal = (decision: Decision) => (raw: unknown) => {
      const parsed = gateDecisionSchema.safeParse(raw);
      const at = new Date().toISOString();
      if (!parsed.success) {
        const why = `malformed ${decision} signal: ${formatInputIssues(parsed.error)}`;
        this.status.audit.refusedDecisions.push({ at, gate: '?', approver: '?', decision, via: 'signal', why });
        this.status.errors.push(why);
        this.publish();
        return;
      }
      const { gate, approver, reason } = parsed.data;
      const why = refuseDecision(this.policy, this.gateView(), gate, approver, decision);
      if (why) {
        this.status.audit.refusedDecisions.push({ at, gate, approver, decision, via: 'signal', why });
        this.status.errors.push(`refused ${decision} signal: ${why}`);
        log.warn('refused gate decision', { gate, approver, decision, why });
        this.publish();
        return;
      }
      this.decision = { gate, approver, reason, decision, via: 'signal' };
    };
    setHandler(approveSignal, onSignal('approve'));
    setHandler(rejectSignal, onSignal('reject'));
    setHandler(
      decideUpdate,
      (raw) => {
        const { gate, approver, reason, decision } = decideUpdateSchema.parse(raw);
        this.decision = { gate, approver, reason, decision, via: 'update' };
        return { gate, approver, decision };
      },
      {
        // Synchronous and side-effect free: a throw here is answered to the caller and never enters history.
        validator: (raw) => {
          const parsed = decideUpdateSchema.safeParse(raw);
          if (!parsed.success) throw new Error(`malformed decide update: ${formatInputIssues(parsed.error)}`);
          const { gate, approver, decision } = parsed.data;
          const why = refuseDecision(this.policy, this.gateView(), gate, approver, decision);
          if (why) {
            log.warn('refused gate decision', { gate, approver, decision, why, via: 'update' });
            throw new Error(why);
          }
        },
      },
    );
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApplicationFailure || (error as { cause?: unknown })?.cause instanceof ApplicationFailure) {
    const failure = error instanceof ApplicationFailure ? error : (error as { cause: ApplicationFailure }).cause;
    return failure.message;
  }
  if (error && typeof error === 'object' && 'cause' in error && (error as { cause?: unknown }).cause) {
    return errorMessage(error.cause);
  }
  return error instanceof Error ? error.message : String(error);
}
