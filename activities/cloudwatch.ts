import { GetMetricStatisticsCommand, Statistic } from '@aws-sdk/client-cloudwatch';
import type { ActivityDeps } from './deps';

export interface MetricQuery {
  metric: string;
  /** AWS/DMS dimensions: ReplicationInstanceIdentifier for instance metrics; plus ReplicationTaskIdentifier (the ARN's resource id) for task metrics. */
  dimensions: Record<string, string>;
  minutes: number;
  statistic?: Statistic;
  periodSeconds?: number;
}

export interface MetricSeries {
  metric: string;
  dimensions: Record<string, string>;
  points: Array<{ at: string; value: number }>;
  latest?: number;
  max?: number;
}

/** Reads AWS/DMS metrics from CloudWatch: the latency, storage and load figures runbooks and the doctor judge. */
export function cloudwatchActivities(deps: ActivityDeps) {
  return {
    async readDmsMetrics(input: { queries: MetricQuery[] }): Promise<MetricSeries[]> {
      const now = Date.now();
      return Promise.all(
        input.queries.map(async (q) => {
          const statistic = q.statistic ?? 'Maximum';
          const result = await deps.cloudwatch.send(
            new GetMetricStatisticsCommand({
              Namespace: 'AWS/DMS',
              MetricName: q.metric,
              Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
              StartTime: new Date(now - q.minutes * 60_000),
              EndTime: new Date(now + 60_000),
              Period: q.periodSeconds ?? 60,
              Statistics: [statistic],
            }),
          );
          const points = (result.Datapoints ?? [])
            .map((p) => ({ at: (p.Timestamp ?? new Date(0)).toISOString(), value: Number(p[statistic] ?? 0) }))
            .sort((a, b) => a.at.localeCompare(b.at));
          return {
            metric: q.metric,
            dimensions: q.dimensions,
            points,
            latest: points.at(-1)?.value,
            max: points.length ? Math.max(...points.map((p) => p.value)) : undefined,
          };
        }),
      );
    },
  };
}

/** The CloudWatch dimension DMS uses for a task: the resource id at the end of its ARN, not its identifier. */
export function taskResourceId(taskArn: string): string {
  return taskArn.split(':').at(-1) ?? taskArn;
}
