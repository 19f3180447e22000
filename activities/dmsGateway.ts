import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  Filter,
  ReplicationInstance,
  ReplicationTask,
  TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import { ApplicationFailure } from '@temporalio/activity';
import type { InstanceSnapshot, TableStatSnapshot, TaskSnapshot } from '../domain/dmsStates';
import { countDmsCall } from './metrics';
import { RateLimiter } from './rateLimiter';
import { SharedPoll } from './sharedPoll';
import { Failure } from '../contracts/failures';
import { formatTableName, type TableName } from '../domain/tableName';

/** Table names per `table-name` filter of one DescribeTableStatistics call (AWS gives no limit: unverified). */
const TABLE_NAMES_PER_FILTER = 100;

/** Faults that a retry cannot fix: the runbook fails at once with DMS's message. */
const PERMANENT = new Set([
  'AccessDeniedFault',
  'AccessDeniedException',
  'ResourceNotFoundFault',
  'InvalidResourceStateFault',
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  'ResourceAlreadyExistsFault',
  'ResourceQuotaExceededFault',
  'InsufficientResourceCapacityFault',
  'StorageQuotaExceededFault',
  'S3AccessDeniedFault',
  'KMSKeyNotAccessibleFault',
]);

/** Turns an SDK error into a failure an operator can act on: operation, target, DMS's code and message. */
export function dmsFailure(operation: string, target: string, error: unknown): ApplicationFailure {
  const e = error as Error & { name: string; $metadata?: { httpStatusCode?: number } };
  const code = e.name || 'Error';
  if (/AccessDenied/.test(code)) {
    // The client's middleware already named the permission (activities/accessDenied.ts).
    return ApplicationFailure.create({ type: code, nonRetryable: true, message: `${operation} on ${target}: ${e.message}` });
  }
  return ApplicationFailure.create({
    type: code,
    nonRetryable: PERMANENT.has(code),
    message: `${operation} on ${target}: ${code}: ${e.message}`,
  });
}

export function toTaskSnapshot(task: ReplicationTask): TaskSnapshot {
  const stats = task.ReplicationTaskStats;
  return {
    arn: task.ReplicationTaskArn ?? '',
    identifier: task.ReplicationTaskIdentifier ?? '',
    status: task.Status ?? 'unknown',
    stopReason: task.StopReason,
    migrationType: task.MigrationType,
    lastFailureMessage: task.LastFailureMessage,
    recoveryCheckpoint: task.RecoveryCheckpoint,
    fullLoadProgressPercent: stats?.FullLoadProgressPercent,
    tablesLoaded: stats?.TablesLoaded,
    tablesLoading: stats?.TablesLoading,
    tablesQueued: stats?.TablesQueued,
    tablesErrored: stats?.TablesErrored,
    startDate: (stats?.StartDate ?? task.ReplicationTaskStartDate)?.toISOString(),
    stopDate: stats?.StopDate?.toISOString(),
    freshStartDate: stats?.FreshStartDate?.toISOString(),
    fullLoadStartDate: stats?.FullLoadStartDate?.toISOString(),
    instanceArn: task.ReplicationInstanceArn,
    tableMappings: task.TableMappings,
    settings: task.ReplicationTaskSettings,
  };
}

export function toInstanceSnapshot(instance: ReplicationInstance): InstanceSnapshot {
  const pending = Object.fromEntries(Object.entries(instance.PendingModifiedValues ?? {}).filter(([, v]) => v !== undefined && v !== null));
  return {
    arn: instance.ReplicationInstanceArn ?? '',
    identifier: instance.ReplicationInstanceIdentifier ?? '',
    status: instance.ReplicationInstanceStatus ?? 'unknown',
    instanceClass: instance.ReplicationInstanceClass ?? 'unknown',
    allocatedStorageGb: instance.AllocatedStorage ?? 0,
    pending,
    multiAz: instance.MultiAZ ?? false,
  };
}

