import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { Failure } from '../../contracts/failures';
import { noSourceMessage, PipelineConfig, RunbookKind, SourceConfig, sourceOfTable } from '../../domain/config';
import { TableName } from '../../domain/tableName';

/**
 * The two ways a runbook says no before it changes anything: a refusal from the facts (a task in the wrong state, a
 * missing endpoint), or an input the schema accepts but the configuration does not. Both are non-retryable
 * (contracts/failures.ts): the run fails at once with the message.
 */

/** Refuses from the facts: nothing was changed; the message says what to do. */
export const refuse = (message: string) => ApplicationFailure.nonRetryable(message, Failure.Refused);

/** `invalid <kind> input: <field>: <why>`, as the schema's own messages read (domain/inputErrors.ts). */
export const invalidInput = (kind: RunbookKind, message: string) =>
  ApplicationFailure.nonRetryable(`invalid ${kind} input: ${message}`, Failure.InvalidInput);

/** The configured source that holds `table`; an invalid input naming `field` when no source has its schema. */
export function sourceForTable(config: PipelineConfig, kind: RunbookKind, field: string, table: TableName): SourceConfig {
  const source = sourceOfTable(config, table);
  if (!source) throw invalidInput(kind, noSourceMessage(config, field, table));
  return source;
}

/** The failure type an activity failed with (`ResourceNotFoundFault`, …), or undefined for anything else. */
export function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
