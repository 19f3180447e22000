import { ApplicationFailure, Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { acquireLockUpdate, type LockAnswer } from '../workflows/resourceLock';
import type { ActivityDeps } from './deps';

export function lockWorkflowId(resource: string): string {
  return `dms-runbooks-lock:${resource}`;
}

/** Per-target mutual exclusion between runbooks, held in `resourceLock` workflows. */
export function lockActivities(deps: ActivityDeps) {
  async function tryAcquire(resource: string, holder: string, kind: string, replaceStale?: string): Promise<LockAnswer> {
    const startWorkflowOperation = new WithStartWorkflowOperation('resourceLock', {
      workflowId: lockWorkflowId(resource),
      // The lock runs on the worker's own queue, whatever it is called.
      taskQueue: Context.current().info.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [],
    });
    return deps.temporal.workflow.executeUpdateWithStart(acquireLockUpdate, {
      args: [{ holder, kind, replaceStale }],
      startWorkflowOperation,
    });
  }

  async function isRunning(workflowId: string): Promise<boolean> {
    try {
      const description = await deps.temporal.workflow.getHandle(workflowId).describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function release(resources: string[], holder: string): Promise<void> {
    await Promise.all(
      resources.map(async (resource) => {
        try {
          await deps.temporal.workflow.getHandle(lockWorkflowId(resource)).signal('release', { holder });
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }),
    );
  }

  return {
    async acquireLocks(input: { resources: string[]; holder: string; kind: string }): Promise<void> {
      const taken: string[] = [];
      for (const resource of [...input.resources].sort()) {
        let answer = await tryAcquire(resource, input.holder, input.kind);
        if (!answer.granted && !(await isRunning(answer.heldBy.holder))) {
          // The holder ended without releasing (terminated, timed out): its lock is stale.
          answer = await tryAcquire(resource, input.holder, input.kind, answer.heldBy.holder);
        }
        if (!answer.granted) {
          await release(taken, input.holder);
          throw ApplicationFailure.nonRetryable(
            `${resource} is busy: runbook ${answer.heldBy.kind} (workflow id ${answer.heldBy.holder}) has been acting on it since ${answer.heldBy.since}; wait for it to finish (temporal workflow describe --workflow-id ${answer.heldBy.holder}) and start this runbook again`,
            'TargetBusy',
            { heldBy: answer.heldBy },
          );
        }
        taken.push(resource);
      }
    },
    async releaseLocks(input: { resources: string[]; holder: string }): Promise<void> {
      await release(input.resources, input.holder);
    },
  };
}
