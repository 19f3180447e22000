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
  /** A task lock that also stands for the locks of the task's tables (fullReload of a whole task). */
  wholeTask?: boolean;
}

/** Which run holds (or held) a lock. */
export interface HolderRun {
  holder: string;
  runId?: string;
}

export interface LockRequest extends HolderRun {
  kind: string;
  /** Held as a whole task: it stands for the locks of the task's tables too (see activities/locks.ts). */
  wholeTask?: boolean;
  /** Take the lock from this holder, which the caller checked is no longer running (a workflow id before run ids). */
  replaceStale?: HolderRun | string;
}

/** `kept`: the lock was already this run's (absent from locks from before it: read as not kept). */
export type LockAnswer = { granted: true; kept?: boolean } | { granted: false; heldBy: LockHolder };

export const acquireLockUpdate = defineUpdate<LockAnswer, [LockRequest]>('acquire');
export const releaseLockSignal = defineSignal<[HolderRun]>('release');
export const lockHolderQuery = defineQuery<LockHolder | undefined>('holder');

/**
 * One table, task or instance of one pipeline: `dms-runbooks-lock@shop-lake:table:shop.orders` (the pipeline's
 * configuration `name`, URI-encoded so that the first `:` ends it). Two pipelines in one namespace lock the same
 * names apart. Runs from before pipeline names, and their locks, use the unscoped id
 * `dms-runbooks-lock:table:shop.orders` (LEGACY_LOCK_PREFIX); activities/locks.ts checks the other id of the same
 * resource, so an old run and a new run of one pipeline never both hold it.
 */
export const LOCK_WORKFLOW_PREFIX = 'dms-runbooks-lock@';
export const LEGACY_LOCK_PREFIX = 'dms-runbooks-lock:';

/** The lock's workflow id; without a pipeline, the unscoped id of runs from before pipeline names. */
export function lockWorkflowId(resource: string, pipeline?: string): string {
  return pipeline === undefined ? `${LEGACY_LOCK_PREFIX}${resource}` : `${LOCK_WORKFLOW_PREFIX}${encodeURIComponent(pipeline)}:${resource}`;
}

/** The resource and pipeline (none: an unscoped lock) of a lock workflow id; undefined for any other workflow id. */
export function parseLockWorkflowId(workflowId: string): { resource: string; pipeline?: string } | undefined {
  if (workflowId.startsWith(LEGACY_LOCK_PREFIX)) return { resource: workflowId.slice(LEGACY_LOCK_PREFIX.length) };
  if (!workflowId.startsWith(LOCK_WORKFLOW_PREFIX)) return undefined;
  const rest = workflowId.slice(LOCK_WORKFLOW_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return { pipeline: decodeURIComponent(rest.slice(0, colon)), resource: rest.slice(colon + 1) };
  } catch {
    return undefined;
  }
}

/** Same run; a lock taken before run ids (no runId) is held by its workflow id, as it was then. */
export function sameRun(held: HolderRun, other: HolderRun): boolean {
  return held.holder === other.holder && (held.runId === undefined || held.runId === other.runId);
}

/** `(workflow id X) run Y`: the workflow id in brackets as before run ids, so messages read the same. */
export function describeHolder(h: HolderRun): string {
  return h.runId ? `(workflow id ${h.holder}) run ${h.runId}` : `(workflow id ${h.holder})`;
}
