import { workflowIdPart } from '../keySegment';
import { scheduleCreateCommand, startCommand } from '../operatorCommands';
import type { Remedy } from './findings';

/**
 * The fixes the doctor points at, as commands an operator can paste: runbooks through `temporal workflow start`,
 * everything else (endpoint settings, binlog retention) as the exact AWS CLI or SQL.
 */

/** `fullReload-shop.orders-doctor-20260601T120000`: unique per doctor run, readable in the Web UI. */
export function suggestedWorkflowId(kind: string, target: string, at: string): string {
  const stamp = at.replace(/[-:]/g, '').replace(/\..*/, '');
  return `${kind}-${workflowIdPart(target)}-doctor-${stamp}`;
}

/** A JSON value as one single-quoted shell word. */
export const shellJson = (value: unknown) => `'${JSON.stringify(value).replace(/'/g, "'\\''")}'`;

export function fullReloadRemedy(tables: string[], reason: string, at: string, mode?: 'task'): Remedy {
  const input = { tables, reason: `pipelineDoctor: ${reason}`, ...(mode ? { mode } : {}) };
  return {
    runbook: 'fullReload',
    summary:
      mode === 'task'
        ? `reload every table of the task (reload-target), files quarantined first: ${tables.join(', ')}`
        : `reload ${tables.join(', ')} (existing files are quarantined, counts verified, approval at the gates)`,
    command: startCommand(
      'fullReload',
      suggestedWorkflowId('fullReload', tables.length === 1 ? tables[0]! : `${tables.length}-tables`, at),
      input,
    ),
  };
}

export function resizeRemedy(instance: string, targetClass: string, summary: string, at: string, allocatedStorageGb?: number): Remedy {
  return {
    runbook: 'resizeInstance',
    summary,
    command: startCommand('resizeInstance', suggestedWorkflowId('resizeInstance', instance, at), {
      instance,
      targetClass,
      ...(allocatedStorageGb !== undefined ? { allocatedStorageGb } : {}),
    }),
  };
}

export function onboardRemedy(table: string, taskGroup: string, at: string): Remedy {
  return {
    runbook: 'onboardTable',
    summary: `create the group's task by onboarding its first table`,
    command: startCommand('onboardTable', suggestedWorkflowId('onboardTable', table, at), { table, taskGroup }),
  };
}

export function readinessCommand(source: string, at: string): string {
  return startCommand('checkSourceReadiness', suggestedWorkflowId('checkSourceReadiness', source, at), { source });
}

export function resumeTaskCommand(taskArn: string): string {
  return `aws dms start-replication-task --replication-task-arn ${taskArn} --start-replication-task-type resume-processing`;
}

export function stopTaskCommands(taskArn: string): string[] {
  return [
    `aws dms stop-replication-task --replication-task-arn ${taskArn}`,
    `aws dms wait replication-task-stopped --filters Name=replication-task-arn,Values=${taskArn}`,
  ];
}

export function modifyEndpointCommand(endpointArn: string, settings: Record<string, number>): string {
  return `aws dms modify-endpoint --endpoint-arn ${endpointArn} --s3-settings ${shellJson(settings)}`;
}

/** The schemaDriftWatch schedule as docs/runbooks/schemaDriftWatch.md#the-schedule and the demo create it. */
export function schemaDriftScheduleRemedy(): Remedy {
  return {
    summary: 'schedule schemaDriftWatch every 15 minutes',
    command: scheduleCreateCommand(
      'schema-drift-watch',
      'schemaDriftWatch',
      '15m',
      { requestedBy: 'schedule' },
      { workflowId: 'schemaDriftWatch' },
    ),
  };
}
