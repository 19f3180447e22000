import { CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import { cancellationToMarkdown, undoSummary } from '../../domain/cancellation';
import { notifications } from './activityProxies';
import { errorMessage, Runbook } from './runbook';

/**
 * A cancelled run: in a scope the cancellation cannot reach, learn who asked, undo what the run changed (newest
 * first), send the `canceled` notification and record the final status; then rethrow the cancellation, so Temporal
 * closes the run as Canceled (the SDK completes a cancelled workflow that throws a cancellation with
 * CancelWorkflowExecution: `if (this.cancelled && isCancellation(error))` in @temporalio/workflow internals.ts).
 */
export async function closeCanceled(runbook: Runbook, cancellation: unknown): Promise<never> {
  await CancellationScope.nonCancellable(async () => {
    const request = await whoCancelled();
    const status = await runbook.undoForCancel(request);
    const message = `canceled${status.requestedBy ? ` by ${status.requestedBy}` : ''}${status.duringStep ? ` during ${status.duringStep}` : ''}: ${undoSummary(status.undo)}`;
    runbook.finish('canceled', message);
    await runbook.notify('canceled', `${runbook.kind} ${runbook.target} ${message}\n${cancellationToMarkdown(status)}`);
  });
  throw cancellation;
}

/** The cancel request's identity and reason from the run's history; unknown when it cannot be read. */
async function whoCancelled(): Promise<{ requestedBy?: string; reason?: string }> {
  try {
    const { identity, reason } = await notifications.readCancelRequest({
      workflowId: workflowInfo().workflowId,
      runId: workflowInfo().runId,
    });
    return { requestedBy: identity, reason };
  } catch (error) {
    log.warn('cannot read who cancelled the run', { error: errorMessage(error) });
    return {};
  }
}