export function toTableStat(stat: TableStatistics): TableStatSnapshot {
  return {
    schema: stat.SchemaName ?? '',
    table: stat.TableName ?? '',
    state: stat.TableState ?? 'unknown',
    fullLoadRows: Number(stat.FullLoadRows ?? 0),
    inserts: Number(stat.Inserts ?? 0),
    updates: Number(stat.Updates ?? 0),
    deletes: Number(stat.Deletes ?? 0),
    ddls: Number(stat.Ddls ?? 0),
    fullLoadStartTime: stat.FullLoadStartTime?.toISOString(),
    fullLoadEndTime: stat.FullLoadEndTime?.toISOString(),
    fullLoadReloaded: stat.FullLoadReloaded,
    lastUpdateTime: stat.LastUpdateTime?.toISOString(),
    validationState: stat.ValidationState,
  };
}

interface Cached<T> {
  at: number;
  value: T | undefined;
}

/**
 * Every DMS call of a worker goes through here: a worker-wide rate limit, metrics by operation and outcome, and
 * shared polls — concurrent waits on many tasks cost one DescribeReplicationTasks per poll interval in all.
 */
export class DmsGateway {
  private readonly limiter: RateLimiter;
  private readonly taskPoll = new SharedPoll<TaskSnapshot>((arns) => this.describeTasksByArn(arns));
  private readonly instancePoll = new SharedPoll<InstanceSnapshot>((arns) => this.describeInstancesByArn(arns));
  private readonly tableStats = new Map<string, Cached<TableStatSnapshot[]>>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    readonly client: DatabaseMigrationServiceClient,
    requestsPerSecond: number,
  ) {
    this.limiter = new RateLimiter(requestsPerSecond);
  }

  /** One rate-limited, counted DMS call; SDK errors become failures that name the operation and target. */
  async call<T>(operation: string, target: string, send: (client: DatabaseMigrationServiceClient) => Promise<T>): Promise<T> {
    await this.limiter.take();
    try {
      const result = await send(this.client);
      countDmsCall(operation, 'ok');
      return result;
    } catch (error) {
      const name = (error as Error).name;
      countDmsCall(operation, name === 'ThrottlingException' ? 'throttled' : 'error');
      throw dmsFailure(operation, target, error);
    }
  }

  /**
   * A read-only call that identical concurrent callers share: while one is queued or in flight, a caller with the same
   * `key` (operation and parameters) gets its answer instead of spending a request (runbooks started together ask the
   * same endpoints, instance and task groups).
   */
  read<T>(operation: string, target: string, key: string, send: (client: DatabaseMigrationServiceClient) => Promise<T>): Promise<T> {
    const id = `read:${operation}:${key}`;
    let pending = this.inflight.get(id) as Promise<T> | undefined;
    if (!pending) {
      pending = this.call(operation, target, send).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  /** A task's state no older than maxAgeMs; concurrent callers share one batched Describe. */
  async task(arn: string, maxAgeMs: number): Promise<TaskSnapshot | undefined> {
    return this.taskPoll.get(arn, maxAgeMs);
  }

  async instance(arn: string, maxAgeMs: number): Promise<InstanceSnapshot | undefined> {
    return this.instancePoll.get(arn, maxAgeMs);
  }

  /** Table statistics of one task, shared the same way (one call per task per interval). */
  async tableStatistics(taskArn: string, maxAgeMs: number): Promise<TableStatSnapshot[]> {
    const cached = this.tableStats.get(taskArn);
    if (cached && Date.now() - cached.at <= maxAgeMs) return cached.value ?? [];
    const key = `stats:${taskArn}`;
    let pending = this.inflight.get(key) as Promise<TableStatSnapshot[]> | undefined;
    if (!pending) {
      pending = this.fetchTableStatistics(taskArn).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const stats = await pending;
    this.tableStats.set(taskArn, { at: Date.now(), value: stats });
    return stats;
  }

  /** Forget cached state after a mutating call, so the next read sees its effect. */
  /** One task read fresh with its table mapping and settings (the shared poll asks WithoutSettings, which drops them). */
  async taskWithMapping(arn: string): Promise<TaskSnapshot | undefined> {
    try {
      const result = await this.call('DescribeReplicationTasks', arn, (c) =>
        c.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }] })),
      );
      const task = result.ReplicationTasks?.[0];
      return task ? toTaskSnapshot(task) : undefined;
    } catch (error) {
      if ((error as ApplicationFailure).type === Failure.ResourceNotFoundFault) return undefined;
      throw error;
    }
  }

  invalidate(arn: string): void {
    this.taskPoll.invalidate(arn);
    this.instancePoll.invalidate(arn);
    this.tableStats.delete(arn);
  }

  private async describeTasksByArn(arns: string[]): Promise<Map<string, TaskSnapshot>> {
    const found = new Map<string, TaskSnapshot>();
    for (let i = 0; i < arns.length; i += 100) {
      const chunk = arns.slice(i, i + 100);
      try {
        const result = await this.call('DescribeReplicationTasks', chunk.join(', '), (c) =>
          c.send(
            new DescribeReplicationTasksCommand({
              Filters: [{ Name: 'replication-task-arn', Values: chunk }],
              MaxRecords: 100,
              WithoutSettings: true,
            }),
          ),
        );
        for (const task of result.ReplicationTasks ?? []) found.set(task.ReplicationTaskArn ?? '', toTaskSnapshot(task));
      } catch (error) {
        // DMS answers ResourceNotFoundFault when no task matches: that means "gone", not an error.
        if ((error as ApplicationFailure).type !== Failure.ResourceNotFoundFault) throw error;
      }
    }
    return found;
  }

  private async describeInstancesByArn(arns: string[]): Promise<Map<string, InstanceSnapshot>> {
    const found = new Map<string, InstanceSnapshot>();
    for (let i = 0; i < arns.length; i += 100) {
      const chunk = arns.slice(i, i + 100);
      try {
        const result = await this.call('DescribeReplicationInstances', chunk.join(', '), (c) =>
          c.send(
            new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-arn', Values: chunk }], MaxRecords: 100 }),
          ),
        );
        for (const instance of result.ReplicationInstances ?? [])
          found.set(instance.ReplicationInstanceArn ?? '', toInstanceSnapshot(instance));
      } catch (error) {
        if ((error as ApplicationFailure).type !== Failure.ResourceNotFoundFault) throw error;
      }
    }
    return found;
  }

  /**
   * The statistics of only these tables of the task, read fresh: a `table-name` filter (DescribeTableStatistics,
   * API Reference: "Valid filter names: schema-name | table-name | table-state"; a Filter's Values "can specify one or
   * more values"). How many values one filter may hold is not documented (unverified): at most
   * TABLE_NAMES_PER_FILTER per call. The filter matches the name in any schema, so the schema is matched here.
   */
  async tableStatisticsOf(taskArn: string, tables: TableName[]): Promise<TableStatSnapshot[]> {
    const names = [...new Set(tables.map((t) => t.table))];
    const wanted = new Set(tables.map(formatTableName));
    const all: TableStatSnapshot[] = [];
    for (let i = 0; i < names.length; i += TABLE_NAMES_PER_FILTER) {
      const filters = [{ Name: 'table-name', Values: names.slice(i, i + TABLE_NAMES_PER_FILTER) }];
      all.push(...(await this.fetchTableStatistics(taskArn, filters)));
    }
    return all.filter((s) => wanted.has(formatTableName(s)));
  }

  private async fetchTableStatistics(taskArn: string, filters?: Filter[]): Promise<TableStatSnapshot[]> {
    const all: TableStatSnapshot[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeTableStatistics', taskArn, (c) =>
        c.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn, MaxRecords: 500, Marker: marker, Filters: filters })),
      );
      all.push(...(page.TableStatistics ?? []).map(toTableStat));
      marker = page.Marker;
    } while (marker);
    return all;
  }
}
