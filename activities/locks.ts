import { ApplicationFailure, Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import {
  acquireLockUpdate,
  describeHolder,
  type HolderRun,
  type LockAnswer,
  type LockHolder,
  lockHolderQuery,
  lockWorkflowId,
  releaseLockSignal,
  sameRun,
} from '../contracts/lock';
import type { ActivityDeps } from './deps';
import { Failure } from '../contracts/failures';
import { mapBounded } from './s3Objects';

/**
 * Lock calls (Updates and Signals to lock workflows) in flight at once for one runbook. All at once, the 2,001 locks of a
 * task-mode reload of 2,000 tables overloaded the server: the reassert before a step outlived its 2-minute timeout
 * on every attempt (`npm run bench -- reload`). Taking them one by one ran at about 12 a second.
 */
const LOCK_CALLS_AT_ONCE = 16;

/**
 * Locks that stand for, or sit inside, other locks. A fullReload of a whole task takes one lock on the task, held
 * whole, instead of one per table (2,001 lock workflows for 2,000 tables saturated the worker: docs/performance.md).
 * A runbook that locks only a table (backfillPartitions) then no longer meets it on the table's lock, so each side
 * checks the other after taking its own lock, as a pipeline's scoped and unscoped ids do: of two runs racing, at
 * least one sees the other.
 */
export interface LockGuards {
  /** Task locks held whole: with each, the table locks it stands for (none may be held by another running run). */
  wholeTasks?: Array<{ task: string; tables: string[] }>;
  /** Table locks and their task's lock (another running run must not hold that task whole). */
  tableTasks?: Array<{ table: string; task: string }>;
}

interface LockInput extends LockGuards {
  resources: string[];
  holder: string;
  /** Absent in histories from before run ids: the lock is then held by the workflow id. */
  runId?: string;
  kind: string;
  /** The run's pipeline (configuration `name`): absent in runs from before pipeline names, which lock unscoped ids. */
  pipeline?: string;
}

/** What a reassert found: the locks it had to take back (their run closed, or they freed themselves meanwhile). */
export interface ReassertAnswer {
  retaken: string[];
}

/** Per-target mutual exclusion between runbooks, held in `resourceLock` workflows. */
export function lockActivities(deps: ActivityDeps) {
  async function tryAcquire(
    lockId: string,
    run: HolderRun,
    kind: string,
    wholeTask: boolean,
    replaceStale?: HolderRun,
  ): Promise<LockAnswer> {
    const startWorkflowOperation = new WithStartWorkflowOperation('resourceLock', {
      workflowId: lockId,
      // The lock runs on the worker's own queue, whatever it is called.
      taskQueue: Context.current().info.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ holderCheckSeconds: deps.config.thresholds.lockHolderCheckSeconds }],
    });
    return deps.temporal.workflow.executeUpdateWithStart(acquireLockUpdate, {
      args: [{ holder: run.holder, runId: run.runId, kind, replaceStale, ...(wholeTask ? { wholeTask } : {}) }],
      startWorkflowOperation,
    });
  }

  /** Whether that run (or, for a lock from before run ids, the workflow's latest run) is still running. */
  async function isRunning(run: HolderRun): Promise<boolean> {
    try {
      const description = await deps.temporal.workflow.getHandle(run.holder, run.runId).describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function release(resources: string[], run: HolderRun, pipeline: string | undefined): Promise<void> {
    await mapBounded(resources, LOCK_CALLS_AT_ONCE, async (resource) => {
      try {
        await deps.temporal.workflow
          .getHandle(lockWorkflowId(resource, pipeline))
          .signal(releaseLockSignal, { holder: run.holder, runId: run.runId });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    });
  }

  /**
   * The running run, other than this one, that holds the resource under its other id: the unscoped id for a run
   * with a pipeline name, this worker's pipeline's id for a run from before pipeline names. Asked after taking the
   * lock, and the other side asks after taking its own: of two runs racing, at least one sees the other.
   */
  async function heldUnderOtherId(resource: string, input: LockInput): Promise<LockHolder | undefined> {
    return runningHolder(otherLockId(resource, input), input);
  }

  function otherLockId(resource: string, input: LockInput): string {
    return input.pipeline === undefined ? lockWorkflowId(resource, deps.config.name) : lockWorkflowId(resource);
  }

  /** The running run other than this one that holds the lock with that id (describe first: most locks are closed). */
  async function runningHolder(lockId: string, input: LockInput): Promise<LockHolder | undefined> {
    let held: LockHolder | undefined;
    try {
      const handle = deps.temporal.workflow.getHandle(lockId);
      if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
      held = await handle.query(lockHolderQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
    if (!held || sameRun(held, { holder: input.holder, runId: input.runId })) return undefined;
    return (await isRunning(held)) ? held : undefined;
  }

  /** Under this run's id of the resource or the other one (a run from before pipeline names). */
  async function heldElsewhere(resource: string, input: LockInput): Promise<LockHolder | undefined> {
    return (
      (await runningHolder(lockWorkflowId(resource, input.pipeline), input)) ?? (await runningHolder(otherLockId(resource, input), input))
    );
  }

  function busy(message: string, heldBy: LockHolder): ApplicationFailure {
    return ApplicationFailure.nonRetryable(
      `${message}; wait for it to finish (temporal workflow describe --workflow-id ${heldBy.holder}) and start this runbook again`,
      Failure.TargetBusy,
      { heldBy },
    );
  }

  /** A whole-task lock: none of the task's tables may be locked by another running run (a backfill, say). */
  async function checkTablesFree(wholeTask: { task: string; tables: string[] }, input: LockInput): Promise<void> {
    await mapBounded(wholeTask.tables, LOCK_CALLS_AT_ONCE, async (table) => {
      const heldBy = await heldElsewhere(table, input);
      if (heldBy)
        throw busy(
          `${wholeTask.task} is busy: runbook ${heldBy.kind} ${describeHolder(heldBy)} has been acting on its ${table} since ${heldBy.since}, and this run acts on every table of the task`,
          heldBy,
        );
    });
  }

  /** A table lock: its task must not be held whole by another running run (a fullReload of the whole task). */
  async function checkTaskNotWhole(pair: { table: string; task: string }, input: LockInput): Promise<void> {
    const heldBy = await heldElsewhere(pair.task, input);
    if (heldBy?.wholeTask)
      throw busy(
        `${pair.table} is busy: runbook ${heldBy.kind} ${describeHolder(heldBy)} has been acting on every table of ${pair.task} since ${heldBy.since}`,
        heldBy,
      );
  }

  /**
   * Takes one lock (from a closed holder if need be); throws TargetBusy naming the running holder otherwise. Returns
   * whether the lock was already this run's.
   */
  async function acquireOne(resource: string, input: LockInput, reassert: boolean): Promise<boolean> {
    const run = { holder: input.holder, runId: input.runId };
    const lockId = lockWorkflowId(resource, input.pipeline);
    const whole = (input.wholeTasks ?? []).some((w) => w.task === resource);
    let answer = await tryAcquire(lockId, run, input.kind, whole);
    const kept = answer.granted && answer.kept === true;
    if (!answer.granted && !(await isRunning(answer.heldBy))) {
      // The holder ended without releasing (terminated, timed out, reset): its lock is stale.
      answer = await tryAcquire(lockId, run, input.kind, whole, { holder: answer.heldBy.holder, runId: answer.heldBy.runId });
    }
    if (answer.granted && !reassert) {
      // A deploy that brings pipeline names: runs started before it still lock the unscoped id.
      const other = await heldUnderOtherId(resource, input);
      if (other) {
        await release([resource], run, input.pipeline);
        answer = { granted: false, heldBy: other };
      }
    }
    if (answer.granted) return kept;
    const { heldBy } = answer;
    const why = reassert
      ? `this run (run id ${input.runId}) no longer holds ${resource}: runbook ${heldBy.kind} ${describeHolder(heldBy)} took it at ${heldBy.since}, after the run that held it closed (reset, terminated or timed out); this run changes nothing further`
      : `${resource} is busy: runbook ${heldBy.kind} ${describeHolder(heldBy)} has been acting on it since ${heldBy.since}`;
    throw busy(why, heldBy);
  }

  /** The guards of these locks, checked once they are held. */
  async function checkGuards(resources: string[], input: LockInput): Promise<void> {
    for (const w of input.wholeTasks ?? []) if (resources.includes(w.task)) await checkTablesFree(w, input);
    for (const pair of input.tableTasks ?? []) if (resources.includes(pair.table)) await checkTaskNotWhole(pair, input);
  }

  return {
    async acquireLocks(input: LockInput): Promise<void> {
      // In sorted order, so two runbooks wanting overlapping targets meet on the same first one.
      const taken: string[] = [];
      try {
        for (const resource of [...input.resources].sort()) {
          await acquireOne(resource, input, false);
          taken.push(resource);
        }
        await checkGuards(taken, input);
      } catch (error) {
        await release(taken, { holder: input.holder, runId: input.runId }, input.pipeline);
        throw error;
      }
    },
    /**
     * Before a step: "do I still hold these?". Cheap (one Update per lock, no history in the runbook beyond this
     * activity). A reset run learns here that its locks went with the run it replaced: it takes
     * them back when nobody else has, and fails with TargetBusy when another running runbook took them.
     */
    async reassertLocks(input: LockInput): Promise<ReassertAnswer> {
      // In any order: this run already holds them, nobody waits on anybody. A failure keeps them all; the run fails
      // and its end releases what it still holds.
      const kept = await mapBounded(input.resources, LOCK_CALLS_AT_ONCE, (resource) => acquireOne(resource, input, true));
      const retaken = input.resources.filter((_, k) => !kept[k]);
      // A lock taken back was free for a while: a run that locks inside it (or around it) may have started meanwhile.
      // The tables of a whole task are not in this input (thousands of names in every step's history): the runbook
      // checks them with checkWholeTaskTables when a whole-task lock is in `retaken`.
      await checkGuards(retaken, input);
      return { retaken };
    },
    /** After a whole-task lock was taken back: none of the task's tables may be locked by another running run. */
    async checkWholeTaskTables(input: LockInput): Promise<void> {
      for (const w of input.wholeTasks ?? []) await checkTablesFree(w, input);
    },
    async releaseLocks(input: { resources: string[]; holder: string; runId?: string; pipeline?: string }): Promise<void> {
      await release(input.resources, { holder: input.holder, runId: input.runId }, input.pipeline);
    },
    /** For a held lock's own check: a holder run that closed will never release it. */
    async isLockHolderRunning(input: HolderRun): Promise<boolean> {
      return isRunning(input);
    },
  };
}
