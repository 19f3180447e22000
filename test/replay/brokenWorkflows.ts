import { sleep } from '@temporalio/workflow';
import type { OnboardTableInput } from '../../domain/inputs/onboardTable';
import { onboardTable as current } from '../../workflows/onboardTable';

export { checkSourceReadiness, resourceLock } from '../../workflows';

/**
 * A change that would break running executions: a timer inserted before the runbook's first step, without
 * `patched()`. The replay suite must reject it; this proves the suite can fail.
 */
export async function onboardTable(input: OnboardTableInput) {
  await sleep('1 second');
  return current(input);
}
