import {
  CreateReplicationTaskCommand,
  DeleteReplicationTaskCommand,
  DescribeReplicationTasksCommand,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { ApplicationFailure } from '@temporalio/activity';
import type { CallRecord } from '../domain/audit';
import { describeTask, taskHasRun, TaskSnapshot } from '../domain/dmsStates';
import { canonicalJson } from '../domain/tableMappings';
import { settingsApplied } from '../domain/taskSettings';
import { callRecord } from './callRecords';
import type { ActivityDeps } from './deps';
import { toTaskSnapshot } from './dmsGateway';
import { settlingCall } from './settlingCalls';
import { Failure } from '../contracts/failures';

/**
 * Mutating DMS calls on replication tasks. Each reads the task's current state first and does nothing when the
 * state shows the call already took effect, so an activity retry or a worker crash never repeats it.
 */
export function dmsTaskActivities(deps: ActivityDeps) {
  const gateway = deps.dmsGateway;
  const change = settlingCall(gateway, deps.config.waits.describeLagSeconds);

  async function current(taskArn: string): Promise<TaskSnapshot> {
    const result = await gateway.call('DescribeReplicationTasks', taskArn, (c) =>
      c.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] })),
    );
    const task = result.ReplicationTasks?.[0];
    if (!task) throw ApplicationFailure.nonRetryable(`replication task ${taskArn} does not exist`, Failure.ResourceNotFoundFault);
    return toTaskSnapshot(task);
  }

  const refuse = (message: string) => ApplicationFailure.nonRetryable(message, Failure.RefusedByState);

  return {
    async stopTask(input: { taskArn: string }): Promise<CallRecord> {
      const task = await current(input.taskArn);
      if (['stopped', 'stopping', 'ready', 'failed'].includes(task.status)) {
        return callRecord('dms', 'StopReplicationTask', task.identifier, 'skipped', `${describeTask(task)}: nothing to stop`);
      }
      if (task.status !== 'running' && task.status !== 'starting') {
        throw refuse(`cannot stop ${describeTask(task)}; wait until it is running or stopped and start the runbook again`);
      }
      await change('StopReplicationTask', task.identifier, (c) =>
        c.send(new StopReplicationTaskCommand({ ReplicationTaskArn: input.taskArn })),
      );
      gateway.invalidate(input.taskArn);
      return callRecord('dms', 'StopReplicationTask', task.identifier, 'done', `stopped from ${task.status}`, {
        ReplicationTaskArn: input.taskArn,
      });
    },

    /** Replaces the task's table mapping and, when given, its settings (the whole settings document). */
    async modifyTaskMapping(input: { taskArn: string; tableMappings: string; taskSettings?: string }): Promise<CallRecord> {
      const task = await current(input.taskArn);
      const sameMapping =
        task.tableMappings !== undefined &&
        canonicalJson(JSON.parse(task.tableMappings)) === canonicalJson(JSON.parse(input.tableMappings));
      const sameSettings = input.taskSettings === undefined || settingsApplied(task.settings, input.taskSettings);
      if (sameMapping && sameSettings) {
        return callRecord(
          'dms',
          'ModifyReplicationTask',
          task.identifier,
          'skipped',
          `the task already has this table mapping${input.taskSettings ? ' and these settings' : ''}`,
        );
      }
      if (!['stopped', 'failed', 'ready'].includes(task.status)) {
        throw refuse(`cannot modify the mapping of ${describeTask(task)}: DMS modifies only stopped, failed or never-run tasks`);
      }
      await change('ModifyReplicationTask', task.identifier, (c) =>
        c.send(
          new ModifyReplicationTaskCommand({
            ReplicationTaskArn: input.taskArn,
            TableMappings: input.tableMappings,
            ReplicationTaskSettings: input.taskSettings,
          }),
        ),
      );
      gateway.invalidate(input.taskArn);
      return callRecord(
        'dms',
        'ModifyReplicationTask',
        task.identifier,
        'done',
        `table mapping replaced${input.taskSettings ? ', task settings set' : ''}`,
        {
          ReplicationTaskArn: input.taskArn,
          TableMappings: JSON.parse(input.tableMappings) as unknown,
          ...(input.taskSettings ? { ReplicationTaskSettings: JSON.parse(input.taskSettings) as unknown } : {}),
        },
      );
    },

    /**
     * Starts or resumes a task. `previousStartDate` is the task's start date seen before this step: a different
     * one now means an earlier attempt already started it. A task that never ran can only take start-replication.
     */
    async startTask(input: {
      taskArn: string;
      startType: 'start-replication' | 'resume-processing' | 'reload-target';
      previousStartDate?: string | null;
    }): Promise<CallRecord> {
      const task = await current(input.taskArn);
      if (
        task.status === 'running' ||
        task.status === 'starting' ||
        (input.previousStartDate !== undefined && (task.startDate ?? null) !== input.previousStartDate)
      ) {
        return callRecord(
          'dms',
          'StartReplicationTask',
          task.identifier,
          'skipped',
          `${describeTask(task)}: already started by this runbook`,
        );
      }
      if (!['stopped', 'failed', 'ready'].includes(task.status)) {
        throw refuse(`cannot start ${describeTask(task)}; wait until it settles`);
      }
      const neverRan = !taskHasRun(task);
      if (!neverRan && input.startType === 'start-replication' && task.migrationType !== 'cdc') {
        throw refuse(
          `cannot start-replication ${describeTask(task)}: it already ran, and a ${task.migrationType ?? 'full-load'} task takes start-replication only on its first run; resume it (resume-processing) or reload it (reload-target)`,
        );
      }
      const startType = neverRan ? 'start-replication' : input.startType;
      await change('StartReplicationTask', task.identifier, (c) =>
        c.send(new StartReplicationTaskCommand({ ReplicationTaskArn: input.taskArn, StartReplicationTaskType: startType })),
      );
      gateway.invalidate(input.taskArn);
      return callRecord(
        'dms',
        'StartReplicationTask',
        task.identifier,
        'done',
        `${startType}${neverRan && input.startType !== startType ? ' (the task never ran)' : ''}`,
        {
          ReplicationTaskArn: input.taskArn,
          StartReplicationTaskType: startType,
        },
      );
    },

    async createTask(input: {
      identifier: string;
      instanceArn: string;
      sourceEndpointArn: string;
      targetEndpointArn: string;
      migrationType: 'full-load' | 'cdc' | 'full-load-and-cdc';
      tableMappings: string;
      taskSettings?: string;
      tags?: Record<string, string>;
    }): Promise<CallRecord & { taskArn: string }> {
      const existing = await gateway
        .call('DescribeReplicationTasks', input.identifier, (c) =>
          c.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: [input.identifier] }] })),
        )
        .then((r) => r.ReplicationTasks?.[0])
        .catch((error: ApplicationFailure) => {
          if (error.type === Failure.ResourceNotFoundFault) return undefined;
          throw error;
        });
      if (existing) {
        return {
          ...callRecord('dms', 'CreateReplicationTask', input.identifier, 'skipped', 'the task already exists'),
          taskArn: existing.ReplicationTaskArn ?? '',
        };
      }
      const created = await change('CreateReplicationTask', input.identifier, (c) =>
        c.send(
          new CreateReplicationTaskCommand({
            ReplicationTaskIdentifier: input.identifier,
            ReplicationInstanceArn: input.instanceArn,
            SourceEndpointArn: input.sourceEndpointArn,
            TargetEndpointArn: input.targetEndpointArn,
            MigrationType: input.migrationType,
            TableMappings: input.tableMappings,
            ReplicationTaskSettings: input.taskSettings,
            Tags: Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
      const taskArn = created.ReplicationTask?.ReplicationTaskArn ?? '';
      return {
        ...callRecord('dms', 'CreateReplicationTask', input.identifier, 'done', `created ${input.migrationType} task`, {
          ReplicationTaskIdentifier: input.identifier,
          MigrationType: input.migrationType,
          ...(input.taskSettings ? { ReplicationTaskSettings: JSON.parse(input.taskSettings) as unknown } : {}),
        }),
        taskArn,
      };
    },

    async deleteTask(input: { taskArn: string }): Promise<CallRecord> {
      let task: TaskSnapshot;
      try {
        task = await current(input.taskArn);
      } catch (error) {
        if ((error as ApplicationFailure).type === Failure.ResourceNotFoundFault)
          return callRecord('dms', 'DeleteReplicationTask', input.taskArn, 'skipped', 'the task no longer exists');
        throw error;
      }
      if (task.status === 'deleting') return callRecord('dms', 'DeleteReplicationTask', task.identifier, 'skipped', 'already deleting');
      if (task.status === 'running' || task.status === 'starting') throw refuse(`cannot delete ${describeTask(task)}; stop it first`);
      await change('DeleteReplicationTask', task.identifier, (c) =>
        c.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: input.taskArn })),
      );
      gateway.invalidate(input.taskArn);
      return callRecord('dms', 'DeleteReplicationTask', task.identifier, 'done', 'deleted', { ReplicationTaskArn: input.taskArn });
    },

    /**
     * ReloadTables for up to 10 tables. `loadStartedBefore` holds each table's FullLoadStartTime seen in the plan:
     * a table whose load start changed since, or that is loading now, was already reloaded by an earlier attempt.
     */
    async reloadTables(input: {
      taskArn: string;
      tables: Array<{ schema: string; table: string }>;
      loadStartedBefore: Record<string, string | null>;
    }): Promise<CallRecord> {
      if (input.tables.length === 0 || input.tables.length > 10)
        throw ApplicationFailure.nonRetryable(`ReloadTables takes 1 to 10 tables, not ${input.tables.length}`, Failure.InvalidInput);
      const task = await current(input.taskArn);
      const names = input.tables.map((t) => `${t.schema}.${t.table}`).join(', ');
      const stats = await gateway.tableStatistics(input.taskArn, 0);
      const reloading = new Set(['Table is being reloaded', 'Before load', 'Full load']);
      const pending = input.tables.filter((t) => {
        const stat = stats.find((s) => s.schema === t.schema && s.table === t.table);
        const before = input.loadStartedBefore[`${t.schema}.${t.table}`] ?? null;
        return !(stat && (reloading.has(stat.state) || (stat.fullLoadStartTime ?? null) !== before));
      });
      if (pending.length === 0)
        return callRecord('dms', 'ReloadTables', task.identifier, 'skipped', `${names}: already reloading or reloaded by this runbook`);
      if (task.status !== 'running') throw refuse(`ReloadTables needs a running task; ${describeTask(task)}`);
      await change('ReloadTables', task.identifier, (c) =>
        c.send(
          new ReloadTablesCommand({
            ReplicationTaskArn: input.taskArn,
            TablesToReload: pending.map((t) => ({ SchemaName: t.schema, TableName: t.table })),
            ReloadOption: 'data-reload',
          }),
        ),
      );
      gateway.invalidate(input.taskArn);
      return callRecord(
        'dms',
        'ReloadTables',
        task.identifier,
        'done',
        `reloading ${pending.map((t) => `${t.schema}.${t.table}`).join(', ')}`,
        {
          ReplicationTaskArn: input.taskArn,
          TablesToReload: pending,
          ReloadOption: 'data-reload',
        },
      );
    },
  };
}
