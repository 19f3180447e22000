import { Context } from '@temporalio/activity';
import { statusQuery } from '../contracts/handlers';
import { pipelineRunsFilter } from '../contracts/pipelineRuns';
import { runbookKindKey, runbookStepKey, runbookTablesKey, runbookTargetKey } from '../contracts/searchAttributes';
import type { RunbookKind } from '../domain/config';
import type { ActivityDeps } from './deps';

export interface RunningRunbook {
  workflowId: string;
  kind: string;
  target: string;
  step: string;
}

/** A visibility query for this pipeline's runbooks of a kind (other pipelines in the namespace are left out). */
export function runningRunbooksQuery(kind: RunbookKind, pipeline: string, taskQueue: string): string {
  return `${runbookKindKey.name} = "${kind}" AND ExecutionStatus = "Running" AND ${pipelineRunsFilter(pipeline, taskQueue)}`;
}

/**
 * This pipeline's runbooks in flight, from Temporal's visibility (the search attributes every runbook keeps up to
 * date). The task queue that finds runs from before pipeline names is the one this activity runs on: the worker's.
 */
export function runbookRunActivities(deps: ActivityDeps) {
  return {
    async findRunningRunbooks(input: { kind: RunbookKind }): Promise<RunningRunbook[]> {
      const found: RunningRunbook[] = [];
      const query = runningRunbooksQuery(input.kind, deps.config.name, Context.current().info.taskQueue);
      for await (const execution of deps.temporal.workflow.list({ query })) {
        const attributes = execution.typedSearchAttributes;
        const tables = attributes.get(runbookTablesKey);
        let target = attributes.get(runbookTargetKey) ?? '';
        // A bounded target ("100 tables: …") names only some tables: the run's status has them all.
        if (tables && target !== tables.join(',')) {
          target = (await deps.temporal.workflow.getHandle(execution.workflowId, execution.runId).query(statusQuery)).target;
        }
        found.push({
          workflowId: execution.workflowId,
          kind: attributes.get(runbookKindKey) ?? input.kind,
          target,
          step: attributes.get(runbookStepKey) ?? '',
        });
      }
      return found;
    },
  };
}
