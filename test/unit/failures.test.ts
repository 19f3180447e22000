import { Failure, PERMANENT_FAILURES, PermanentFailure } from '../../contracts/failures';

test('the non-retryable list is the one every saved history carries in its retry policies, in its order', () => {
  expect(PERMANENT_FAILURES).toEqual([
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
  ]);
});

test('every failure type is named as its own value, and waits stay retryable', () => {
  for (const [name, value] of Object.entries(Failure)) expect(value).toBe(name);
  expect(PERMANENT_FAILURES).not.toContain(Failure.StillWaiting);
  expect(PERMANENT_FAILURES).not.toContain(Failure.DmsStateSettling);
  expect(Object.keys(PermanentFailure)).toEqual(PERMANENT_FAILURES);
});
