import { Client, ScheduleHandle, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { SchemaDriftWatchInput } from '../domain/inputs/schemaDriftWatch';
import { TASK_QUEUE } from '../domain/operatorCommands';

/**
 * The Temporal Schedule that runs schemaDriftWatch. Each run is its own workflow execution (workflow id
 * `<workflowId>-<scheduled time>`); runs never overlap, a run missed while the server was down is caught up once.
 */
export interface SchemaDriftScheduleOptions {
  scheduleId?: string;
  /** Temporal duration: `15m`, `1h`. */
  every?: Duration & string;
  taskQueue?: string;
  workflowId?: string;
  input?: SchemaDriftWatchInput;
}

export const SCHEMA_DRIFT_SCHEDULE_ID = 'schema-drift-watch';

const defaults = (options: SchemaDriftScheduleOptions) => ({
  scheduleId: options.scheduleId ?? SCHEMA_DRIFT_SCHEDULE_ID,
  every: options.every ?? '15m',
  taskQueue: options.taskQueue ?? TASK_QUEUE,
  workflowId: options.workflowId ?? 'schemaDriftWatch',
  input: options.input ?? { requestedBy: 'schedule' },
});

export function createSchemaDriftSchedule(client: Client, options: SchemaDriftScheduleOptions = {}): Promise<ScheduleHandle> {
  const o = defaults(options);
  return client.schedule.create({
    scheduleId: o.scheduleId,
    spec: { intervals: [{ every: o.every }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'schemaDriftWatch',
      workflowId: o.workflowId,
      taskQueue: o.taskQueue,
      args: [o.input],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  });
}

/** The same schedule with the Temporal CLI, as the README documents it. */
export function schemaDriftScheduleCommand(options: SchemaDriftScheduleOptions = {}): string {
  const o = defaults(options);
  return [
    'temporal schedule create',
    `--schedule-id ${o.scheduleId}`,
    `--interval ${o.every}`,
    `--workflow-id ${o.workflowId}`,
    '--type schemaDriftWatch',
    `--task-queue ${o.taskQueue}`,
    '--overlap-policy Skip',
    '--catchup-window 1h',
    `--input '${JSON.stringify(o.input).replace(/'/g, "'\\''")}'`,
  ].join(' ');
}
