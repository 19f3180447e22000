import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DeleteEndpointCommand,
  DatabaseMigrationServiceClient,
  DescribeTableStatisticsCommand,
  StartReplicationTaskCommand,
  waitUntilReplicationTaskReady,
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
  type TestPipeline,
  uniqueId,
} from '../support/dmsEmulatorClient';
import { fetchParquet, listObjects, readRows, rowCount, s3 } from '../support/s3Parquet';
import { SANDBOX_S3_ROLE_ARN } from '../../sandbox/stack/dmsEmulator';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(240000);

/** The full-load data plane: what lands in S3, read back with hyparquet, against COUNT(*) on the source. */

let client: DatabaseMigrationServiceClient;
let storage: S3Client;
let source: mysql.Connection;
let pipeline: TestPipeline;
let bucket: string;
const name = uniqueId('load');
const extraEndpoints: string[] = [];

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(sql, params);
  return Number(rows[0]!.n);
}

async function runFullLoad(id: string, targetArn: string, rules: Record<string, unknown>[]): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: id,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load',
      TableMappings: JSON.stringify({ rules }),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  const done = await eventually(
    () => describeTask(client, arn),
    (t) => t.Status === 'stopped' || t.Status === 'failed',
    180000,
    `${id} to finish`,
  );
  expect([done.Status, done.StopReason, done.LastFailureMessage]).toEqual(['stopped', 'Stop Reason FULL_LOAD_ONLY_FINISHED', undefined]);
  return arn;
}

/** Rows per table folder (schema/table under the prefix), from the Parquet files' own metadata. */
async function rowsByTable(prefix: string): Promise<Map<string, { rows: number; keys: string[] }>> {
  const result = new Map<string, { rows: number; keys: string[] }>();
  for (const object of await listObjects(storage, bucket, prefix)) {
    const [schema, table] = object.key.slice(prefix.length).split('/');
    const entry = result.get(`${schema}.${table}`) ?? { rows: 0, keys: [] };
    entry.rows += rowCount(await fetchParquet(storage, bucket, object.key));
    entry.keys.push(object.key);
    result.set(`${schema}.${table}`, entry);
  }
  return result;
}

beforeAll(async () => {
  loadStackEnv();
  bucket = requireEnv('STACK_BUCKET');
  await admin('/clock', 'POST', { speed: 600 });
  client = dmsClient();
  storage = s3();
  source = await mysql.createConnection({
    host: requireEnv('SOURCE_DB_HOST'),
    port: Number(requireEnv('SOURCE_DB_PORT')),
    user: requireEnv('SANDBOX_MYSQL_ADMIN_USER'),
    password: requireEnv('SANDBOX_MYSQL_ADMIN_PASSWORD'),
  });
  pipeline = await createPipeline(client, name);
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  for (const arn of extraEndpoints) await client.send(new DeleteEndpointCommand({ EndpointArn: arn }));
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  await source.end();
  client.destroy();
  storage.destroy();
});

