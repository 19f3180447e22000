import type { Client } from '@temporalio/client';
import type { DriftRun } from '../../domain/doctor/schemaDrift';

export const SCHEMA_DRIFT_QUERY = 'WorkflowType="schemaDriftWatch" AND ExecutionStatus="Completed"';
const RUNNING_QUERY = 'WorkflowType="schemaDriftWatch" AND ExecutionStatus="Running"';
/** Visibility lists recent executions first; the newest close among the first few is the last run. */
const LOOK_AT = 50;

/**
 * The last completed `schemaDriftWatch` run and its result, read through Temporal visibility, and whether one is
 * running now. Isolated here: the doctor depends on the watch only through this read, and treats the result as
 * opaque JSON.
 */
export async function lastSchemaDriftRun(temporal: Client): Promise<{ last: DriftRun | null; running?: string }> {
  let latest: { workflowId: string; runId: string; closeTime?: Date } | undefined;
  let seen = 0;
  for await (const info of temporal.workflow.list({ query: SCHEMA_DRIFT_QUERY })) {
    if (!latest || (info.closeTime?.getTime() ?? 0) > (latest.closeTime?.getTime() ?? 0)) latest = info;
    if (++seen >= LOOK_AT) break;
  }
  if (!latest) {
    for await (const info of temporal.workflow.list({ query: RUNNING_QUERY })) return { last: null, running: info.workflowId };
    return { last: null };
  }
  const result: unknown = await temporal.workflow.getHandle(latest.workflowId, latest.runId).result();
  return { last: { workflowId: latest.workflowId, runId: latest.runId, closedAt: latest.closeTime?.toISOString(), result } };
}
