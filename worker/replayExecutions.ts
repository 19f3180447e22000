import type { Client } from '@temporalio/client';
import { ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { runbookKindSchema } from '../domain/config';

/** Every workflow type the worker registers (workflows/index.ts): the runbooks and the locks. */
const WORKFLOW_TYPES = [...runbookKindSchema.options, 'resourceLock'];

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  /** Absent when the history replays; `nondeterminism` is what a deploy would break. */
  failure?: { kind: 'nondeterminism' | 'error'; message: string };
}

export interface ReplayExecutionsOptions {
  /** The new bundle: a prebuilt one (what the deploy ships) or a workflows source path. */
  workflows: { bundlePath: string } | { workflowsPath: string } | { code: string };
  /** Closed executions younger than this are replayed too (default 24 h): a reset or a query may replay them. */
  closedWithinHours?: number;
  /** Narrows the visibility query (tests: one workflow id). */
  extraQuery?: string;
}

/**
 * Replays every running and recently closed execution of this project's workflow types in the client's namespace
 * against the given workflow code, offline in the caller's process (Worker.runReplayHistories). A nondeterminism
 * here is a running execution the new code would fail: put the change behind `patched()` before deploying.
 */
export async function replayExecutions(client: Client, options: ReplayExecutionsOptions): Promise<ReplayOutcome[]> {
  const since = new Date(Date.now() - (options.closedWithinHours ?? 24) * 3_600_000).toISOString();
  const types = WORKFLOW_TYPES.map((name) => `"${name}"`).join(', ');
  const query = [
    `WorkflowType IN (${types})`,
    `(ExecutionStatus = "Running" OR CloseTime > "${since}")`,
    ...(options.extraQuery ? [`(${options.extraQuery})`] : []),
  ].join(' AND ');
  const replayOptions: ReplayWorkerOptions =
    'bundlePath' in options.workflows
      ? { workflowBundle: { codePath: options.workflows.bundlePath } }
      : 'code' in options.workflows
        ? { workflowBundle: { code: options.workflows.code } }
        : { workflowsPath: options.workflows.workflowsPath };
  const outcomes: ReplayOutcome[] = [];
  const histories = client.workflow.list({ query }).intoHistories({ concurrency: 4 });
  for await (const result of Worker.runReplayHistories({ ...replayOptions, replayName: 'replay-running' }, histories)) {
    const { workflowId, runId, error } = result;
    outcomes.push({
      workflowId,
      runId,
      ...(error
        ? {
            failure: {
              kind: error instanceof DeterminismViolationError ? ('nondeterminism' as const) : ('error' as const),
              message: error.message,
            },
          }
        : {}),
    });
  }
  return outcomes;
}
