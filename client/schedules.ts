import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { TASK_QUEUE } from '../domain/operatorCommands';
import type { RunbookInputs } from './runbooks';

export interface RunbookScheduleOptions<K extends keyof RunbookInputs> {
  scheduleId: string;
  kind: K;
  input: RunbookInputs[K];
  /** How often, as Temporal durations: `1h`, `15m`, `1d`. */
  every: Duration;
  taskQueue?: string;
  /** Shown with the schedule (`temporal schedule describe`, the Web UI). */
  note?: string;
}

/**
 * Creates a Temporal Schedule that starts a runbook every `every`, or brings an existing one with that id to the
 * same spec, action and input (its paused state and history stay). A run still going when the next one is due is
 * not doubled (overlap SKIP). Each run's workflow id is the schedule id plus its start time.
 */
export async function upsertRunbookSchedule<K extends keyof RunbookInputs>(
  client: Client,
  options: RunbookScheduleOptions<K>,
): Promise<{ scheduleId: string; created: boolean }> {
  const spec = { intervals: [{ every: options.every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: options.kind,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowId: options.scheduleId,
    args: [options.input],
    staticSummary: `${options.kind} (schedule ${options.scheduleId}, every ${String(options.every)})`,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  try {
    await client.schedule.create({ scheduleId: options.scheduleId, spec, action, policies, state: { note: options.note } });
    return { scheduleId: options.scheduleId, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({
      ...previous,
      spec,
      action,
      policies: { ...previous.policies, ...policies },
      state: { ...previous.state, note: options.note ?? previous.state.note },
    }));
    return { scheduleId: options.scheduleId, created: false };
  }
}
