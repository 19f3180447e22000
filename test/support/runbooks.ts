import { WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TaskGroupConfig } from '../../domain/config';
import type { RunbookStatus } from '../../domain/runbookStatus';
import { statusQuery } from '../../contracts/handlers';

/** Polls the status query until `predicate` holds (queries need no history event). */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: RunbookStatus) => boolean,
  timeoutMs = 60000,
): Promise<RunbookStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: RunbookStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      /* the first workflow task may not have run yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last, null, 1)?.slice(0, 2000)}`);
}

export const waitForGate = (handle: WorkflowHandle, gate: string, timeoutMs?: number) =>
  waitForStatus(handle, (s) => s.pendingGate?.gate === gate, timeoutMs);

/** A task group of its own for a test table, on the sandbox instance. */
export function scratchGroup(name: string, tables: string[], extra: Partial<TaskGroupConfig> = {}): TaskGroupConfig {
  return {
    name,
    taskIdentifier: `t-${name}`,
    tableClass: { volume: 'low', churn: 'low', criticality: 'low' },
    instance: 'shop-repl-1',
    source: 'shop',
    tables,
    allowFkPlacement: false,
    ...extra,
  };
}

export function historyHasActivity(
  events: Array<{ activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null }>,
  name: string,
): boolean {
  return events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
}

/**
 * Waits for a cancelled run to close and checks that it closed Canceled (not Failed: the result rejects with a
 * CancelledFailure, Describe says CANCELLED); returns its final status (the query answers closed runs too).
 */
export async function expectCanceled(handle: WorkflowHandle): Promise<RunbookStatus> {
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof CancelledFailure))
    throw new Error(`${handle.workflowId} did not close as cancelled: ${String(error)}`);
  const described = await handle.describe();
  if (described.status.name !== 'CANCELLED') throw new Error(`${handle.workflowId} closed ${described.status.name}, not CANCELLED`);
  return handle.query(statusQuery);
}
