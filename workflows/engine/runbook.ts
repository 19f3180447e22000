import { NOTIFICATION_LIMIT_CHARS, shortText, StoredResult } from '../../domain/boundedResult';
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  proxyActivities,
  log,
  metricMeter,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ApprovalPolicy, decideUpdateSchema, GATED_KINDS, gateDecisionSchema, refuseDecision } from '../../domain/approval';
import { AuditTrail, auditForStatus, CallRecord, Decision, emptyAudit, GateRecord, recordRefusal } from '../../domain/audit';
import { approversFor, PipelineConfig, RunbookKind } from '../../domain/config';
import { formatInputIssues } from '../../domain/inputErrors';
import { cliDecisionCommand, decideCommand, signalCommand } from '../../domain/operatorCommands';
import { Plan, planToMarkdown } from '../../domain/plan';
import { canonicalJson, checkDecisionDocument, DECISION_NAMESPACE, Refusal, SignedDocument } from '../../domain/signedDecision';
import { RunbookPhase, RunbookStatus, StepStatus } from '../../domain/runbookStatus';
import { statusToMarkdown } from '../../domain/statusMarkdown';
import { approveSignal, decideUpdate, rejectSignal, statusQuery } from '../../contracts/handlers';
import { boundedTables, boundedTarget, targetTables } from '../../domain/searchAttributeValues';
import { runbookKindKey, runbookPipelineKey, runbookStepKey, runbookTablesKey, runbookTargetKey } from '../../contracts/searchAttributes';
import type { Activities } from '../../activities';
import type { LockGuards } from '../../activities/locks';
import type { NotificationEvent } from '../../activities/notify';
import { CancellationStatus } from '../../domain/cancellation';
import { actions, notifications, PERMANENT_FAILURES, reads } from './activityProxies';
import { followDmsBudget } from './dmsTaskQueue';
import { Compensations } from './compensations';
import { invalidInput } from './refusals';
import { Failure } from '../../contracts/failures';

/**
 * The re-assertion before each step: a few Updates, done in seconds. A short timeout, so a worker lost in the middle
 * of it costs the step seconds (a retry on another worker), not the 10 minutes of `actions`.
 */
const lockChecks = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});

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
  kind: RunbookKind;
  workflowId: string;
  target: string;
  outcome: RunbookPhase;
  message: string;
  plan?: Plan;
  report?: R;
  steps: StepStatus[];
  audit: AuditTrail;
  /** Set when the whole result was too large to return: plan, report and audit are in that S3 object. */
  stored?: StoredResult;
}

interface PendingDecision {
  gate: string;
  approver: string;
  reason: string;
  decision: Decision;
  via: 'signal' | 'update';
  signerKey?: string;
}

/** What a gate returns when approved: its record, and what the steps after it act from, as frozen at the gate. */
export type Approved<B> = GateRecord & { basis: B };

interface DecisionRequest {
  gate: string;
  approver: string;
  reason: string;
  decision: Decision;
  signed?: SignedDocument;
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
  /** A signed decision whose signature is being checked: others wait for its outcome. */
  private verifying?: string;
  /** Signed documents already presented to this run (accepted or refused): presenting one again is a replay. */
  private presented = new Map<string, string>();
  /** The digest of the plan frozen at the pending gate (absent on histories from before plans were frozen). */
  private pendingDigest?: string;
  private locks: string[] = [];
  /** What the held locks stand for or sit inside (activities/locks.ts, LockGuards). */
  private guards: Required<LockGuards> = { wholeTasks: [], tableTasks: [] };
  /** The locks reasserted before each step when not all (reassertOnly). */
  private reasserted?: string[];
  /**
   * The pipeline this run belongs to (configuration `name`), in its lock ids and its `RunbookPipeline` search
   * attribute. Undefined in runs from before pipeline names: they keep unscoped lock ids for their whole life.
   */
  private pipeline?: string;
  /** Set by runRunbook from the input: a dry run changes nothing, so `lock()` takes nothing. */
  dryRun = false;
  private compensations = new Compensations();
  /** The step a cancellation interrupted (steps nest: the innermost one). */
  private cancelledStep?: string;

