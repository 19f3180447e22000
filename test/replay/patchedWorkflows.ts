import { patched, sleep } from '@temporalio/workflow';
import type { OnboardTableInput } from '../../domain/inputs/onboardTable';
import { onboardTable as current } from '../../workflows/onboardTable';

export { checkSourceReadiness, resourceLock } from '../../workflows';

/**
 * The change of brokenWorkflows.ts (a timer before the runbook's first step) put behind `patched()`: executions
 * started before it replay down the old path, new ones take the timer.
 */
export async function onboardTable(input: OnboardTableInput) {
  if (patched('test-timer-before-first-step')) await sleep('1 second');
  return current(input);
}
