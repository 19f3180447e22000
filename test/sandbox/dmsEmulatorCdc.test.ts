import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DeleteEndpointCommand,
  DeleteReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeTableStatisticsCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type TableStatistics,
  waitUntilReplicationTaskDeleted,
  waitUntilReplicationTaskReady,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import type { S3Client } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import {
  admin,
  createPipeline,
  deletePipeline,
  describeTask,
  dmsClient,
  eventually,
  fastWaiter,
  headerRules,
  selectionMapping,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import { fetchParquet, listObjects, readRows, s3 } from '../support/s3Parquet';
import { loadStackEnv, requireEnv } from '../support/stackEnv';
import { SANDBOX_S3_ROLE_ARN } from '../../sandbox/stack/dmsEmulator';

jest.setTimeout(180000);

// AWS's waiters judge the first Describe after a Start; the lag after writes has its own suite.
withoutDescribeLag();

/** CDC from the real binlog: change files with Op and metadata columns, statistics, and the ENUM-reorder bug. */

const SCHEMA = 'dms_emulator_test';
let client: DatabaseMigrationServiceClient;
let storage: S3Client;
let db: mysql.Connection;
let pipeline: TestPipeline;
let bucket: string;
let taskArn: string;
const name = uniqueId('cdc');
const table = `orders_${name.replace(/-/g, '_')}`;

async function tableStats(): Promise<TableStatistics> {
  const result = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn }));
  return result.TableStatistics!.find((t) => t.TableName === table)!;
}

/** Every CDC row written so far (files not named LOAD…), in change-sequence order. */
async function cdcRows(): Promise<Record<string, unknown>[]> {
  const objects = (await listObjects(storage, bucket, `${pipeline.folder}/${SCHEMA}/${table}/`)).filter(
    (o) => !/\/LOAD[0-9A-F]{8}\.parquet$/.test(o.key),
  );
  const rows = (await Promise.all(objects.map(async (o) => readRows(await fetchParquet(storage, bucket, o.key))))).flat();
  return rows.sort((a, b) => String(a.ar_h_change_seq).localeCompare(String(b.ar_h_change_seq)));
}

async function loadRows(): Promise<Record<string, unknown>[]> {
  const objects = (await listObjects(storage, bucket, `${pipeline.folder}/${SCHEMA}/${table}/`)).filter((o) =>
    /\/LOAD[0-9A-F]{8}\.parquet$/.test(o.key),
  );
  return (await Promise.all(objects.map(async (o) => readRows(await fetchParquet(storage, bucket, o.key))))).flat();
}

