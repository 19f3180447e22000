import { ActivityCancellationType, ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { PERMANENT_FAILURES } from '../../contracts/failures';
import { routedActivities } from './dmsTaskQueue';

/** A proxy whose DMS activities follow the run's DMS budget (dmsTaskQueue.ts). */
const proxy = (options: ActivityOptions) => routedActivities(proxyActivities<Activities>(options), options);

/** Non-retryable failure types (contracts/failures.ts): retrying them cannot help. Re-exported for the engine's users. */
export { PERMANENT_FAILURES };

/** Read-only facts: cheap to retry. */
export const reads = proxy({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
});

/**
 * A cancelled run waits for its mutating and bulk activities to end before it undoes anything or frees its locks:
 * the SDK's default sends TRY_CANCEL (proto enum value 0, coresdk.workflow_commands.ActivityCancellationType: "Initiate
 * a cancellation request and immediately report cancellation to the workflow"), which would let a move or a DMS call
 * go on after the run closed. "Note that the Activity must heartbeat to receive a cancellation notification"
 * (ActivityCancellationType.WAIT_CANCELLATION_COMPLETED, @temporalio/common activity-options.ts): bulk activities do.
 */
const waitForCancellation = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

/** Mutating calls check the current state before acting, so a retry never repeats a destructive step. */
export const actions = proxy({
  startToCloseTimeout: '10 minutes',
  cancellationType: waitForCancellation,
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
});

/** Long S3 moves and deletes: they heartbeat progress, so a lost worker is noticed within a minute. */
export const bulk = proxy({
  startToCloseTimeout: '2 hours',
  cancellationType: waitForCancellation,
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
});

/** A failing webhook must never fail a runbook: few attempts, and the caller swallows the failure. */
export const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});
