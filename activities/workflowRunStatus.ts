import { WorkflowNotFoundError } from '@temporalio/client';
import type { ActivityDeps } from './deps';

/** A run's status name in Temporal (RUNNING, COMPLETED, FAILED, …), NOT_FOUND once its history is gone. */
export async function runStatus(deps: ActivityDeps, workflowId: string, runId: string): Promise<string> {
  try {
    return (await deps.temporal.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}
