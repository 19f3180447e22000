import { Client, WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { RunbookInputs, startRunbook } from '../../client/runbooks';

export interface RefusedRun {
  handle: WorkflowHandle;
  /** The failure's message, as the operator reads it. */
  message: string;
  /** Activity types the run scheduled before it was refused (none when the input schema refused it). */
  activities: string[];
}

/** Starts a runbook that must be refused, and returns its failure message and the activities it ran first. */
export async function refusedRun(client: Client, taskQueue: string, kind: keyof RunbookInputs, input: unknown): Promise<RefusedRun> {
  const handle = await startRunbook(client, kind, input as never, { taskQueue });
  const error = await handle.result().then(
    (r) => new Error(`expected ${kind} to be refused, it ended ${r.outcome}: ${r.message}`),
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowFailedError)) throw error;
  const history = await handle.fetchHistory();
  const activities = (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
  return { handle, message: String(error.cause?.message), activities };
}