beforeAll(async () => {
  loadStackEnv();
  bucket = requireEnv('STACK_BUCKET');
  await admin('/clock', 'POST', { speed: 600 });
  client = dmsClient();
  storage = s3();
  db = await mysql.createConnection({
    host: requireEnv('SOURCE_DB_HOST'),
    port: Number(requireEnv('SOURCE_DB_PORT')),
    user: requireEnv('SANDBOX_MYSQL_ADMIN_USER'),
    password: requireEnv('SANDBOX_MYSQL_ADMIN_PASSWORD'),
  });
  await db.query(`CREATE DATABASE IF NOT EXISTS ${SCHEMA}`);
  await db.query(
    `CREATE TABLE ${SCHEMA}.${table} (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, status ENUM('new','paid','shipped') NOT NULL, total DECIMAL(8,2), placed_at DATETIME)`,
  );
  await db.query(
    `INSERT INTO ${SCHEMA}.${table} VALUES (1, 'ada', 'new', 10.00, '2026-06-01 10:00:00'), (2, 'bob', 'paid', 20.50, '2026-06-02 11:00:00')`,
  );
  pipeline = await createPipeline(client, name, { CdcMaxBatchInterval: 60 });
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: name,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping([[SCHEMA, table]], headerRules),
    }),
  );
  taskArn = created.ReplicationTask!.ReplicationTaskArn!;
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'start-replication' }));
  await eventually(tableStats, (t) => t?.TableState === 'Table completed', 60000, 'full load');
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.${table}`);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  await db.end();
  client.destroy();
  storage.destroy();
});

it('replicates inserts, updates and deletes as CDC Parquet files with Op, metadata columns and statistics', async () => {
  const task = await describeTask(client, taskArn);
  expect(task.Status).toBe('running');
  const checkpointBefore = task.RecoveryCheckpoint;
  expect(checkpointBefore).toMatch(/^checkpoint:V1#/);
  expect((await tableStats()).FullLoadRows).toBe(2);

  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (3, 'cyd', 'new', 30.25, '2026-06-03 12:00:00'), (4, 'dee', 'paid', NULL, NULL)`);
  await db.query(`UPDATE ${SCHEMA}.${table} SET status = 'shipped', total = 99.99 WHERE id = 1`);
  await db.query(`DELETE FROM ${SCHEMA}.${table} WHERE id = 2`);

  const stats = await eventually(tableStats, (t) => t.Inserts === 2 && t.Updates === 1 && t.Deletes === 1, 60000, 'CDC statistics');
  expect(stats.Ddls).toBe(0);
  const rows = await eventually(cdcRows, (r) => r.length === 4, 60000, 'CDC files');
  expect(rows.map((r) => [r.Op, r.ar_h_operation, r.id, r.status])).toEqual([
    ['I', 'INSERT', 3, 'new'],
    ['I', 'INSERT', 4, 'paid'],
    ['U', 'UPDATE', 1, 'shipped'],
    ['D', 'DELETE', 2, 'paid'],
  ]);
  // DECIMAL(10,2) is a Parquet DECIMAL (hyparquet reads it as a number); DATETIME a TIMESTAMP.
  expect(rows[0]).toMatchObject({ customer: 'cyd', total: 30.25, placed_at: new Date('2026-06-03T12:00:00Z') });
  expect(rows[1]).toMatchObject({ total: null, placed_at: null });
  expect(rows[2]!.total).toBe(99.99);
  // TimestampColumnName: a STRING column, the commit time as `yyyy-MM-dd HH:mm:ss.SSSSSS`.
  expect(rows[0]!.dms_commit_ts).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
  expect(new Set(rows.map((r) => r.ar_h_change_seq)).size).toBe(4);
  const keys = (await listObjects(storage, bucket, `${pipeline.folder}/${SCHEMA}/${table}/`))
    .map((o) => o.key)
    .filter((k) => !k.includes('LOAD'));
  for (const key of keys) expect(key).toMatch(/\/\d{8}\/\d{8}-\d{10}\.parquet$/);
  const after = await eventually(
    () => describeTask(client, taskArn),
    (t) => t.RecoveryCheckpoint !== checkpointBefore,
  );
  expect(after.RecoveryCheckpoint).toMatch(/^checkpoint:V1#/);
});

it('reproduces the ENUM reorder bug: CDC rows get wrong labels, and ReloadTables (which keeps the definition) rights the LOAD files only', async () => {
  await db.query(`ALTER TABLE ${SCHEMA}.${table} MODIFY status ENUM('shipped','paid','new') NOT NULL`);
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (10, 'eve', 'new', 1.00, NULL)`);
  await eventually(tableStats, (t) => t.Ddls === 1 && t.Inserts === 3, 60000, 'DDL and insert seen');
  const scrambled = await eventually(cdcRows, (r) => r.some((row) => row.id === 10), 60000, 'row 10');
  // 'new' is index 3 after the ALTER; the task still holds ('new','paid','shipped'), so index 3 reads 'shipped'.
  expect(scrambled.find((row) => row.id === 10)!.status).toBe('shipped');

  await client.send(new ReloadTablesCommand({ ReplicationTaskArn: taskArn, TablesToReload: [{ SchemaName: SCHEMA, TableName: table }] }));
  const reloaded = await eventually(tableStats, (t) => t.TableState === 'Table completed' && t.FullLoadReloaded === true, 60000, 'reload');
  expect(reloaded.FullLoadRows).toBe(4);
  const load = await loadRows();
  expect(Object.fromEntries(load.map((row) => [row.id, row.status]))).toEqual({ 1: 'shipped', 3: 'new', 4: 'paid', 10: 'new' });

  // "Reloading tables during a task": DMS retains the previously read table definition, so CDC stays wrong
  // (reload-target re-reads it: dmsEmulatorReloadDefinitions.test.ts).
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (11, 'fay', 'new', 2.00, NULL)`);
  const still = await eventually(cdcRows, (r) => r.some((row) => row.id === 11), 60000, 'row 11');
  expect(still.find((row) => row.id === 11)!.status).toBe('shipped');
});

