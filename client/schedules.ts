import { Client, ScheduleAlreadyRunning, ScheduleHandle, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { SchemaDriftWatchInput } from '../domain/inputs/schemaDriftWatch';
import { scheduleCreateCommand, TASK_QUEUE } from '../domain/operatorCommands';
import type { RunbookInputs } from './runbooks';

export interface RunbookScheduleOptions<K extends keyof RunbookInputs> {
  scheduleId: string;
  kind: K;
  input: RunbookInputs[K];
  /** How often, as Temporal durations: `1h`, `15m`, `1d`. */
  every: Duration;
  taskQueue?: string;
  /** Each run's workflow id is this plus its start time (default: the schedule id). */
  workflowId?: string;
  /** Shown with the schedule (`temporal schedule describe`, the Web UI). */
  note?: string;
  /**
   * Each run's run timeout (default: `every`). With overlap SKIP, a run that never ends skips every later one: the
   * timeout ends it so the next one starts. A run that needs longer than its interval is stuck for these runbooks.
   */
  runTimeout?: Duration;
}

/**
 * Creates a Temporal Schedule that starts a runbook every `every`, or brings an existing one with that id to the
 * same spec, action and input (its paused state and history stay). A run still going when the next one is due is
 * not doubled (overlap SKIP), and a stuck one is ended by its run timeout; a run missed while the server was down is
 * caught up within an hour.
 */
export async function upsertRunbookSchedule<K extends keyof RunbookInputs>(
  client: Client,
  options: RunbookScheduleOptions<K>,
): Promise<{ scheduleId: string; created: boolean; handle: ScheduleHandle }> {
  const spec = { intervals: [{ every: options.every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: options.kind,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowId: options.workflowId ?? options.scheduleId,
    args: [options.input],
    workflowRunTimeout: options.runTimeout ?? options.every,
    staticSummary: `${options.kind} (schedule ${options.scheduleId}, every ${String(options.every)})`,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' as const };
  try {
    const handle = await client.schedule.create({ scheduleId: options.scheduleId, spec, action, policies, state: { note: options.note } });
    return { scheduleId: options.scheduleId, created: true, handle };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(options.scheduleId);
    await handle.update((previous) => ({
      ...previous,
      spec,
      action,
      policies: { ...previous.policies, ...policies },
      state: { ...previous.state, note: options.note ?? previous.state.note },
    }));
    return { scheduleId: options.scheduleId, created: false, handle };
  }
}

/** The same schedule with the Temporal CLI, as docs/runbooks/pipelineDoctor.md#on-a-schedule documents it. */
export function runbookScheduleCommand<K extends keyof RunbookInputs>(options: RunbookScheduleOptions<K>): string {
  return scheduleCreateCommand(options.scheduleId, options.kind, String(options.every), options.input, {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId,
    runTimeout: String(options.runTimeout ?? options.every),
  });
}

export const SCHEMA_DRIFT_SCHEDULE_ID = 'schema-drift-watch';

export interface SchemaDriftScheduleOptions {
  scheduleId?: string;
  every?: Duration;
  taskQueue?: string;
  workflowId?: string;
  input?: SchemaDriftWatchInput;
}

const driftSchedule = (o: SchemaDriftScheduleOptions): RunbookScheduleOptions<'schemaDriftWatch'> => ({
  scheduleId: o.scheduleId ?? SCHEMA_DRIFT_SCHEDULE_ID,
  kind: 'schemaDriftWatch',
  input: o.input ?? { requestedBy: 'schedule' },
  every: o.every ?? '15m',
  taskQueue: o.taskQueue,
  workflowId: o.workflowId ?? 'schemaDriftWatch',
  note: 'ENUM/SET and column changes of replicated tables',
});

/** The schemaDriftWatch schedule (every 15 minutes by default). */
export async function createSchemaDriftSchedule(client: Client, options: SchemaDriftScheduleOptions = {}): Promise<ScheduleHandle> {
  return (await upsertRunbookSchedule(client, driftSchedule(options))).handle;
}

export function schemaDriftScheduleCommand(options: SchemaDriftScheduleOptions = {}): string {
  return runbookScheduleCommand(driftSchedule(options));
}
