import { WorkflowNotFoundError } from '@temporalio/client';
import type { ActivityDeps } from './deps';

/**
 * A run's status name in Temporal (RUNNING, COMPLETED, FAILED, …), NOT_FOUND once its history is gone; without a run
 * id, the latest run of the workflow id.
 */
export async function runStatus(deps: Pick<ActivityDeps, 'temporal'>, workflowId: string, runId?: string): Promise<string> {
  try {
    return (await deps.temporal.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}
