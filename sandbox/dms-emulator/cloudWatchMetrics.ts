import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { EmulatorContext } from './emulatorContext';
import { instanceClassSpec } from './instanceClasses';
import { resourceIdOf } from './arns';

/**
 * Publishes AWS/DMS metrics to CloudWatch (moto) every few real seconds: instance FreeStorageSpace,
 * CPUUtilization, FreeableMemory, SwapUsage, and CDCLatencySource/Target for tasks replicating changes.
 * Values derive from state so they are stable: storage used grows with data loaded, CPU with active work.
 */
export class MetricsPublisher {
  private timer?: NodeJS.Timeout;
  private readonly client?: CloudWatchClient;

  constructor(private readonly ctx: EmulatorContext) {
    if (ctx.settings.cloudWatchEndpoint) {
      this.client = new CloudWatchClient({
        region: ctx.settings.region,
        endpoint: ctx.settings.cloudWatchEndpoint,
        credentials: {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'sandbox',
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'sandbox',
        },
      });
    }
  }

  start(): void {
    if (!this.client) return;
    this.timer = setInterval(() => {
      this.publish().catch((error: Error) => console.error(`[dms-emulator] CloudWatch publication failed: ${error.message}`));
    }, this.ctx.settings.metricsIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  data(): MetricDatum[] {
    const ctx = this.ctx;
    const timestamp = new Date();
    const data: MetricDatum[] = [];
    for (const instance of ctx.state.instances) {
      if (instance.status === 'creating' || instance.status === 'deleting') continue;
      const spec = instanceClassSpec(instance.instanceClass) ?? { vcpu: 2, memoryGiB: 4 };
      const tasks = ctx.state.tasks.filter((t) => t.instanceArn === instance.arn && t.status === 'running');
      const loading = tasks.filter((t) => t.run?.fullLoad && t.run.fullLoadFinishAt === undefined).length;
      const replicating = tasks.length - loading;
      const total = instance.allocatedStorage * 1024 ** 3;
      const used = 2 * 1024 ** 3 + instance.bytesUsed * 4;
      const free = instance.status === 'storage-full' ? 0 : Math.max(0, total - used);
      const cpu = Math.min(98, 3 + (40 * loading + 8 * replicating) / (spec.vcpu / 2));
      const memoryUsed = (0.6 + 0.4 * loading + 0.15 * replicating) * 1024 ** 3;
      const dimensions = [{ Name: 'ReplicationInstanceIdentifier', Value: instance.identifier }];
      data.push(
        { MetricName: 'FreeStorageSpace', Dimensions: dimensions, Unit: 'Bytes', Value: free, Timestamp: timestamp },
        { MetricName: 'CPUUtilization', Dimensions: dimensions, Unit: 'Percent', Value: Number(cpu.toFixed(1)), Timestamp: timestamp },
        {
          MetricName: 'FreeableMemory',
          Dimensions: dimensions,
          Unit: 'Bytes',
          Value: Math.max(0, spec.memoryGiB * 1024 ** 3 - memoryUsed),
          Timestamp: timestamp,
        },
        {
          MetricName: 'SwapUsage',
          Dimensions: dimensions,
          Unit: 'Bytes',
          Value: memoryUsed > spec.memoryGiB * 1024 ** 3 ? 256 * 1024 ** 2 : 0,
          Timestamp: timestamp,
        },
      );
      for (const task of tasks) {
        if (task.migrationType === 'full-load' || !task.cdc) continue;
        const taskDimensions = [...dimensions, { Name: 'ReplicationTaskIdentifier', Value: resourceIdOf(task.arn) }];
        // Source latency: how far the reader lags (one poll); target: plus the age of the oldest unwritten batch.
        const source = Math.max(1, ctx.settings.cdcPollMs / 1000);
        const oldest = Math.min(...Object.values(task.cdc.buffers).map((b) => b.firstAt), ctx.now());
        const target = source + Math.max(0, (ctx.now() - oldest) / 1000);
        data.push(
          {
            MetricName: 'CDCLatencySource',
            Dimensions: taskDimensions,
            Unit: 'Seconds',
            Value: Number(source.toFixed(1)),
            Timestamp: timestamp,
          },
          {
            MetricName: 'CDCLatencyTarget',
            Dimensions: taskDimensions,
            Unit: 'Seconds',
            Value: Number(target.toFixed(1)),
            Timestamp: timestamp,
          },
        );
      }
    }
    return data;
  }

  private async publish(): Promise<void> {
    const data = this.data();
    for (let i = 0; i < data.length; i += 20) {
      await this.client!.send(new PutMetricDataCommand({ Namespace: 'AWS/DMS', MetricData: data.slice(i, i + 20) }));
    }
  }
}
