import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { acquireLockUpdate, lockHolderQuery, LockHolder, releaseLockSignal, sameRun } from '../contracts/lock';

/**
 * One table, task or instance that a runbook acts on. Runbooks take it through an Update-with-Start, so two
 * runbooks racing for the same target are serialised by Temporal and the second learns who holds it. The update,
 * signal and query are in contracts/lock.ts.
 */
export interface ResourceLockOptions {
  /** How often a held lock checks that its holder run is still running (none: only contenders free stale locks). */
  holderCheckSeconds?: number;
  /** Carried over continue-as-new. */
  held?: LockHolder;
}

const lockReads = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function resourceLock(options: ResourceLockOptions = {}): Promise<void> {
  let held: LockHolder | undefined = options.held;
  let everHeld = held !== undefined;
  setHandler(acquireLockUpdate, (request) => {
    const stale = typeof request.replaceStale === 'string' ? { holder: request.replaceStale } : request.replaceStale;
    const mine = held !== undefined && sameRun(held, request);
    if (!held || mine || (stale && sameRun(held, stale))) {
      // Re-asserting a lock keeps its `since`: it says how long this run has been acting on the target.
      const since = mine && held ? held.since : new Date().toISOString();
      held = { holder: request.holder, runId: request.runId, kind: request.kind, since };
      if (request.wholeTask) held.wholeTask = true;
      everHeld = true;
      return { granted: true, kept: mine };
    }
    return { granted: false, heldBy: held };
  });
  setHandler(releaseLockSignal, (from) => {
    if (held && sameRun(held, from)) held = undefined;
  });
  setHandler(lockHolderQuery, () => held);

  const released = () => everHeld && held === undefined;
  const checkMs = (options.holderCheckSeconds ?? 0) * 1000;
  // A run that was terminated, timed out or reset never releases: the lock frees itself once its holder run is
  // closed, rather than waiting for the next runbook that wants the target. Locks from before this wait as before.
  if (checkMs > 0 && patched('lock-frees-closed-holder')) {
    while (!released()) {
      if (await condition(released, checkMs)) break;
      const current = held;
      if (current && !(await lockReads.isLockHolderRunning(current)) && held === current) held = undefined;
      if (workflowInfo().continueAsNewSuggested && held && allHandlersFinished()) {
        await continueAsNew<typeof resourceLock>({ holderCheckSeconds: options.holderCheckSeconds, held });
      }
    }
  }
  // Lives while held; the next acquire after a release starts a fresh run with a tiny history.
  await condition(() => released() && allHandlersFinished());
}
