import { Client, WorkflowHandle } from '@temporalio/client';
import type { DecideInput } from '../domain/approval';
import type { RunbookKind } from '../domain/config';
import type { BackfillPartitionsInput } from '../domain/inputs/backfillPartitions';
import type { CheckSourceReadinessInput } from '../domain/inputs/checkSourceReadiness';
import type { FullReloadInput } from '../domain/inputs/fullReload';
import type { OnboardTableInput } from '../domain/inputs/onboardTable';
import type { ResizeInstanceInput } from '../domain/inputs/resizeInstance';
import type { SchemaDriftWatchInput } from '../domain/inputs/schemaDriftWatch';
import type { PipelineDoctorInput } from '../domain/inputs/pipelineDoctor';
import { workflowIdPart } from '../domain/keySegment';
import { TASK_QUEUE } from '../domain/operatorCommands';
import type { RunbookStatus } from '../domain/runbookStatus';
import { decideUpdate, statusQuery } from '../contracts/handlers';
import type { RunbookResult } from '../workflows/engine/runbook';

/**
 * Typed starters for programs and scripts. Operators use the Temporal CLI; these give code the same names,
 * the same inputs (checked by the same zod schemas in the workflow) and a readable summary in the Web UI.
 */
export interface RunbookInputs {
  checkSourceReadiness: CheckSourceReadinessInput;
  onboardTable: OnboardTableInput;
  resizeInstance: ResizeInstanceInput;
  backfillPartitions: BackfillPartitionsInput;
  fullReload: FullReloadInput;
  schemaDriftWatch: SchemaDriftWatchInput;
  pipelineDoctor: PipelineDoctorInput;
}

export interface StartOptions {
  workflowId?: string;
  taskQueue?: string;
}

function targetOf(kind: RunbookKind, input: Record<string, unknown>): string {
  const target = input.table ?? input.tables ?? input.instance ?? input.source ?? kind;
  return Array.isArray(target) ? target.join(',') : typeof target === 'string' ? target : kind;
}

export function defaultWorkflowId(kind: RunbookKind, input: Record<string, unknown>, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  // A random tail: two starts of the same runbook in one second must not collide.
  const tail = Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${kind}-${workflowIdPart(targetOf(kind, input))}-${stamp}-${tail}`;
}

export async function startRunbook<K extends keyof RunbookInputs>(
  client: Client,
  kind: K,
  input: RunbookInputs[K],
  options: StartOptions = {},
): Promise<WorkflowHandle<(input: RunbookInputs[K]) => Promise<RunbookResult<unknown>>>> {
  const record = input as unknown as Record<string, unknown>;
  return client.workflow.start<(input: RunbookInputs[K]) => Promise<RunbookResult<unknown>>>(kind, {
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowId: options.workflowId ?? defaultWorkflowId(kind, record),
    args: [input],
    staticSummary: `${kind} ${targetOf(kind, record)}${record.dryRun ? ' (dry run)' : ''}`,
  });
}

export function runbookStatus(handle: WorkflowHandle): Promise<RunbookStatus> {
  return handle.query(statusQuery);
}

export function decide(handle: WorkflowHandle, decision: DecideInput) {
  return handle.executeUpdate(decideUpdate, { args: [decision] });
}
