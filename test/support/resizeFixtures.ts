import { GetMetricStatisticsCommand, CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  ReplicationInstance,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import {
  createPipeline,
  deletePipeline,
  describeTask,
  dmsClient,
  eventually,
  headerRules,
  selectionMapping,
  TestPipeline,
} from './dmsEmulatorClient';
import type { PipelineConfig } from '../../domain/config';
import type { WorkflowHandle } from '@temporalio/client';
import { decide } from '../../client/runbooks';
import type { RunbookResult } from '../../workflows/engine/runbook';
import { waitForGate, waitForStatus } from './runbooks';
import { mutatingCalls } from './dmsAdmin';
import { createScratchTable, dropScratchTable } from './scratchTables';
import { requireEnv } from './stackEnv';
import { DeepPartial, testConfig } from './testConfig';

/**
 * A replication instance of a test's own (so resizing it never disturbs shop-repl-1), with one running and one
 * stopped full-load-and-cdc task on its own S3 folder, and the FreeStorageSpace metric already in CloudWatch.
 */
export interface ResizeFixture {
  dms: DatabaseMigrationServiceClient;
  pipeline: TestPipeline;
  instance: string;
  runningArn: string;
  idleArn: string;
  tables: string[];
}

export function cloudwatch(): CloudWatchClient {
  return new CloudWatchClient({
    endpoint: requireEnv('AWS_ENDPOINT_URL_CLOUDWATCH'),
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
}

async function startedTask(dms: DatabaseMigrationServiceClient, pipeline: TestPipeline, identifier: string, table: string) {
  const [schema, name] = table.split('.') as [string, string];
  const created = await dms.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: identifier,
      ReplicationInstanceArn: pipeline.instanceArn,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping([[schema, name]], headerRules),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  await eventually(
    () => describeTask(dms, arn),
    (t) => t.Status === 'ready',
    30000,
    `${identifier} ready`,
  );
  await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  await eventually(
    () => describeTask(dms, arn),
    (t) => t.Status === 'running',
    30000,
    `${identifier} running`,
  );
  return arn;
}

export async function createResizeFixture(name: string): Promise<ResizeFixture> {
  const dms = dmsClient();
  const pipeline = await createPipeline(dms, name);
  const tables = [
    await createScratchTable(`${name.replace(/-/g, '_')}_run`, { rows: 200 }),
    await createScratchTable(`${name.replace(/-/g, '_')}_idle`, { rows: 200 }),
  ];
  const runningArn = await startedTask(dms, pipeline, `${name}-run`, tables[0]!);
  const idleArn = await startedTask(dms, pipeline, `${name}-idle`, tables[1]!);
  await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: idleArn }));
  await eventually(
    () => describeTask(dms, idleArn),
    (t) => t.Status === 'stopped',
    30000,
    `${name}-idle stopped`,
  );
  const instance = `${name}-ri`;
  await waitForFreeStorageMetric(instance);
  return { dms, pipeline, instance, runningArn, idleArn, tables };
}

export async function deleteResizeFixture(fixture: ResizeFixture | undefined): Promise<void> {
  if (!fixture) return;
  await eventually(
    () => describeInstance(fixture.dms, fixture.instance),
    (i) => i.ReplicationInstanceStatus === 'available' || i.ReplicationInstanceStatus === 'storage-full',
    60000,
    `${fixture.instance} settled before deletion`,
  ).catch(() => undefined);
  await deletePipeline(fixture.dms, fixture.pipeline);
  for (const table of fixture.tables) await dropScratchTable(table);
}

/**
 * The test configuration with the fixture's instance added (resizable to `allowedClasses`, a 20-GB free-storage floor
 * unless given) and a short settling period; `patch` for the rest (waits, task groups, notifications).
 */
export function resizeTestConfig(
  instance: string,
  allowedClasses: string[],
  patch: DeepPartial<PipelineConfig> = {},
  minFreeStorageGb = 20,
): PipelineConfig {
  const base = testConfig();
  return testConfig({
    ...patch,
    dms: { replicationInstances: [...base.dms.replicationInstances, { identifier: instance, allowedClasses, minFreeStorageGb }] },
    waits: { settleMinutes: 0.1, ...patch.waits },
  });
}

