import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DeleteReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationTasksCommand,
  DescribeReplicationInstancesCommand,
} from '@aws-sdk/client-database-migration-service';
import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import { newTaskMapping } from '../../domain/tableMappings';
import { toTableName } from '../../domain/tableName';
import { startFaultProxy } from '../../sandbox/faultProxy';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import { clearDmsFaults, dmsCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { describeTask, eventually } from '../support/dmsEmulatorClient';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker } from '../support/testWorker';

/** Transient errors are retried until the runbook completes; permanent ones fail it at once with the message. */

const tables: string[] = [];
const groupOf = (table: string) => scratchGroup(`g-${table.split('.')[1]}`, [table]);
const configFor = (...ts: string[]) => testConfig({ taskGroups: [...testConfig().taskGroups, ...ts.map(groupOf)] });

async function scratch(prefix: string): Promise<string> {
  const table = await createScratchTable(uniqueName(prefix), { rows: 600 });
  tables.push(table);
  return table;
}

afterAll(async () => {
  await clearDmsFaults();
  for (const t of tables) await dropScratchTable(t);
});

async function onboardApproved(tw: Awaited<ReturnType<typeof startTestWorker>>, table: string) {
  const handle = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'apply-mapping', 120000);
  await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'faults', decision: 'approve' });
  return handle;
}

test('transient 500s from the DMS emulator and from S3 are retried: the runbook completes', async () => {
  const table = await scratch('tr');
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_S3!, 3);
  const realS3 = process.env.AWS_ENDPOINT_URL_S3;
  process.env.AWS_ENDPOINT_URL_S3 = proxy.url;
  // The SDK reads the endpoint variable when it sends, so it stays pointed at the proxy for the whole test.
  const tw = await startTestWorker(configFor(table));
  await setDmsFaults({ transientErrorRate: 0.3 });
  try {
    await resetDmsCalls();
    const result = await (await onboardApproved(tw, table)).result();
    expect(result.outcome).toBe('succeeded');
    expect((result.report as OnboardTableReport).verification).toMatchObject({ sourceRows: 600, parquetRows: 600, matches: true });
    expect(proxy.injected).toBeGreaterThan(0);
    expect(proxy.forwarded).toBeGreaterThan(proxy.injected);
    expect((await dmsCalls()).totals.all).toBeGreaterThan(0);
  } finally {
    process.env.AWS_ENDPOINT_URL_S3 = realS3;
    await clearDmsFaults();
    await tw.stop();
    await proxy.close();
  }
});

test('AccessDeniedFault fails the runbook at once, naming the permission, without retrying the call', async () => {
  const table = await scratch('ad');
  const tw = await startTestWorker(configFor(table));
  try {
    await setDmsFaults({ accessDenied: ['CreateReplicationTask'] });
    await resetDmsCalls();
    const handle = await onboardApproved(tw, table);
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause?.message).toContain('dms:CreateReplicationTask was denied to the worker');
    expect((await dmsCalls()).operations.CreateReplicationTask?.count).toBe(1);
    const failed = (await handle.fetchHistory()).events!.find((e) => e.activityTaskFailedEventAttributes);
    expect(failed).toBeDefined();
  } finally {
    await clearDmsFaults();
    await tw.stop();
  }
});

test('ResourceNotFoundFault (a task deleted behind the runbook) fails it at once with the task named', async () => {
  const table = await scratch('nf');
  const group = groupOf(table);
  const dms = new DatabaseMigrationServiceClient({});
  const instance = (
    await dms.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: ['shop-repl-1'] }] }))
  ).ReplicationInstances![0]!;
  const endpoints = (await dms.send(new DescribeEndpointsCommand({}))).Endpoints!;
  const created = await dms.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: group.taskIdentifier,
      ReplicationInstanceArn: instance.ReplicationInstanceArn,
      SourceEndpointArn: endpoints.find((e) => e.EndpointIdentifier === 'shop-source')!.EndpointArn,
      TargetEndpointArn: endpoints.find((e) => e.EndpointIdentifier === 'shop-lake-s3')!.EndpointArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: JSON.stringify(newTaskMapping(toTableName('shop.orders'))),
    }),
  );
  // The runbook must plan with the task in view (Describe may not show a task just created: describeLag).
  await eventually(
    () => describeTask(dms, created.ReplicationTask!.ReplicationTaskArn!),
    (t) => t.Status === 'ready',
    60000,
    'the task created behind the runbook to show',
  );
  const tw = await startTestWorker(configFor(table));
  try {
    const handle = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
    await waitForGate(handle, 'apply-mapping', 120000);
    await dms.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: created.ReplicationTask!.ReplicationTaskArn }));
    for (let gone = false; !gone; await new Promise((r) => setTimeout(r, 250))) {
      gone = await dms
        .send(
          new DescribeReplicationTasksCommand({
            Filters: [{ Name: 'replication-task-arn', Values: [created.ReplicationTask!.ReplicationTaskArn!] }],
          }),
        )
        .then(
          () => false,
          () => true,
        );
    }
    await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause?.message).toContain(created.ReplicationTask!.ReplicationTaskArn!);
    expect(error.cause?.message).toMatch(/does not exist|ResourceNotFoundFault/);
  } finally {
    await tw.stop();
    dms.destroy();
  }
});
