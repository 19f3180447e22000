import { CloudWatchClient, GetMetricStatisticsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { requireEnv } from './stackEnv';

/** CloudWatch (moto) as a test sees it: put AWS/DMS datapoints, and wait until the emulator's have arrived. */
export function cloudwatch(): CloudWatchClient {
  return new CloudWatchClient({
    endpoint: requireEnv('AWS_ENDPOINT_URL_CLOUDWATCH'),
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
}

export function taskDimensions(instance: string, taskResourceId: string) {
  return { ReplicationInstanceIdentifier: instance, ReplicationTaskIdentifier: taskResourceId };
}

export async function putDmsMetric(metric: string, dimensions: Record<string, string>, value: number, at = new Date()): Promise<void> {
  await cloudwatch().send(
    new PutMetricDataCommand({
      Namespace: 'AWS/DMS',
      MetricData: [
        {
          MetricName: metric,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
          Unit: 'Seconds',
          Value: value,
          Timestamp: at,
        },
      ],
    }),
  );
}

/** Resolves once CloudWatch holds at least one datapoint of the metric in the last `minutes`. */
export async function waitForDatapoint(metric: string, dimensions: Record<string, string>, minutes = 15, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await cloudwatch().send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/DMS',
        MetricName: metric,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        StartTime: new Date(Date.now() - minutes * 60_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    if (result.Datapoints?.length) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`no ${metric} datapoint for ${JSON.stringify(dimensions)} within ${timeoutMs} ms`);
}
