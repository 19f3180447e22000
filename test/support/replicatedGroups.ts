import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  DeleteEndpointCommand,
  CreateReplicationTaskCommand,
  DeleteReplicationInstanceCommand,
  DeleteReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  waitUntilReplicationInstanceAvailable,
  waitUntilReplicationTaskDeleted,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import type { TaskGroupConfig } from '../../domain/config';
import { newTaskMapping } from '../../domain/tableMappings';
import { toTableName } from '../../domain/tableName';
import { sandboxS3Settings } from '../../sandbox/stack/dmsEmulator';
import { describeTask, dmsClient, eventually, fastWaiter } from './dmsEmulatorClient';
import { scratchGroup } from './runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from './scratchTables';
import { requireEnv } from './stackEnv';

/**
 * Replicated scratch pipelines for tests that look at a pipeline from outside (the doctor): instances of their
 * own, and task groups whose task replicates one scratch table through the sandbox endpoints into `dms/`.
 */

export interface ReplicatedGroup {
  group: TaskGroupConfig;
  table: string;
  taskArn: string;
  /** The resource id at the end of the ARN: CloudWatch's ReplicationTaskIdentifier. */
  taskResourceId: string;
}

const client = dmsClient();
const created = { tasks: [] as string[], instances: [] as string[], endpoints: [] as string[], tables: [] as string[] };

async function endpointArn(identifier: string): Promise<string> {
  const found = await client.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [identifier] }] }));
  return found.Endpoints![0]!.EndpointArn!;
}

/** A replication instance of the test's own; `allowedClasses` go to the pipeline config entry returned. */
export async function createTestInstance(prefix: string, instanceClass: string, allowedClasses: string[], allocatedStorageGb = 50) {
  const identifier = uniqueName(prefix).toLowerCase();
  const result = await client.send(
    new CreateReplicationInstanceCommand({
      ReplicationInstanceIdentifier: identifier,
      ReplicationInstanceClass: instanceClass,
      AllocatedStorage: allocatedStorageGb,
    }),
  );
  const arn = result.ReplicationInstance!.ReplicationInstanceArn!;
  created.instances.push(arn);
  await waitUntilReplicationInstanceAvailable(fastWaiter(client), { Filters: [{ Name: 'replication-instance-arn', Values: [arn] }] });
  return { arn, config: { identifier, allowedClasses, minFreeStorageGb: 20 } };
}

/** An S3 target endpoint of the test's own, writing into the pipeline's bucket and folder with the given settings. */
export async function createTestS3Endpoint(prefix: string, settings: Record<string, unknown>) {
  const identifier = uniqueName(prefix).toLowerCase();
  const result = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: identifier,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: {
        ...sandboxS3Settings(requireEnv('STACK_BUCKET'), 'dms'),
        ...settings,
      },
    }),
  );
  created.endpoints.push(result.Endpoint!.EndpointArn!);
  return { identifier, arn: result.Endpoint!.EndpointArn! };
}

/**
 * A scratch table with `rows` rows, a group for it on `instance`, and its full-load-and-cdc task started.
 * Resolves once the table is `Table completed` (or the task failed, when `expectFailure`).
 */
export async function replicatedGroup(
  prefix: string,
  instance: { arn: string; config: { identifier: string } },
  options: {
    rows?: number;
    expectFailure?: boolean;
    /** An endpoint from createTestS3Endpoint instead of the sandbox's shop-lake-s3. */
    targetEndpoint?: { identifier: string; arn: string };
    beforeStart?: (taskIdentifier: string, table: string) => Promise<unknown>;
  } = {},
): Promise<ReplicatedGroup> {
  const name = uniqueName(prefix);
  const table = await createScratchTable(name, { rows: options.rows ?? 1000 });
  created.tables.push(table);
  const group = scratchGroup(`g-${name}`, [table], {
    instance: instance.config.identifier,
    ...(options.targetEndpoint ? { targetEndpoint: options.targetEndpoint.identifier } : {}),
  });
  const task = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: group.taskIdentifier,
      ReplicationInstanceArn: instance.arn,
      SourceEndpointArn: await endpointArn('shop-source'),
      TargetEndpointArn: options.targetEndpoint?.arn ?? (await endpointArn('shop-lake-s3')),
      MigrationType: 'full-load-and-cdc',
      TableMappings: JSON.stringify(newTaskMapping(toTableName(table))),
    }),
  );
  const taskArn = task.ReplicationTask!.ReplicationTaskArn!;
  created.tasks.push(taskArn);
  await eventually(
    () => describeTask(client, taskArn),
    (t) => t.Status === 'ready',
    60000,
    `task ${group.taskIdentifier} ready`,
  );
  await options.beforeStart?.(group.taskIdentifier, table);
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'start-replication' }));
  if (options.expectFailure) {
    await eventually(
      () => describeTask(client, taskArn),
      (t) => t.Status === 'failed',
      60000,
      `task ${group.taskIdentifier} failed`,
    );
  } else {
    await eventually(
      () =>
        client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn })).then((r) => r.TableStatistics?.[0]?.TableState),
      (state) => state === 'Table completed' || state === 'Table error',
      60000,
      `${table} loaded by ${group.taskIdentifier}`,
    );
  }
  return { group, table, taskArn, taskResourceId: taskArn.split(':').at(-1)! };
}

export async function stopTask(taskArn: string): Promise<void> {
  await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
  await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] });
}

/** Deletes every task, instance and scratch table this module created. */
export async function deleteReplicatedGroups(): Promise<void> {
  for (const arn of created.tasks.splice(0)) {
    const byArn = { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] };
    const task = await eventually(
      () => describeTask(client, arn),
      (t) => !['creating', 'starting', 'stopping', 'modifying'].includes(t.Status ?? ''),
    ).catch(() => undefined);
    if (!task) continue;
    if (task.Status === 'running') await stopTask(arn);
    await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
    await waitUntilReplicationTaskDeleted(fastWaiter(client), byArn);
  }
  for (const arn of created.instances.splice(0)) {
    const remaining = await client
      .send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-instance-arn', Values: [arn] }] }))
      .then((r) => r.ReplicationTasks?.length ?? 0)
      .catch(() => 0);
    if (remaining === 0) await client.send(new DeleteReplicationInstanceCommand({ ReplicationInstanceArn: arn }));
  }
  for (const arn of created.endpoints.splice(0)) await client.send(new DeleteEndpointCommand({ EndpointArn: arn })).catch(() => undefined);
  for (const table of created.tables.splice(0)) await dropScratchTable(table);
}
