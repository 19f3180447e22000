import { ApplicationFailure, CancellationScope, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { RESULT_LIMIT_BYTES, shortSteps, StoredResult, summaryOfStored, textParts, utf8Bytes } from '../../domain/boundedResult';
import { z } from 'zod';
import { RunbookKind } from '../../domain/config';
import { parseInput } from '../../domain/inputErrors';
import { RunbookPhase, StepStatus } from '../../domain/runbookStatus';
import { actions } from './activityProxies';
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
    return await bounded(result);
  } catch (error) {
    if (error instanceof RunbookHalt) return await bounded(runbook.finish(error.phase, error.message));
    // Only the run's own cancellation: a child or activity cancelled by someone else is a failure like any other.
    // Runs cancelled before this existed closed as failed, with no command after the cancel: they replay that way.
    if (isCancellation(error) && CancellationScope.current().consideredCancelled && patched('cancel-is-an-outcome'))
      return closeCanceled(runbook, error);
    await runbook.notify('failed', `${spec.kind} ${runbook.target} failed: ${errorMessage(error)}`);
    throw await boundedFailure(runbook.fail(error));
  } finally {
    await CancellationScope.nonCancellable(() => runbook.releaseLocks());
  }
}

/** The JSON in parts, one activity each, joined on S3 by the last (activities/storedResults.ts). */
async function store(text: string): Promise<StoredResult> {
  const { workflowId, runId } = workflowInfo();
  const parts = textParts(text);
  let stored: StoredResult | undefined;
  for (const [part, chunk] of parts.entries())
    stored = await actions.storeResultPart({ workflowId, runId, part, parts: parts.length, text: chunk });
  return stored!;
}

/**
 * A result too large to return (thousands of tables in a report) goes whole to S3; the run returns its summary with
 * the location. Results under the limit, every run before this existed among them, take no command.
 */
async function bounded<R>(result: RunbookResult<R>): Promise<RunbookResult<R>> {
  const text = JSON.stringify(result);
  if (utf8Bytes(text) <= RESULT_LIMIT_BYTES || !patched('bounded-results')) return result;
  return summaryOfStored(result, await store(text));
}

/** The same for a failure: its message (shortened) and steps stay, the rest of its details are linked. */
async function boundedFailure(failure: ApplicationFailure): Promise<ApplicationFailure> {
  const details = failure.details?.[0] as { steps: unknown; audit: unknown } | undefined;
  const text = JSON.stringify({ message: failure.message, details });
  if (utf8Bytes(text) <= RESULT_LIMIT_BYTES || !patched('bounded-results')) return failure;
  const stored = await store(text);
  const message = failure.message.length > 8000 ? `${failure.message.slice(0, 8000)}…` : failure.message;
  return ApplicationFailure.nonRetryable(
    `${message} (the whole failure, ${Math.round(stored.bytes / 1024)} KB, is at ${stored.location})`,
    failure.type,
    { steps: shortSteps((details?.steps ?? []) as StepStatus[]), stored },
  );
}