it('loads every selected shop table: row counts equal COUNT(*), metadata columns present, ENUMs as labels', async () => {
  const id = `${name}-shop`;
  const arn = await runFullLoad(id, pipeline.targetArn, [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': 'shop',
      'object-locator': { 'schema-name': 'shop', 'table-name': '%' },
      'rule-action': 'include',
    },
    {
      'rule-type': 'selection',
      'rule-id': '2',
      'rule-name': 'no-audit',
      'object-locator': { 'schema-name': 'shop', 'table-name': 'audit%' },
      'rule-action': 'exclude',
    },
    ...headerRules,
  ]);
  const [tables] = await source.query<mysql.RowDataPacket[]>(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT LIKE 'audit%'",
  );
  const expected = tables.map((row) => String(row.t)).sort();
  expect(expected).toEqual(expect.arrayContaining(['customers', 'orders', 'page_views', 'products']));

  const written = await rowsByTable(`${pipeline.folder}/`);
  expect([...written.keys()].sort()).toEqual(expected.map((t) => `shop.${t}`));
  const statistics = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }));
  for (const table of expected) {
    const sourceRows = await count(`SELECT COUNT(*) AS n FROM shop.\`${table}\``);
    expect({ table, rows: written.get(`shop.${table}`)!.rows }).toEqual({ table, rows: sourceRows });
    const stats = statistics.TableStatistics!.find((t) => t.TableName === table)!;
    expect({ table, rows: stats.FullLoadRows, state: stats.TableState }).toEqual({ table, rows: sourceRows, state: 'Table completed' });
    for (const key of written.get(`shop.${table}`)!.keys)
      expect(key).toMatch(new RegExp(`^${pipeline.folder}/shop/${table}/\\d{8}/LOAD\\d{8}\\.parquet$`));
  }

  const products = await readRows(await fetchParquet(storage, bucket, written.get('shop.products')!.keys[0]!));
  expect(Object.keys(products[0]!)).toEqual([
    'Op',
    'dms_commit_ts',
    'id',
    'sku',
    'name',
    'category',
    'price',
    'ar_h_change_seq',
    'ar_h_operation',
    'ar_h_timestamp',
  ]);
  const [categories] = await source.query<mysql.RowDataPacket[]>('SELECT category, COUNT(*) AS n FROM shop.products GROUP BY category');
  const byLabel = new Map<string, number>();
  for (const row of products) byLabel.set(row.category as string, (byLabel.get(row.category as string) ?? 0) + 1);
  expect(Object.fromEntries(byLabel)).toEqual(Object.fromEntries(categories.map((row) => [String(row.category), Number(row.n)])));
  expect(new Set(products.map((row) => row.Op))).toEqual(new Set(['I']));
  expect(new Set(products.map((row) => row.ar_h_operation))).toEqual(new Set(['INSERT']));
  // TimestampColumnName: a STRING column, the transfer time as `yyyy-MM-dd HH:mm:ss.SSSSSS`.
  expect(products[0]!.dms_commit_ts).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
  const sequences = products.map((row) => row.ar_h_change_seq as string);
  expect(new Set(sequences).size).toBe(sequences.length);
  expect([...sequences].sort()).toEqual(sequences);
  const views = await readRows(await fetchParquet(storage, bucket, written.get('shop.page_views')!.keys[0]!));
  expect(new Set(views.map((row) => row.device))).toEqual(new Set(['desktop', 'mobile', 'tablet']));
});

it('applies source filters (between) and schema/table renames: exactly the rows in range, under the renamed folder', async () => {
  const id = `${name}-backfill`;
  const arn = await runFullLoad(id, pipeline.targetArn, [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': 'orders-june-10-19',
      'object-locator': { 'schema-name': 'shop', 'table-name': 'orders' },
      'rule-action': 'include',
      filters: [
        {
          'filter-type': 'source',
          'column-name': 'order_date',
          'filter-conditions': [{ 'filter-operator': 'between', 'start-value': '2026-06-10', 'end-value': '2026-06-19' }],
        },
        {
          'filter-type': 'source',
          'column-name': 'status',
          'filter-conditions': [
            { 'filter-operator': 'eq', value: 'paid' },
            { 'filter-operator': 'eq', value: 'shipped' },
          ],
        },
      ],
    },
    {
      'rule-type': 'transformation',
      'rule-id': '2',
      'rule-name': 'schema',
      'rule-target': 'schema',
      'object-locator': { 'schema-name': 'shop' },
      'rule-action': 'rename',
      value: 'shop_raw',
    },
    {
      'rule-type': 'transformation',
      'rule-id': '3',
      'rule-name': 'table',
      'rule-target': 'table',
      'object-locator': { 'schema-name': 'shop', 'table-name': 'orders' },
      'rule-action': 'rename',
      value: `orders_${id.replace(/-/g, '_')}`,
    },
  ]);
  const expected = await count("SELECT COUNT(*) AS n FROM shop.orders WHERE order_date BETWEEN ? AND ? AND status IN ('paid', 'shipped')", [
    '2026-06-10',
    '2026-06-19',
  ]);
  expect(expected).toBeGreaterThan(0);
  const prefix = `${pipeline.folder}/shop_raw/orders_${id.replace(/-/g, '_')}/`;
  const keys = (await listObjects(storage, bucket, prefix)).map((o) => o.key);
  expect(keys.length).toBeGreaterThan(0);
  const rows = (await Promise.all(keys.map(async (key) => readRows(await fetchParquet(storage, bucket, key))))).flat();
  expect(rows).toHaveLength(expected);
  for (const row of rows) {
    const day = (row.order_date as Date).toISOString().slice(0, 10);
    expect(day >= '2026-06-10' && day <= '2026-06-19').toBe(true);
    expect(['paid', 'shipped']).toContain(row.status);
  }
  const stats = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }));
  expect(stats.TableStatistics!.map((t) => [t.SchemaName, t.TableName, t.FullLoadRows])).toEqual([['shop', 'orders', expected]]);
});