it('publishes instance and CDC latency metrics to CloudWatch with the task resource id dimension', async () => {
  const cloudWatch = new CloudWatchClient({
    endpoint: requireEnv('AWS_ENDPOINT_URL_CLOUDWATCH'),
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  const resourceId = taskArn.slice(taskArn.lastIndexOf(':') + 1);
  const metrics = await eventually(
    () =>
      cloudWatch
        .send(
          new ListMetricsCommand({ Namespace: 'AWS/DMS', Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: `${name}-ri` }] }),
        )
        .then((r) => r.Metrics ?? []),
    (m) => m.some((x) => x.MetricName === 'CDCLatencySource') && m.some((x) => x.MetricName === 'FreeStorageSpace'),
    30000,
    'metrics',
  );
  const names = new Set(metrics.map((m) => m.MetricName));
  for (const metric of ['FreeStorageSpace', 'CPUUtilization', 'FreeableMemory', 'SwapUsage', 'CDCLatencySource', 'CDCLatencyTarget'])
    expect(names).toContain(metric);
  const latency = metrics.find((m) => m.MetricName === 'CDCLatencyTarget')!;
  expect(latency.Dimensions).toEqual(
    expect.arrayContaining([
      { Name: 'ReplicationInstanceIdentifier', Value: `${name}-ri` },
      { Name: 'ReplicationTaskIdentifier', Value: resourceId },
    ]),
  );
  cloudWatch.destroy();
});

it('starts a cdc task at CdcStartPosition and resumes from its RecoveryCheckpoint without repeating changes', async () => {
  const [status] = await db.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  const startPosition = `${String(status[0]!.File)}:${String(status[0]!.Position)}`;
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (20, 'gus', 'paid', 5.00, NULL)`);
  const folder = `${pipeline.folder}-cdc-only`;
  const target = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: `${name}-cdc-only`,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: {
        BucketName: bucket,
        BucketFolder: folder,
        DataFormat: 'parquet',
        CdcMaxBatchInterval: 60,
        ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN,
      },
    }),
  );
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: `${name}-cdc-only`,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: target.Endpoint!.EndpointArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'cdc',
      TableMappings: selectionMapping([[SCHEMA, table]]),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  const byArn = { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] };
  await waitUntilReplicationTaskReady(fastWaiter(client), byArn);
  await client.send(
    new StartReplicationTaskCommand({
      ReplicationTaskArn: arn,
      StartReplicationTaskType: 'start-replication',
      CdcStartPosition: startPosition,
    }),
  );
  const stats = async () => (await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }))).TableStatistics![0];
  await eventually(stats, (t) => t?.Inserts === 1, 60000, 'row 20 from the start position');
  const files = async () => {
    const objects = await listObjects(storage, bucket, `${folder}/${SCHEMA}/${table}/`);
    return (await Promise.all(objects.map(async (o) => readRows(await fetchParquet(storage, bucket, o.key))))).flat();
  };
  await eventually(files, (rows) => rows.length === 1, 60000, 'first CDC file');

  await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
  await waitUntilReplicationTaskStopped(fastWaiter(client), byArn);
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (21, 'hal', 'new', 6.00, NULL)`);
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' }));
  await eventually(stats, (t) => t?.Inserts === 2, 60000, 'row 21 after resuming');
  const rows = await eventually(files, (r) => r.length === 2, 60000, 'second CDC file');
  expect(rows.map((r) => [r.Op, r.id]).sort()).toEqual([
    ['I', 20],
    ['I', 21],
  ]);
  await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
  await waitUntilReplicationTaskStopped(fastWaiter(client), byArn);
  await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
  await waitUntilReplicationTaskDeleted(fastWaiter(client), byArn);
  await client.send(new DeleteEndpointCommand({ EndpointArn: target.Endpoint!.EndpointArn }));
});
