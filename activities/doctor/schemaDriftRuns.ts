import type { Client } from '@temporalio/client';
import { pipelineRunsFilter } from '../../contracts/pipelineRuns';
import type { DriftRun } from '../../domain/doctor/schemaDrift';

/** This pipeline's watch runs: another pipeline in the namespace watches its own tables. */
export function schemaDriftQuery(status: 'Completed' | 'Running', pipeline: string, taskQueue: string): string {
  return `WorkflowType="schemaDriftWatch" AND ExecutionStatus="${status}" AND ${pipelineRunsFilter(pipeline, taskQueue)}`;
}
/** Visibility lists recent executions first; the newest close among the first few is the last run. */
const LOOK_AT = 50;

/**
 * The last completed `schemaDriftWatch` run and its result, read through Temporal visibility, and whether one is
 * running now. Isolated here: the doctor depends on the watch only through this read, and treats the result as
 * opaque JSON.
 */
export async function lastSchemaDriftRun(
  temporal: Client,
  pipeline: string,
  taskQueue: string,
): Promise<{ last: DriftRun | null; running?: string }> {
  let latest: { workflowId: string; runId: string; closeTime?: Date } | undefined;
  let seen = 0;
  for await (const info of temporal.workflow.list({ query: schemaDriftQuery('Completed', pipeline, taskQueue) })) {
    if (!latest || (info.closeTime?.getTime() ?? 0) > (latest.closeTime?.getTime() ?? 0)) latest = info;
    if (++seen >= LOOK_AT) break;
  }
  if (!latest) {
    for await (const info of temporal.workflow.list({ query: schemaDriftQuery('Running', pipeline, taskQueue) }))
      return { last: null, running: info.workflowId };
    return { last: null };
  }
  const result: unknown = await temporal.workflow.getHandle(latest.workflowId, latest.runId).result();
  return { last: { workflowId: latest.workflowId, runId: latest.runId, closedAt: latest.closeTime?.toISOString(), result } };
}
