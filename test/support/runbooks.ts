import { WorkflowHandle } from '@temporalio/client';
import type { TaskGroupConfig } from '../../domain/config';
import type { RunbookStatus } from '../../domain/runbookStatus';
import { statusQuery } from '../../workflows/definitions';

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
