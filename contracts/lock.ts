import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The `resourceLock` workflow's interface (workflows/resourceLock.ts), called by the lock activities
 * (activities/locks.ts) and read by the doctor's leftovers check.
 *
 * The holder is one run (workflow id and run id), not the workflow id: a reset run has the same workflow id and a
 * new run id, so it does not inherit the locks of the run it replaced (those are stale once that run closed, and may
 * have been taken over by another runbook since). Locks taken by code from before run ids carry no `runId`.
 */
export interface LockHolder {
  holder: string;
  runId?: string;
  kind: string;
  since: string;
}

/** Which run holds (or held) a lock. */
export interface HolderRun {
  holder: string;
  runId?: string;
}

export interface LockRequest extends HolderRun {
  kind: string;
  /** Take the lock from this holder, which the caller checked is no longer running (a workflow id before run ids). */
  replaceStale?: HolderRun | string;
}

export type LockAnswer = { granted: true } | { granted: false; heldBy: LockHolder };

export const acquireLockUpdate = defineUpdate<LockAnswer, [LockRequest]>('acquire');
export const releaseLockSignal = defineSignal<[HolderRun]>('release');
export const lockHolderQuery = defineQuery<LockHolder | undefined>('holder');

/** One table, task or instance: `dms-runbooks-lock:table:shop.orders`. */
export const LOCK_WORKFLOW_PREFIX = 'dms-runbooks-lock:';

export function lockWorkflowId(resource: string): string {
  return `${LOCK_WORKFLOW_PREFIX}${resource}`;
}

/** Same run; a lock taken before run ids (no runId) is held by its workflow id, as it was then. */
export function sameRun(held: HolderRun, other: HolderRun): boolean {
  return held.holder === other.holder && (held.runId === undefined || held.runId === other.runId);
}

/** `(workflow id X) run Y`: the workflow id in brackets as before run ids, so messages read the same. */
export function describeHolder(h: HolderRun): string {
  return h.runId ? `(workflow id ${h.holder}) run ${h.runId}` : `(workflow id ${h.holder})`;
}