it('splits full-load files at MaxFileSize', async () => {
  const folder = `tests/${name}-split`;
  const target = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: `${name}-split-s3`,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: {
        BucketName: bucket,
        BucketFolder: folder,
        DataFormat: 'parquet',
        MaxFileSize: 32,
        ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN,
      },
    }),
  );
  extraEndpoints.push(target.Endpoint!.EndpointArn!);
  await runFullLoad(`${name}-split`, target.Endpoint!.EndpointArn!, [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': 'items',
      'object-locator': { 'schema-name': 'shop', 'table-name': 'order_items' },
      'rule-action': 'include',
    },
  ]);
  const objects = await listObjects(storage, bucket, `${folder}/shop/order_items/`);
  // More than 16 files: the counter passes LOAD00000009, LOAD0000000F and LOAD00000010.
  expect(objects.length).toBeGreaterThan(16);
  // A hexadecimal counter ("Using Amazon S3 as a target for AWS DMS"): LOAD00000009, LOAD0000000A, …, LOAD00000010.
  expect(objects.map((o) => o.key.slice(o.key.lastIndexOf('/') + 1))).toEqual(
    objects.map((_, i) => `LOAD${(i + 1).toString(16).toUpperCase().padStart(8, '0')}.parquet`),
  );
  for (const object of objects) expect(object.size).toBeLessThanOrEqual(32 * 1024);
  let rows = 0;
  for (const object of objects) rows += rowCount(await fetchParquet(storage, bucket, object.key));
  expect(rows).toBe(await count('SELECT COUNT(*) AS n FROM shop.order_items'));
});

it('writes no object for a table without rows ("for each source table that contains records")', async () => {
  const table = `empty_${name.replace(/[^a-z0-9]/gi, '_')}`;
  const folder = `tests/${name}-empty`;
  await source.query(`CREATE TABLE shop.\`${table}\` (id INT PRIMARY KEY, note VARCHAR(20))`);
  try {
    const target = await client.send(
      new CreateEndpointCommand({
        EndpointIdentifier: `${name}-empty-s3`,
        EndpointType: 'target',
        EngineName: 's3',
        S3Settings: { BucketName: bucket, BucketFolder: folder, DataFormat: 'parquet', ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN },
      }),
    );
    extraEndpoints.push(target.Endpoint!.EndpointArn!);
    const arn = await runFullLoad(`${name}-empty`, target.Endpoint!.EndpointArn!, [
      {
        'rule-type': 'selection',
        'rule-id': '1',
        'rule-name': 'empty',
        'object-locator': { 'schema-name': 'shop', 'table-name': table },
        'rule-action': 'include',
      },
    ]);
    expect(await listObjects(storage, bucket, `${folder}/`)).toEqual([]);
    const stats = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }));
    expect(stats.TableStatistics!.map((t) => [t.TableName, t.TableState, t.FullLoadRows])).toEqual([[table, 'Table completed', 0]]);
  } finally {
    await source.query(`DROP TABLE IF EXISTS shop.\`${table}\``);
  }
});
