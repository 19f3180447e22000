import {
  CreateReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeTableStatisticsCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type TableStatistics,
  waitUntilReplicationTaskDeleted,
  waitUntilReplicationTaskReady,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import type { TaskGroupConfig } from '../../domain/config';
import { sandboxTableMappings } from '../../sandbox/stack/dmsEmulator';
import { deleteWhenSettled, describeTask, dmsClient, eventually, fastWaiter } from './dmsEmulatorClient';
import { listObjects, s3 } from './s3Parquet';
import { requireEnv } from './stackEnv';

/**
 * A running full-load-and-cdc task of a test's own for its scratch tables, on the sandbox instance and endpoints
 * (so its files land under the pipeline's folder, `dms/<schema>/<table>/`), as a replicated table looks in production.
 */
/** `tableMappings` replaces the sandbox's mapping (e.g. one without the `$AR_H_*` columns). */
export async function replicateGroup(group: TaskGroupConfig, options: { tableMappings?: string } = {}): Promise<string> {
  const client = dmsClient();
  try {
    const instance = (
      await client.send(
        new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: [group.instance] }] }),
      )
    ).ReplicationInstances![0]!;
    const endpoints = (await client.send(new DescribeEndpointsCommand({}))).Endpoints ?? [];
    const arnOf = (id: string) => endpoints.find((e) => e.EndpointIdentifier === id)!.EndpointArn!;
    const created = await client.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: group.taskIdentifier,
        ReplicationInstanceArn: instance.ReplicationInstanceArn,
        SourceEndpointArn: arnOf('shop-source'),
        TargetEndpointArn: arnOf('shop-lake-s3'),
        MigrationType: 'full-load-and-cdc',
        TableMappings: options.tableMappings ?? sandboxTableMappings(group),
      }),
    );
    const arn = created.ReplicationTask!.ReplicationTaskArn!;
    await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
    await eventually(
      () => tableStatistics(arn),
      (stats) => stats.length === group.tables.length && stats.every((s) => s.TableState === 'Table completed'),
      90000,
      `full load of ${group.tables.join(', ')}`,
    );
    return arn;
  } finally {
    client.destroy();
  }
}

export async function tableStatistics(taskArn: string): Promise<TableStatistics[]> {
  const client = dmsClient();
  try {
    return (await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn }))).TableStatistics ?? [];
  } finally {
    client.destroy();
  }
}

export async function stopTask(taskArn: string): Promise<void> {
  const client = dmsClient();
  try {
    await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
    await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] });
  } finally {
    client.destroy();
  }
}

/** Stops and deletes the task, so no CDC poller stays behind on the shared emulator. */
export async function removeTask(taskArn: string | undefined): Promise<void> {
  if (!taskArn) return;
  const client = dmsClient();
  const byArn = { Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] };
  try {
    const task = await eventually(
      () => describeTask(client, taskArn).catch(() => undefined),
      (t) => !t || !['creating', 'starting', 'stopping', 'modifying'].includes(t.Status ?? ''),
      90000,
      'task settled',
    );
    if (!task) return;
    if (task.Status === 'running') {
      await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
      await waitUntilReplicationTaskStopped(fastWaiter(client), byArn);
    }
    if (task.Status !== 'deleting') await deleteWhenSettled(client, taskArn);
    await waitUntilReplicationTaskDeleted(fastWaiter(client), byArn);
  } finally {
    client.destroy();
  }
}

/** Keys and sizes under a prefix of the stack's bucket, sorted by key. */
/** Waits until a table's prefix (`dms/<schema>/<table>/`) holds a CDC file, after a change; answers its objects. */
export async function waitForCdcFile(table: string, what = 'a CDC file'): Promise<Array<{ key: string; size: number }>> {
  return eventually(
    () => objectsUnder(`dms/${table.replace('.', '/')}/`),
    (objects) => objects.some((o) => !o.key.includes('/LOAD')),
    60000,
    what,
  );
}

export async function objectsUnder(prefix: string): Promise<Array<{ key: string; size: number }>> {
  const client = s3();
  try {
    return await listObjects(client, requireEnv('STACK_BUCKET'), prefix);
  } finally {
    client.destroy();
  }
}
