import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/** Non-retryable failure types: retrying them cannot help, so the runbook fails at once with the message. */
export const PERMANENT_FAILURES = [
  'InvalidInput',
  'UnknownSource',
  'UnknownTable',
  'TargetBusy',
  'ResourceNotFoundFault',
  'AccessDeniedFault',
  'AccessDenied',
  'InvalidResourceStateFault',
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  'ResourceAlreadyExistsFault',
  'RefusedByState',
  'DmsTableError',
  'DmsTaskFailed',
  'MoveLostObject',
  'Refused',
];

/** Read-only facts: cheap to retry. */
export const reads = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
});

/** Mutating calls check the current state before acting, so a retry never repeats a destructive step. */
export const actions = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
});

/** Long S3 moves and deletes: they heartbeat progress, so a lost worker is noticed within a minute. */
export const bulk = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
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
