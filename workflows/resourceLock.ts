import { allHandlersFinished, condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

/**
 * One table, task or instance that a runbook acts on. Runbooks take it through an Update-with-Start, so two
 * runbooks racing for the same target are serialised by Temporal and the second learns who holds it.
 */
export interface LockHolder {
  holder: string;
  kind: string;
  since: string;
}

export interface LockRequest {
  holder: string;
  kind: string;
  /** Take the lock from this holder, which the caller checked is no longer running. */
  replaceStale?: string;
}

export type LockAnswer = { granted: true } | { granted: false; heldBy: LockHolder };

export const acquireLockUpdate = defineUpdate<LockAnswer, [LockRequest]>('acquire');
export const releaseLockSignal = defineSignal<[{ holder: string }]>('release');

export async function resourceLock(): Promise<void> {
  let held: LockHolder | undefined;
  let everHeld = false;
  setHandler(acquireLockUpdate, (request) => {
    if (!held || held.holder === request.holder || held.holder === request.replaceStale) {
      held = { holder: request.holder, kind: request.kind, since: new Date().toISOString() };
      everHeld = true;
      return { granted: true };
    }
    return { granted: false, heldBy: held };
  });
  setHandler(releaseLockSignal, ({ holder }) => {
    if (held?.holder === holder) held = undefined;
  });
  // Lives while held; the next acquire after a release starts a fresh run with a tiny history.
  await condition(() => everHeld && held === undefined && allHandlersFinished());
}
