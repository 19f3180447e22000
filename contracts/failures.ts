/**
 * Failure type names: what activities throw (ApplicationFailure types) and what workflows test for or retry on.
 * Write `Failure.TargetBusy`, never the string: the non-retryable list below is derived from these constants.
 */

/** Retrying cannot help: the runbook fails at once with the message (the activities' `nonRetryableErrorTypes`). */
export const PermanentFailure = {
  InvalidInput: 'InvalidInput',
  UnknownSource: 'UnknownSource',
  UnknownTable: 'UnknownTable',
  TargetBusy: 'TargetBusy',
  // DMS error codes, passed on as failure types by activities/dmsGateway.ts.
  ResourceNotFoundFault: 'ResourceNotFoundFault',
  AccessDeniedFault: 'AccessDeniedFault',
  AccessDenied: 'AccessDenied',
  InvalidResourceStateFault: 'InvalidResourceStateFault',
  InvalidParameterValueException: 'InvalidParameterValueException',
  InvalidParameterCombinationException: 'InvalidParameterCombinationException',
  ResourceAlreadyExistsFault: 'ResourceAlreadyExistsFault',
  RefusedByState: 'RefusedByState',
  DmsTableError: 'DmsTableError',
  DmsTaskFailed: 'DmsTaskFailed',
  MoveLostObject: 'MoveLostObject',
  Refused: 'Refused',
} as const;

/** Retried (waits, settling states) or raised by workflows themselves. */
export const OtherFailure = {
  /** A wait's activity: the condition does not hold yet; retried at the poll interval (workflows/engine/waits.ts). */
  StillWaiting: 'StillWaiting',
  /** A wait that ran out of time. */
  WaitDeadline: 'WaitDeadline',
  DmsStateSettling: 'DmsStateSettling',
  SourceUnavailable: 'SourceUnavailable',
  MoveVerificationFailed: 'MoveVerificationFailed',
  RunbookFailed: 'RunbookFailed',
  /** resizeInstance: the runbook run during the resize failed (the instance was scaled back all the same). */
  ChildRunbookFailed: 'ChildRunbookFailed',
  DecisionRefused: 'DecisionRefused',
  ReloadFailed: 'ReloadFailed',
} as const;

export const Failure = { ...PermanentFailure, ...OtherFailure } as const;
export type FailureType = (typeof Failure)[keyof typeof Failure];

/** In the order the list had when it was written by hand (it is part of every activity's retry policy in history). */
export const PERMANENT_FAILURES: string[] = Object.values(PermanentFailure);
