import { cancellationSignal } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

/**
 * The running activity's cancellation signal: aborted when the workflow that waits for this activity was cancelled
 * (delivered with a heartbeat response: "Activities can only receive Cancellation if they emit heartbeats",
 * @temporalio/activity). Undefined outside an activity (unit use).
 */
export function activitySignal(): AbortSignal | undefined {
  try {
    return cancellationSignal();
  } catch {
    return undefined;
  }
}

/**
 * Stops between two units of work once cancelled. The worker reports a CancelledFailure (or an AbortError) thrown
 * while the signal is aborted as the activity's cancellation (@temporalio/worker activity.ts), so the workflow sees
 * a cancelled activity, not a failed one; the message says where the work stopped.
 */
export function stopIfCancelled(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw new CancelledFailure(`cancelled: ${where}`);
}