export async function describeInstance(dms: DatabaseMigrationServiceClient, identifier: string): Promise<ReplicationInstance> {
  const result = await dms.send(
    new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: [identifier] }] }),
  );
  return result.ReplicationInstances![0]!;
}

export async function taskStatus(dms: DatabaseMigrationServiceClient, arn: string): Promise<string> {
  return (await describeTask(dms, arn)).Status ?? 'unknown';
}

/**
 * A resize that succeeded as the runbook promises: the instance on the new class, exactly the task that was running
 * resumed (the stopped one left stopped), and each mutating call made once.
 */
export async function expectResizedAndResumed(fixture: ResizeFixture, result: RunbookResult<unknown>, toClass: string): Promise<void> {
  expect(result.outcome).toBe('succeeded');
  expect((await describeInstance(fixture.dms, fixture.instance)).ReplicationInstanceClass).toBe(toClass);
  expect(await taskStatus(fixture.dms, fixture.runningArn)).toBe('running');
  expect(await taskStatus(fixture.dms, fixture.idleArn)).toBe('stopped');
  expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
    'StopReplicationTask:done',
    'ModifyReplicationInstance:done',
    'StartReplicationTask:done',
  ]);
  expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, ModifyReplicationInstance: 1, StartReplicationTask: 1 });
}

/** The emulator publishes every few seconds; a resize refuses to run without a FreeStorageSpace datapoint. */
export async function waitForFreeStorageMetric(instance: string): Promise<void> {
  const cw = cloudwatch();
  await eventually(
    async () => {
      const now = Date.now();
      const result = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/DMS',
          MetricName: 'FreeStorageSpace',
          Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: instance }],
          StartTime: new Date(now - 15 * 60_000),
          EndTime: new Date(now + 60_000),
          Period: 60,
          Statistics: ['Maximum'],
        }),
      );
      return result.Datapoints?.length ?? 0;
    },
    (n) => n > 0,
    30000,
    `FreeStorageSpace of ${instance}`,
  );
  cw.destroy();
}

/**
 * A CDC latency outlier, as CloudWatch would record a task falling behind. It is stamped 10 s ahead, past the
 * test's short settling period, so its one-minute period is the last one the runbook reads even when a minute
 * turns meanwhile (the runbook judges the latency at the end of the period, not its peak), yet before the next
 * test resumes a task.
 */
export async function putLatencyOutlier(instance: string, taskArn: string, seconds: number): Promise<void> {
  const cw = cloudwatch();
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/DMS',
      MetricData: [
        {
          MetricName: 'CDCLatencyTarget',
          Dimensions: [
            { Name: 'ReplicationInstanceIdentifier', Value: instance },
            { Name: 'ReplicationTaskIdentifier', Value: taskArn.split(':').at(-1)! },
          ],
          Unit: 'Seconds',
          Value: seconds,
          Timestamp: new Date(Date.now() + 10_000),
        },
      ],
    }),
  );
  cw.destroy();
}

export async function resumeTask(dms: DatabaseMigrationServiceClient, arn: string): Promise<void> {
  await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' }));
  await eventually(
    () => describeTask(dms, arn),
    (t) => t.Status === 'running',
    30000,
    'task running again',
  );
}

/** A resize approved at its gate and followed until its ModifyReplicationInstance was made: the instance is modifying. */
export async function approvedUntilModifying(handle: WorkflowHandle, reason: string): Promise<void> {
  await waitForGate(handle, 'resize');
  await decide(handle, { gate: 'resize', approver: 'data-platform-lead', reason, decision: 'approve' });
  await waitForStatus(
    handle,
    (s) => s.audit.calls.some((c) => c.operation === 'ModifyReplicationInstance' && c.outcome === 'done'),
    90_000,
  );
}