  constructor(
    readonly kind: RunbookKind,
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

  /** `approvals` as configured; histories from before signed decisions have none (signatures off). */
  get approvals() {
    return this.config?.approvals ?? { signatures: 'off' as const, keys: {}, signingWindowMinutes: 15, refusedKept: 20 };
  }

  /**
   * Reads the pipeline configuration (no secrets in it) through an activity, so it is fixed in history, and checks
   * the signed start when there is one: the four-eyes rule then compares the verified requester with the approver.
   */
  async loadConfig(raw: Record<string, unknown> = {}, signedStart?: SignedDocument): Promise<PipelineConfig> {
    this.config = await reads.loadPipelineConfig();
    followDmsBudget(this.config);
    // Decided once, here: histories from before pipeline names have no marker and replay without the upsert.
    if (patched('pipeline-scoped-runs')) {
      this.pipeline = this.config.name;
      upsertSearchAttributes([{ key: runbookPipelineKey, value: this.pipeline }]);
    }
    this.policy = {
      kind: this.kind,
      allowedApprovers: approversFor(this.config, this.kind),
      fourEyes: this.config.approvers.fourEyes,
      requestedBy: this.requestedBy,
    };
    if (this.policy.fourEyes && !this.requestedBy) {
      throw invalidInput(this.kind, 'requestedBy: required when the four-eyes rule is on (say who starts this runbook)');
    }
    const { signatures, keys, signingWindowMinutes } = this.approvals;
    if (signatures !== 'off' && signedStart && this.requestedBy) {
      const verified = await reads.verifyStartSignature({
        kind: this.kind,
        workflowId: this.workflowId,
        requestedBy: this.requestedBy,
        runbookInput: raw,
        document: signedStart.document,
        signature: signedStart.signature,
        keys,
        now: new Date().toISOString(),
        windowMinutes: signingWindowMinutes,
      });
      if (!verified.ok) {
        throw invalidInput(this.kind, `requestedBySignature: ${verified.message}; start it again with \`dms-runbooks start\``);
      }
      this.status.audit.requester = { name: verified.signer, key: verified.fingerprint };
    } else if (
      signatures === 'required' &&
      this.policy.fourEyes &&
      GATED_KINDS.includes(this.kind) &&
      raw.dryRun !== true &&
      !workflowInfo().parent
    ) {
      // Four-eyes compares proven identities: a typed requestedBy alone would let anyone start as someone else. Dry
      // runs, runbooks without gates and child runbooks (their parent's start was checked) need no signed start.
      throw invalidInput(
        this.kind,
        'requestedBySignature: required when signatures are required and the four-eyes rule is on; start it with `dms-runbooks start`, which signs requestedBy with your SSH key',
      );
    }
    return this.config;
  }

  /**
   * Refuses to run while another runbook acts on the same table, task or instance; names that runbook. The holder is
   * this run (workflow id and run id): a reset run does not inherit the locks of the run it replaced.
   */
  async lock(resources: string[], guards: LockGuards = {}): Promise<void> {
    if (this.dryRun) return;
    const fresh = resources.filter((r) => !this.locks.includes(r));
    if (fresh.length === 0) return;
    // Kept before the call: guards only ever apply to locks held (guardsOf), so a refused acquire leaves none in use.
    this.guards.wholeTasks.push(...(guards.wholeTasks ?? []));
    this.guards.tableTasks.push(...(guards.tableTasks ?? []));
    await actions.acquireLocks({ resources: fresh, ...this.holder(), kind: this.kind, ...this.guardsOf(fresh) });
    this.locks.push(...fresh);
  }

  /** The guards of these locks. */
  private guardsOf(resources: string[]): Required<LockGuards> {
    return {
      wholeTasks: this.guards.wholeTasks.filter((w) => resources.includes(w.task)),
      tableTasks: this.guards.tableTasks.filter((p) => resources.includes(p.table)),
    };
  }

  /**
   * Before each step, reassert only these of the locks held (a run holding thousands of table locks: fullReload in
   * parts). The others were checked when taken; a reset run finds out it lost them only through these.
   */
  reassertOnly(resources: string[]): void {
    this.reasserted = resources;
  }

  /** Releases some locks before the end (to hand a target over to a child runbook); lock() takes them again. */
  async unlock(resources: string[]): Promise<void> {
    const held = resources.filter((r) => this.locks.includes(r));
    if (held.length === 0) return;
    this.locks = this.locks.filter((r) => !held.includes(r));
    await actions.releaseLocks({ resources: held, ...this.holder() });
  }

  async releaseLocks(): Promise<void> {
    if (this.locks.length === 0) return;
    const resources = this.locks;
    this.locks = [];
    await actions.releaseLocks({ resources, ...this.holder() });
  }

  /**
   * "Do I still hold my targets?", asked before every step taken while holding locks. A reset run replays the lock
   * activity of the run it replaced and believes it holds that run's locks; here it finds out, and fails with
   * TargetBusy when another runbook took them meanwhile. Histories from before this take the old path (no marker).
   */
  private async reassertLocks(): Promise<void> {
    if (this.locks.length === 0 || !patched('locks-reasserted-before-steps')) return;
    const subset = this.reasserted && new Set(this.reasserted);
    const resources = subset ? this.locks.filter((r) => subset.has(r)) : this.locks;
    const { wholeTasks, tableTasks } = this.guardsOf(resources);
    // The tables of a whole task stay out of every step's history: they are sent only when the task's lock was taken
    // back, the one case where a run locking one of them may have started meanwhile.
    const answer = await lockChecks.reassertLocks({
      resources,
      ...this.holder(),
      kind: this.kind,
      wholeTasks: wholeTasks.map((w) => ({ task: w.task, tables: [] })),
      tableTasks,
    });
    // Histories from before this answered nothing.
    const retaken = wholeTasks.filter((w) => answer?.retaken.includes(w.task));
    if (retaken.length > 0) await actions.checkWholeTaskTables({ resources: [], ...this.holder(), kind: this.kind, wholeTasks: retaken });
  }

  private holder(): { holder: string; runId: string; pipeline?: string } {
    const run = { holder: this.workflowId, runId: workflowInfo().runId };
    return this.pipeline === undefined ? run : { ...run, pipeline: this.pipeline };
  }

  /**
   * Registers what a cancel must undo for a change this run is about to make (register before the call: the undo
   * checks the state, so it is harmless when the change never happened). Without `undo`, the change is left in place
   * on cancel and `command` is printed as the way to undo it by hand. Returns a function that drops the
   * registration once the body has undone the change itself.
   */
  onCancel(what: string, command: string, undo?: () => Promise<string | void>): () => void {
    return this.compensations.add({ what, command, undo });
  }

  /**
   * Call before a change that a cancel would not undo. An activity that completes after the cancellation was requested
   * (mutating and bulk activities are waited for) lets the body run on until its next await; a pending cancellation
   * stops it here instead, while the undos registered so far still apply.
   */
  stopIfCancelled(): void {
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('cancelled before an irreversible step');
  }

  /**
   * After a cancellation (call it in a non-cancellable scope): phase `canceling`, then every registered undo, newest
   * first, with the status query showing each one as it runs. Returns what was undone and what was left.
   */
  async undoForCancel(request: { requestedBy?: string; reason?: string } = {}): Promise<CancellationStatus> {
    const cancellation: CancellationStatus = {
      ...request,
      at: new Date().toISOString(),
      duringStep: this.cancelledStep,
      undo: [],
    };
    this.status.cancellation = cancellation;
    this.status.phase = 'canceling';
    this.status.pendingGate = undefined;
    this.publish('canceling');
    this.log('runbook canceling', 'canceling', { registered: this.compensations.size });
    await this.compensations.runAll(cancellation.undo, () => this.publish('canceling'), errorMessage);
    return cancellation;
  }

  /** Runs one step, keeping the step list, the RunbookStep search attribute and the current details in sync. */
  async step<T>(id: string, run: () => Promise<T>): Promise<T> {
    const step = this.findStep(id);
    step.state = 'current';
    step.startedAt = new Date().toISOString();
    this.publish(id);
    this.log('step started', id);
    try {
      await this.reassertLocks();
      const value = await run();
      step.state = 'done';
      step.finishedAt = new Date().toISOString();
      this.publish();
      this.log('step done', id, { detail: step.detail });
      return value;
    } catch (error) {
      const cancelled = isCancellation(error);
      if (cancelled) this.cancelledStep ??= id;
      step.state = error instanceof RunbookHalt || cancelled ? 'skipped' : 'failed';
      step.finishedAt = new Date().toISOString();
      step.detail ??= cancelled ? 'cancelled' : errorMessage(error);
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

  /**
   * Adds a step that only some runs take (the lake's consumer steps) right after `after`, without publishing: a run
   * that never takes it keeps the step list, and so the commands, of runs from before it existed.
   */
  insertStep(after: string, [id, title]: [id: string, title: string]): void {
    if (this.status.steps.some((s) => s.id === id)) return;
    const at = this.status.steps.findIndex((s) => s.id === after);
    if (at < 0) throw new Error(`${this.kind} has no step ${after} to put ${id} after`);
    this.status.steps.splice(at + 1, 0, { id, title, state: 'pending' });
  }

  /** Skips every step not started yet, in order (a dry run ends after its plan, a rejection after its gate). */
  skipRest(detail: string): void {
    for (const step of this.status.steps) if (step.state === 'pending') this.skip(step.id, detail);
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
  async gate<B = undefined>(gate: string, computed: Plan, note?: string, computedBasis?: B): Promise<Approved<B>> {
    const timeoutMs = this.config.thresholds.gateTimeoutMinutes * 60_000;
    const reminderMs = this.config.thresholds.gateReminderMinutes * 60_000;
    // The plan is frozen in history with its digest: the steps after the gate act from what the activity returned,
    // so a deploy that changes the planning code cannot change what an approved run does. Histories from before
    // this take the old path (no marker).
    let plan = computed;
    let basis = computedBasis as B;
    this.pendingDigest = undefined;
    if (patched('frozen-plan-at-gate')) {
      const frozen = await reads.freezePlan({ gate, plan: computed, basis: computedBasis ?? null });
      plan = frozen.plan;
      basis = (frozen.basis ?? undefined) as B;
      this.pendingDigest = frozen.digest;
      if (canonicalJson({ plan: computed, basis: computedBasis ?? null }) !== canonicalJson({ plan: frozen.plan, basis: frozen.basis })) {
        const why = `the planning code now gives a different plan at gate "${gate}" than the one frozen (${frozen.digest}); the runbook acts on the frozen plan, which is the one shown and approved`;
        this.status.errors.push(why);
        log.warn('plan recomputed differs from the frozen plan', { gate, digest: frozen.digest });
      }
    }
    const openedAt = new Date();
    const expiresAt = new Date(openedAt.getTime() + timeoutMs);
    const record: GateRecord = { gate, planShown: planToMarkdown(plan), openedAt: openedAt.toISOString(), remindersSent: 0 };
    if (this.pendingDigest) record.planDigest = this.pendingDigest;
    this.status.audit.gates.push(record);
    this.status.plan = plan;
    this.status.pendingGate = {
      gate,
      openedAt: record.openedAt,
      expiresAt: expiresAt.toISOString(),
      plan,
      planDigest: this.pendingDigest,
      note,
      approveCommand: signalCommand(this.workflowId, 'approve', gate),
      rejectCommand: signalCommand(this.workflowId, 'reject', gate),
      updateCommand: decideCommand(this.workflowId, gate),
      cliApproveCommand: cliDecisionCommand(this.workflowId, 'approve', gate),
      cliRejectCommand: cliDecisionCommand(this.workflowId, 'reject', gate),
    };
    this.status.phase = 'waiting-for-approval';
    this.decision = undefined;
    this.publish(`gate:${gate}`);
    await this.notify(
      'gate-opened',
      `Gate \`${gate}\` is waiting for approval (expires ${expiresAt.toISOString()}).${note ? `\n> ${note}` : ''}\n${record.planShown}${this.pendingDigest ? `\nPlan digest: \`${this.pendingDigest}\`` : ''}\n${this.approveLines()}`,
    );

    while (this.decision === undefined) {
      const remaining = expiresAt.getTime() - Date.now();
      if (remaining <= 0) break;
      const decided = await condition(() => this.decision !== undefined, Math.min(reminderMs, remaining));
      if (!decided && Date.now() < expiresAt.getTime()) {
        record.remindersSent++;
        await this.notify(
          'reminder',
          `Reminder: gate \`${gate}\` is still waiting for approval; it expires ${expiresAt.toISOString()}.\n${this.approveLines()}`,
        );
      }
    }

    const decision = this.decision as PendingDecision | undefined;
    this.status.pendingGate = undefined;
    this.pendingDigest = undefined;
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
    if (decision.signerKey) record.signerKey = decision.signerKey;
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
    return { ...record, basis };
  }

  /** The approve command for people (the CLI) and its raw Temporal CLI form, for notifications. */
  private approveLines(): string {
    const pending = this.status.pendingGate;
    if (!pending) return '';
    const link = this.config.notifications.webUiUrl
      ? `\nWeb UI: ${this.config.notifications.webUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(workflowInfo().namespace)}/workflows/${encodeURIComponent(this.workflowId)}`
      : '';
    return `Approve: \`${pending.cliApproveCommand ?? pending.approveCommand}\`\nWith the Temporal CLI: \`${pending.updateCommand}\`${link}`;
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

  /** The step `gate:<gate>` around `gate()`: the step id every gate has (docs/writing-a-runbook.md). */
  gateStep<B = undefined>(gate: string, computed: Plan, note?: string, computedBasis?: B): Promise<Approved<B>> {
    return this.step(`gate:${gate}`, () => this.gate(gate, computed, note, computedBasis));
  }

  /** The step `gate:<gate>` around `decide()`: approved or rejected, for a runbook that rolls back on rejection. */
  decideStep(gate: string, plan: Plan, note?: string): Promise<'approved' | 'rejected'> {
    return this.step(`gate:${gate}`, () => this.decide(gate, plan, note));
  }

  async notify(event: NotificationEvent, markdown: string): Promise<void> {
    try {
      await notifications.notify({
        event,
        kind: this.kind,
        workflowId: this.workflowId,
        target: this.target,
        gate: this.status.pendingGate?.gate,
        // A chat message has a size limit of its own, and the activity's input stays small (domain/boundedResult.ts).
        markdown: shortText(markdown, NOTIFICATION_LIMIT_CHARS),
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

  /** Closes the status as failed; the failure the run ends with (its details: the steps and the audit). */
  fail(error: unknown): ApplicationFailure {
    const message = errorMessage(error);
    this.status.errors.push(message);
    this.finish('failed', message);
    return ApplicationFailure.nonRetryable(`${this.kind} ${this.target} failed: ${message}`, Failure.RunbookFailed, {
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
    // Histories from before bounded values upserted the target as is (no marker): a replay must upsert the same.
    if (patched('bounded-search-attributes')) {
      const tables = targetTables(this.kind, this.target);
      upsertSearchAttributes([
        { key: runbookKindKey, value: this.kind },
        { key: runbookTargetKey, value: boundedTarget(this.target, tables) },
        { key: runbookStepKey, value: current.slice(0, 200) },
        ...(tables.length ? [{ key: runbookTablesKey, value: boundedTables(tables) }] : []),
      ]);
    } else {
      upsertSearchAttributes([
        { key: runbookKindKey, value: this.kind },
        { key: runbookTargetKey, value: this.target },
        { key: runbookStepKey, value: current },
      ]);
    }
    setCurrentDetails(statusToMarkdown(this.status));
  }

  private gateView() {
    return {
      pending: this.status.pendingGate?.gate,
      decided: this.decision ? { approver: this.decision.approver, decision: this.decision.decision } : undefined,
      closed: this.status.audit.gates.filter((g) => g.outcome !== undefined),
    };
  }

  /**
   * The checks that need no cryptography, in the order a forger meets them: gate state and allowlist, then the
   * signature's presence, replay, and the signed document's run, gate, plan digest, fields and signing time.
   * Synchronous and pure, so the Update validator can use it (a refusal there never enters history).
   */
  private precheck(request: DecisionRequest): Refusal | string | undefined {
    const { gate, approver, decision, signed } = request;
    if (this.verifying !== undefined && this.status.pendingGate?.gate === gate) {
      return `gate "${gate}" has a signed decision by ${this.verifying} being verified; wait for its outcome`;
    }
    if (signed && this.presented.has(signed.signature)) {
      return new Refusal(
        'replayed',
        `this signed decision was already presented to this run (${this.presented.get(signed.signature)}); sign a new one`,
      );
    }
    const why = refuseDecision(this.policy, this.gateView(), gate, approver, decision);
    if (why) return why;
    const { signatures, signingWindowMinutes } = this.approvals;
    // A gate opened by code from before frozen plans has no digest to sign: decided as before, unsigned.
    if (signatures === 'off' || !this.pendingDigest) return undefined;
    if (!signed) {
      if (signatures === 'required') {
        return new Refusal(
          'no-signature',
          `decisions must be signed (approvals.signatures: required); use \`dms-runbooks ${decision} ${this.workflowId} --gate ${gate} --reason …\` or \`dms-runbooks sign\``,
        );
      }
      return undefined;
    }
    try {
      checkDecisionDocument(
        signed.document,
        { ...request, workflowId: this.workflowId, runId: workflowInfo().runId, planDigest: this.pendingDigest },
        new Date(),
        signingWindowMinutes,
      );
    } catch (error) {
      if (error instanceof Refusal) return error;
      throw error;
    }
    return undefined;
  }

  private refuse(request: DecisionRequest, via: 'signal' | 'update', refusal: Refusal | string): string {
    const why = typeof refusal === 'string' ? refusal : refusal.message;
    const code = typeof refusal === 'string' ? undefined : refusal.code;
    const { gate, approver, decision } = request;
    recordRefusal(
      this.status.audit,
      { at: new Date().toISOString(), gate, approver, decision, via, why, ...(code ? { code } : {}) },
      this.approvals.refusedKept,
    );
    // The errors list shows the newest refusals only, like the audit.
    this.status.errors.push(`refused ${decision} ${via === 'signal' ? 'signal' : 'update'}: ${why}`);
    if (this.status.errors.length > this.approvals.refusedKept + 10) this.status.errors.splice(0, 1);
    log.warn('refused gate decision', { gate, approver, decision, why, via });
    this.publish();
    return why;
  }

  /**
   * Takes a decision that passed the prechecks: a signed one is verified by an activity first (its result is in the
   * history), then the four-eyes rule compares the proven signer with the proven requester. Returns the refusal or
   * undefined when the decision now stands.
   */
  private async take(request: DecisionRequest, via: 'signal' | 'update'): Promise<string | undefined> {
    const early = this.precheck(request);
    if (early) return this.refuse(request, via, early);
    const { gate, approver, reason, decision, signed } = request;
    let signerKey: string | undefined;
    if (signed && this.approvals.signatures !== 'off' && this.pendingDigest) {
      this.verifying = approver;
      this.presented.set(signed.signature, `${via} at ${new Date().toISOString()}`);
      let verified;
      try {
        verified = await reads.verifyDecisionSignature({
          namespace: DECISION_NAMESPACE,
          document: signed.document,
          signature: signed.signature,
          claimed: approver,
          keys: this.approvals.keys,
        });
      } finally {
        this.verifying = undefined;
      }
      if (!verified.ok) return this.refuse(request, via, new Refusal(verified.code, verified.message));
      const requester = this.status.audit.requester;
      if (this.policy.fourEyes && requester && (requester.key === verified.fingerprint || requester.name === verified.signer)) {
        return this.refuse(
          request,
          via,
          new Refusal(
            'four-eyes',
            `${verified.signer} (key ${verified.fingerprint}) started this runbook and cannot ${decision} its gates; ask another approver`,
          ),
        );
      }
      // The gate may have closed or expired while the signature was checked.
      const late = refuseDecision(this.policy, this.gateView(), gate, approver, decision);
      if (late) return this.refuse(request, via, late);
      signerKey = verified.fingerprint;
    }
    this.decision = { gate, approver, reason, decision, via, signerKey };
    return undefined;
  }

  private installHandlers(): void {
    setHandler(statusQuery, () => ({ ...this.status, audit: auditForStatus(this.status.audit) }));
    const onSignal = (decision: Decision) => async (raw: unknown) => {
      const parsed = gateDecisionSchema.safeParse(raw);
      if (!parsed.success) {
        this.refuse(
          { gate: '?', approver: '?', reason: '', decision },
          'signal',
          `malformed ${decision} signal: ${formatInputIssues(parsed.error)}`,
        );
        return;
      }
      await this.take({ ...parsed.data, decision }, 'signal');
    };
    setHandler(approveSignal, onSignal('approve'));
    setHandler(rejectSignal, onSignal('reject'));
    setHandler(
      decideUpdate,
      async (raw) => {
        const request = decideUpdateSchema.parse(raw);
        const why = await this.take(request, 'update');
        // An ApplicationFailure thrown by an update handler fails the update (the caller gets
        // WorkflowUpdateFailedError), not the workflow: sdk-typescript issue #1418 ("throw ApplicationFailure should
        // return … WorkflowFailedError instead of WorkflowUpdateFailedError" asks for the opposite). The gate stays open.
        if (why) throw ApplicationFailure.nonRetryable(why, Failure.DecisionRefused);
        const { gate, approver, decision } = request;
        return { gate, approver, decision, ...(this.decision?.signerKey ? { signerKey: this.decision.signerKey } : {}) };
      },
      {
        // Synchronous and side-effect free: a throw here is answered to the caller and never enters history, so
        // forged or stale decisions cost the run nothing. Only signatures need the verification activity.
        validator: (raw) => {
          const parsed = decideUpdateSchema.safeParse(raw);
          if (!parsed.success) throw new Error(`malformed decide update: ${formatInputIssues(parsed.error)}`);
          const refusal = this.precheck(parsed.data);
          if (refusal) {
            const why = typeof refusal === 'string' ? refusal : refusal.message;
            log.warn('refused gate decision', {
              gate: parsed.data.gate,
              approver: parsed.data.approver,
              decision: parsed.data.decision,
              why,
              via: 'update',
            });
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
