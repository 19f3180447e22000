import { heartbeat, ApplicationFailure } from '@temporalio/activity';
import type { TaskGroupConfig } from '../../domain/config';
import type { InstanceSnapshot, TableStatSnapshot, TaskSnapshot } from '../../domain/dmsStates';
import { cloudwatchActivities, MetricSeries, taskResourceId } from '../cloudwatch';
import type { ActivityDeps } from '../deps';
import { dmsFactActivities } from '../dmsFacts';
import { Failure } from '../../contracts/failures';

/** What every doctor check receives: the groups in scope and the report's time (for suggested workflow ids). */
export interface DoctorCheckInput {
  taskGroups: string[];
  at: string;
  metricsWindowMinutes?: number;
}

/** Resolves group names against the worker's configuration; an unknown name is an input error, never skipped. */
export function scopedGroups(groups: TaskGroupConfig[], names: string[]): TaskGroupConfig[] {
  const unknown = names.filter((n) => !groups.some((g) => g.name === n));
  if (unknown.length)
    throw ApplicationFailure.nonRetryable(
      `invalid pipelineDoctor input: taskGroups: unknown group(s) ${unknown.join(', ')} (known: ${groups.map((g) => g.name).join(', ')})`,
      Failure.InvalidInput,
    );
  return groups.filter((g) => names.includes(g.name));
}

export const tableLabel = (s: { schema: string; table: string }) => `${s.schema}.${s.table}`;

/** A group's first table without wildcards, to suggest onboarding it. */
export function concreteTable(group: TaskGroupConfig): string | undefined {
  return group.tables.find((t) => !t.includes('%'));
}

/** Read-only helpers the checks share: tasks, statistics, instances (cached per check run) and CloudWatch series. */
export function doctorFacts(deps: ActivityDeps) {
  const dms = dmsFactActivities(deps);
  const cloudwatch = cloudwatchActivities(deps);
  const instances = new Map<string, Promise<InstanceSnapshot | null>>();
  return {
    groups: (names: string[]) => scopedGroups(deps.config.taskGroups, names),

    tasks: (groups: TaskGroupConfig[]) => dms.findTasks({ identifiers: groups.map((g) => g.taskIdentifier) }),

    /** A task's table statistics; none for a task that has never run or is gone. */
    async stats(task: TaskSnapshot): Promise<TableStatSnapshot[]> {
      try {
        return await deps.dmsGateway.tableStatistics(task.arn, 0);
      } catch (error) {
        if (
          (error as ApplicationFailure).type === Failure.ResourceNotFoundFault ||
          (error as ApplicationFailure).type === Failure.InvalidResourceStateFault
        )
          return [];
        throw error;
      }
    },

    instance(identifier: string): Promise<InstanceSnapshot | null> {
      let found = instances.get(identifier);
      if (!found) {
        found = dms.findInstance({ identifier });
        instances.set(identifier, found);
      }
      return found;
    },

    instanceConfig: (identifier: string) => deps.config.dms.replicationInstances.find((i) => i.identifier === identifier),

    /** CloudWatch's dimension values: the instance's name as DMS holds it, the task's ARN resource id. */
    dimensions(instance: string, task?: TaskSnapshot): Record<string, string> {
      return {
        ReplicationInstanceIdentifier: instance.toLowerCase(),
        ...(task ? { ReplicationTaskIdentifier: taskResourceId(task.arn) } : {}),
      };
    },

    metrics: (queries: Parameters<ReturnType<typeof cloudwatchActivities>['readDmsMetrics']>[0]['queries']): Promise<MetricSeries[]> =>
      cloudwatch.readDmsMetrics({ queries }),

    endpoint: (identifier: string) => dms.findEndpoint({ identifier }),

    /** A source read whose failure names the source, where it is, and what was being read. */
    async fromSource<T>(source: string, what: string, read: () => Promise<T>): Promise<T> {
      try {
        return await read();
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        const config = deps.config.sources.find((s) => s.name === source);
        throw ApplicationFailure.create({
          type: Failure.SourceUnavailable,
          message: `${what} on source ${source} (${config ? `${config.host}:${config.port}` : 'not configured'}) failed: ${(error as Error).message}; check that the source is up and the worker can reach it`,
        });
      }
    },

    /** Safe outside an activity (scripts, benchmarks call the same code). */
    beat(details: unknown): void {
      try {
        heartbeat(details);
      } catch {
        /* not in an activity context */
      }
    },
  };
}

export type DoctorFacts = ReturnType<typeof doctorFacts>;

/** Periods CloudWatch accepts for a window: at most 1,440 datapoints, in whole minutes. */
export function periodFor(minutes: number): number {
  return Math.max(60, Math.ceil((minutes * 60) / 1440 / 60) * 60);
}
