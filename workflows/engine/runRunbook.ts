import { ApplicationFailure, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { z } from 'zod';
import { RunbookKind } from '../../domain/config';
import { parseInput } from '../../domain/inputErrors';
import { RunbookPhase } from '../../domain/runbookStatus';
import { closeCanceled } from './closeCanceled';
import { errorMessage, Runbook, RunbookHalt, RunbookResult } from './runbook';
import { Failure } from '../../contracts/failures';

export interface RunbookSpec<I> {
  kind: RunbookKind;
  schema: z.ZodType<I>;
  target: (input: I) => string;
  steps: Array<[id: string, title: string]>;
}

export interface RunbookOutcome<R> {
  outcome?: RunbookPhase;
  message: string;
  report?: R;
  /** Markdown for the `completed` notification instead of the one-line message (a report to attach). */
  notification?: string;
}

/**
 * The frame of every runbook: validate the input before anything runs, load the configuration, run the body,
 * and turn gates rejected or expired, failures and success into a final status, a notification and an audit.
 * A cancellation of the run is an outcome of its own: what the body registered with `runbook.onCancel` is undone,
 * and the run closes as Canceled (closeCanceled.ts).
 */
export async function runRunbook<
  I extends { requestedBy?: string; requestedBySignature?: { document: string; signature: string }; dryRun?: boolean },
  R,
>(spec: RunbookSpec<I>, raw: unknown, body: (runbook: Runbook, input: I) => Promise<RunbookOutcome<R>>): Promise<RunbookResult<R>> {
  const parsed = parseInput(spec.schema, spec.kind, raw);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.message, Failure.InvalidInput);
  const input = parsed.value;
  const runbook = new Runbook(spec.kind, spec.target(input), spec.steps, input.requestedBy);
  runbook.dryRun = input.dryRun === true;
  try {
    await runbook.loadConfig(raw as Record<string, unknown>, input.requestedBySignature);
    const outcome = await body(runbook, input);
    const result = runbook.finish(outcome.outcome ?? 'succeeded', outcome.message, outcome.report);
    await runbook.notify('completed', outcome.notification ?? `${spec.kind} ${runbook.target}: ${outcome.message}`);
    return result;
  } catch (error) {
    if (error instanceof RunbookHalt) return runbook.finish(error.phase, error.message);
    // Only the run's own cancellation: a child or activity cancelled by someone else is a failure like any other.
    // Runs cancelled before this existed closed as failed, with no command after the cancel: they replay that way.
    if (isCancellation(error) && CancellationScope.current().consideredCancelled && patched('cancel-is-an-outcome'))
      return closeCanceled(runbook, error);
    await runbook.notify('failed', `${spec.kind} ${runbook.target} failed: ${errorMessage(error)}`);
    return runbook.fail(error);
  } finally {
    await CancellationScope.nonCancellable(() => runbook.releaseLocks());
  }
}
