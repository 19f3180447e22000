import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PipelineConfig } from '../../domain/config';
import { PERMANENT_FAILURES } from './activityProxies';

/**
 * Wait activities poll through the retry policy: one check per poll interval, no history event per check, and
 * the wait's deadline as the schedule-to-close timeout. A 24-hour wait costs the same few events as a 1-minute one.
 */
export function waiting(config: PipelineConfig, deadlineMinutes: number) {
  const poll = config.waits.pollSeconds * 1000;
  return proxyActivities<Activities>({
    scheduleToCloseTimeout: Math.ceil(deadlineMinutes * 60_000),
    // One check per attempt: short, so an attempt lost with a crashed worker is retried quickly.
    startToCloseTimeout: '20 seconds',
    retry: { initialInterval: poll, backoffCoefficient: 1, maximumInterval: poll, nonRetryableErrorTypes: PERMANENT_FAILURES },
  });
}

/** Runs a wait; a deadline becomes a failure that says what was awaited, for how long, and the last state seen. */
export async function waitUntil<T>(what: string, deadlineMinutes: number, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
      const details = error.cause.lastHeartbeatDetails as { lastSeen?: string } | undefined;
      throw ApplicationFailure.nonRetryable(
        `${what}: not reached within ${deadlineMinutes} min; last seen: ${details?.lastSeen ?? 'no state read'}`,
        'WaitDeadline',
      );
    }
    // When the next poll would fall past the deadline, Temporal ends the activity with its last attempt's failure
    // (still waiting) rather than a timeout: that is the deadline too.
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'StillWaiting') {
      throw ApplicationFailure.nonRetryable(
        `${what}: not reached within ${deadlineMinutes} min; last seen: ${error.cause.message.replace(/^still waiting: /, '')}`,
        'WaitDeadline',
      );
    }
    throw error;
  }
}
