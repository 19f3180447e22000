import type { ActivityDeps } from './deps';

export interface CancelRequest {
  /** The event's time: when the cancellation was requested. */
  at?: string;
  /** The client identity that asked (the CLI sends `dms-runbooks-cli <name>`; `temporal workflow cancel` its own). */
  identity?: string;
  /** The reason given (the CLI's `--reason`, prefixed with who). */
  reason?: string;
}

/**
 * Who cancelled a run and why. Workflow code cannot see it (the SDK's root scope is cancelled without the reason),
 * so it is read from the run's own history: the WorkflowExecutionCancelRequested event carries the requester's
 * identity and cause.
 */
export function cancelRequestActivities(deps: ActivityDeps) {
  return {
    async readCancelRequest(input: { workflowId: string; runId: string }): Promise<CancelRequest> {
      const history = await deps.temporal.workflow.getHandle(input.workflowId, input.runId).fetchHistory();
      const event = [...(history.events ?? [])].reverse().find((e) => e.workflowExecutionCancelRequestedEventAttributes);
      if (!event) return {};
      const attributes = event.workflowExecutionCancelRequestedEventAttributes!;
      const seconds = event.eventTime?.seconds;
      return {
        at: seconds !== undefined && seconds !== null ? new Date(Number(seconds) * 1000).toISOString() : undefined,
        identity: attributes.identity || undefined,
        reason: attributes.cause || undefined,
      };
    },
  };
}
