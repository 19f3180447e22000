import type { RunbookKind as Kind } from '../domain/config';
import { RunbookKind, RunbookStep, RunbookTarget } from '../workflows/searchAttributes';
import type { ActivityDeps } from './deps';

export interface RunningRunbook {
  workflowId: string;
  kind: string;
  target: string;
  step: string;
}

/** Runbooks in flight, from Temporal's visibility (the search attributes every runbook keeps up to date). */
export function runbookRunActivities(deps: ActivityDeps) {
  return {
    async findRunningRunbooks(input: { kind: Kind }): Promise<RunningRunbook[]> {
      const found: RunningRunbook[] = [];
      const query = `RunbookKind = "${input.kind}" AND ExecutionStatus = "Running"`;
      for await (const execution of deps.temporal.workflow.list({ query })) {
        const attributes = execution.typedSearchAttributes;
        found.push({
          workflowId: execution.workflowId,
          kind: attributes.get(RunbookKind) ?? input.kind,
          target: attributes.get(RunbookTarget) ?? '',
          step: attributes.get(RunbookStep) ?? '',
        });
      }
      return found;
    },
  };
}
