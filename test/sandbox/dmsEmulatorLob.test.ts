import {
  CreateReplicationTaskCommand,
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
  selectionMapping,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import { fetchParquet, listObjects, readRows, s3 } from '../support/s3Parquet';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(240000);

// Judges each call's effect at once; the lag of Describe after writes has its own suite (dmsEmulatorDescribeLag).
withoutDescribeLag();

/**
 * LOB columns as DMS writes them ("Setting LOB support for source databases in an AWS DMS task"): limited LOB mode cuts
 * values at LobMaxSize KB, in the full load and in CDC alike; full LOB mode writes them whole. Describe returns the
 * whole settings document, DMS's defaults filled in; documented ranges are enforced.
 */

const SCHEMA = 'dms_emulator_test';
let client: DatabaseMigrationServiceClient;
let storage: S3Client;
let db: mysql.Connection;
let pipeline: TestPipeline;
let bucket: string;
const name = uniqueId('lob');
const table = `docs_${name.replace(/-/g, '_')}`;
const LONG = 40_000;

async function startTask(id: string, settings: Record<string, unknown>): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: id,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping(
        [[SCHEMA, table]],
        [
          ...headerRules,
          // Each task writes under a schema folder of its own.
          {
            'rule-type': 'transformation',
            'rule-id': '50',
            'rule-name': 'schema',
            'rule-target': 'schema',
            'object-locator': { 'schema-name': SCHEMA },
            'rule-action': 'rename',
            value: id.replace(/-/g, '_'),
          },
        ],
      ),
      ReplicationTaskSettings: JSON.stringify(settings),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  await eventually(
    () => client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn })).then((r) => r.TableStatistics?.[0]?.TableState),
    (state) => state === 'Table completed',
    120000,
    `${id} full load`,
  );
  return arn;
}

async function rowsOf(id: string, kind: 'load' | 'cdc'): Promise<Record<string, unknown>[]> {
  const objects = (await listObjects(storage, bucket, `${pipeline.folder}/${id.replace(/-/g, '_')}/${table}/`)).filter(
    (o) => /\/LOAD[0-9A-F]{8}\.parquet$/i.test(o.key) === (kind === 'load'),
  );
  return (await Promise.all(objects.map(async (o) => readRows(await fetchParquet(storage, bucket, o.key))))).flat();
}

const lengths = (rows: Record<string, unknown>[]) =>
  Object.fromEntries(rows.map((r) => [String(r.id), [Buffer.byteLength(String(r.body)), Buffer.byteLength(String(r.doc))]]));

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
  await db.query(`CREATE TABLE ${SCHEMA}.${table} (id INT PRIMARY KEY, doc JSON, body LONGTEXT, note VARCHAR(20))`);
  await db.query(
    `INSERT INTO ${SCHEMA}.${table} VALUES (1, JSON_OBJECT('pad', REPEAT('y', ${LONG})), REPEAT('x', ${LONG}), 'long'), (2, '{"a":1}', 'short', 'short')`,
  );
  pipeline = await createPipeline(client, name, { CdcMaxBatchInterval: 60 });
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.${table}`);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  await db.end();
  client.destroy();
  storage.destroy();
});

it('limited LOB mode truncates at LobMaxSize in the full load and in CDC; full LOB mode writes values whole', async () => {
  const limited = await startTask(`${name}-limited`, { TargetMetadata: { LobMaxSize: 32 } });
  await startTask(`${name}-full`, { TargetMetadata: { FullLobMode: true, LimitedSizeLobMode: false } });

  // Full load: the 40,000-byte values are cut to 32 KB; short values and non-LOB columns are untouched.
  expect(lengths(await rowsOf(`${name}-limited`, 'load'))).toEqual({ '1': [32768, 32768], '2': [5, 7] });
  expect(lengths(await rowsOf(`${name}-full`, 'load'))).toEqual({ '1': [LONG, LONG + 11], '2': [5, 7] });
  expect((await rowsOf(`${name}-limited`, 'load')).find((r) => r.id === 1)!.note).toBe('long');

  // CDC: the same cut for a long value written while the task runs.
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (3, '{"b":2}', REPEAT('z', 50000), 'cdc')`);
  const limitedCdc = await eventually(
    () => rowsOf(`${name}-limited`, 'cdc'),
    (r) => r.length === 1,
    90000,
    'limited CDC file',
  );
  const fullCdc = await eventually(
    () => rowsOf(`${name}-full`, 'cdc'),
    (r) => r.length === 1,
    90000,
    'full CDC file',
  );
  expect(lengths(limitedCdc)).toEqual({ '3': [32768, 7] });
  expect(lengths(fullCdc)).toEqual({ '3': [50000, 7] });

  // Describe returns the whole document: what was given over DMS's defaults.
  const settings = JSON.parse((await describeTask(client, limited)).ReplicationTaskSettings!) as Record<string, Record<string, unknown>>;
  expect(settings.TargetMetadata).toMatchObject({ SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: 32 });
  expect(settings.Logging).toEqual({ EnableLogging: false, CloudWatchLogGroup: null, CloudWatchLogStream: null });
  expect(settings.ErrorBehavior).toMatchObject({ TableErrorPolicy: 'SUSPEND_TABLE' });
  expect(settings.FullLoadSettings).toMatchObject({ TargetTablePrepMode: 'DROP_AND_CREATE' });
});

it('refuses settings outside their documented ranges with InvalidParameterValueException', async () => {
  const create = (settings: unknown) =>
    client.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: `${name}-bad`,
        SourceEndpointArn: pipeline.sourceArn,
        TargetEndpointArn: pipeline.targetArn,
        ReplicationInstanceArn: pipeline.instanceArn,
        MigrationType: 'full-load',
        TableMappings: selectionMapping([[SCHEMA, table]]),
        ReplicationTaskSettings: JSON.stringify(settings),
      }),
    );
  await expect(create({ TargetMetadata: { LobMaxSize: 200000 } })).rejects.toMatchObject({
    name: 'InvalidParameterValueException',
    message: expect.stringMatching(/TargetMetadata\.LobMaxSize/),
  });
  await expect(create({ ErrorBehavior: { TableErrorPolicy: 'IGNORE' } })).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  await expect(create({ Logging: { EnableLogging: 'yes' } })).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  // DMS names a logging task's log group and stream; a document copied from Describe is refused on create.
  await expect(create({ Logging: { EnableLogging: true, CloudWatchLogGroup: 'dms-tasks-x' } })).rejects.toMatchObject({
    name: 'InvalidParameterValueException',
    message: 'Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create.',
  });
  const logging = await create({ Logging: { EnableLogging: true } });
  const described = JSON.parse((await describeTask(client, logging.ReplicationTask!.ReplicationTaskArn!)).ReplicationTaskSettings!) as {
    Logging: Record<string, unknown>;
  };
  expect(described.Logging).toEqual({
    EnableLogging: true,
    CloudWatchLogGroup: `dms-tasks-${name}-ri`,
    CloudWatchLogStream: `dms-task-${logging.ReplicationTask!.ReplicationTaskArn!.split(':').pop()}`,
  });
});
