import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DeleteReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeTableStatisticsCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  waitUntilReplicationTaskDeleted,
  waitUntilReplicationTaskReady,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import type { S3Client } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import { stagingS3Settings } from '../../domain/backfill';
import { SANDBOX_S3_ROLE_ARN } from '../../sandbox/stack/dmsEmulator';
import {
  admin,
  createPipeline,
  deletePipeline,
  dmsClient,
  eventually,
  fastWaiter,
  headerRules,
  selectionMapping,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import { listObjects, s3 } from '../support/s3Parquet';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(240000);
withoutDescribeLag();

/**
 * The S3 layout details of "Using Amazon S3 as a target for AWS DMS" and the S3 endpoint round trip: CDC files in the
 * date folder of the time they are written (in DatePartitionTimezone), a source TRUNCATE removing the table's files
 * (HandleSourceTableTruncated), ServiceAccessRoleArn required, and S3Settings described with DMS's defaults.
 */

const SCHEMA = 'dms_emulator_test';
let client: DatabaseMigrationServiceClient;
let storage: S3Client;
let db: mysql.Connection;
let pipeline: TestPipeline;
let bucket: string;
const name = uniqueId('s3lay');
const table = `layout_${name.replace(/-/g, '_')}`;
const tasks: string[] = [];
const endpoints: string[] = [];

const emulatedNow = () => admin<{ emulatedNow: number }>('/clock').then((c) => c.emulatedNow * 1000);

async function startTask(id: string, targetArn: string, settings?: Record<string, unknown>): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: id,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping([[SCHEMA, table]], headerRules),
      ReplicationTaskSettings: settings ? JSON.stringify(settings) : undefined,
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  tasks.push(arn);
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  await eventually(
    () => client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn })).then((r) => r.TableStatistics?.[0]?.TableState),
    (state) => state === 'Table completed',
    60000,
    `full load of ${table} by ${id}`,
  );
  return arn;
}

async function s3Target(id: string, settings: Record<string, unknown>): Promise<{ arn: string; folder: string }> {
  const folder = `tests/${name}-${id}`;
  const created = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: `${name}-${id}`,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: {
        BucketName: bucket,
        BucketFolder: folder,
        DataFormat: 'parquet',
        ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN,
        ...settings,
      },
    }),
  );
  endpoints.push(created.Endpoint!.EndpointArn!);
  return { arn: created.Endpoint!.EndpointArn!, folder };
}

const cdcKeys = async (folder: string) =>
  (await listObjects(storage, bucket, `${folder}/${SCHEMA}/${table}/`))
    .map((o) => o.key)
    .filter((k) => !/\/LOAD[0-9A-F]{8}\.parquet$/.test(k));

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
  await db.query(`CREATE TABLE ${SCHEMA}.${table} (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)`);
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (1, 'one'), (2, 'two')`);
  pipeline = await createPipeline(client, name);
});

afterAll(async () => {
  await admin('/behaviour', 'POST', { s3Layout: { cdcDateFolder: 'write-time' }, endpoints: { describeS3Defaults: 'filled' } });
  for (const arn of tasks) {
    await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn })).catch(() => undefined);
    await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] }).catch(
      () => undefined,
    );
    await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
    await waitUntilReplicationTaskDeleted(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  }
  for (const arn of endpoints) await client.send(new DeleteEndpointCommand({ EndpointArn: arn }));
  await deletePipeline(client, pipeline);
  await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.${table}`);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  await db.end();
  client.destroy();
  storage.destroy();
});

describe('S3 endpoint round trip', () => {
  it('refuses an S3 endpoint without ServiceAccessRoleArn, naming it', async () => {
    const error = await client
      .send(
        new CreateEndpointCommand({
          EndpointIdentifier: `${name}-norole`,
          EndpointType: 'target',
          EngineName: 's3',
          S3Settings: { BucketName: bucket, DataFormat: 'parquet' },
        }),
      )
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`S3 endpoint ${name}-norole needs ServiceAccessRoleArn`));
  });

  it('describes S3Settings with the defaults filled in, and the backfill staging settings copied from them create an endpoint', async () => {
    const described = (
      await client.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [pipeline.targetArn] }] }))
    ).Endpoints![0]!;
    expect(described.ServiceAccessRoleArn).toBe(SANDBOX_S3_ROLE_ARN);
    expect(described.S3Settings).toMatchObject({
      ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN,
      DataFormat: 'parquet',
      DatePartitionEnabled: true,
      DatePartitionSequence: 'YYYYMMDD',
      CompressionType: 'none',
      EncryptionMode: 'sse-s3',
      EncodingType: 'rle-dictionary',
      CdcMinFileSize: 32000,
      RowGroupLength: 10000,
      PreserveTransactions: false,
    });
    // What backfillPartitions sends back for its staging endpoint: every described key, minus the date partitioning.
    const staging = stagingS3Settings(described.S3Settings as Record<string, unknown>, `tests/${name}-staging`);
    const created = await client.send(
      new CreateEndpointCommand({ EndpointIdentifier: `${name}-staging`, EndpointType: 'target', EngineName: 's3', S3Settings: staging }),
    );
    endpoints.push(created.Endpoint!.EndpointArn!);
    expect(created.Endpoint!.S3Settings).toMatchObject({ BucketFolder: `tests/${name}-staging`, DatePartitionEnabled: false });
    expect(created.Endpoint!.S3Settings!.DatePartitionSequence).toBeUndefined();

    await admin('/behaviour', 'POST', { endpoints: { describeS3Defaults: 'as-given' } });
    const asGiven = (await client.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [pipeline.targetArn] }] })))
      .Endpoints![0]!;
    expect(asGiven.S3Settings!.EncodingType).toBeUndefined();
    await admin('/behaviour', 'POST', { endpoints: { describeS3Defaults: 'filled' } });
  });
});

describe('CDC date folders', () => {
  it('puts a CDC file in the folder of the time it is written, in DatePartitionTimezone (UTC by default)', async () => {
    const kolkata = await s3Target('tz', {
      DatePartitionEnabled: true,
      DatePartitionSequence: 'YYYYMMDDHH',
      DatePartitionDelimiter: 'SLASH',
      DatePartitionTimezone: 'Asia/Kolkata',
      CdcMaxBatchInterval: 60,
    });
    await startTask(`${name}-tz`, kolkata.arn);
    const before = await emulatedNow();
    await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (10, 'ten')`);
    const [key] = await eventually(
      () => cdcKeys(kolkata.folder),
      (k) => k.length > 0,
      60000,
      'a CDC file',
    );
    const after = await emulatedNow();
    const [, folder, file] = /\/(\d{4}\/\d{2}\/\d{2}\/\d{2})\/([^/]+)$/.exec(key!)!;
    // The file is named by its write time in Kolkata (UTC+05:30), and lies in that hour's folder.
    const stamp = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(\d{3})/.exec(file!)!;
    expect(folder).toBe(`${stamp[1]}/${stamp[2]}/${stamp[3]}/${stamp[4]}`);
    const writtenUtc = Date.UTC(+stamp[1]!, +stamp[2]! - 1, +stamp[3]!, +stamp[4]!, +stamp[5]!, +stamp[6]!, +stamp[7]!) - 5.5 * 3600_000;
    expect(writtenUtc).toBeGreaterThanOrEqual(before - 1000);
    expect(writtenUtc).toBeLessThanOrEqual(after + 1000);
  });

  it('under s3Layout.cdcDateFolder commit-time, puts changes in the folder of their commit', async () => {
    await admin('/behaviour', 'POST', { s3Layout: { cdcDateFolder: 'commit-time' } });
    const hourly = await s3Target('commit', {
      DatePartitionEnabled: true,
      DatePartitionSequence: 'YYYYMMDDHH',
      DatePartitionDelimiter: 'SLASH',
      CdcMaxBatchInterval: 60,
    });
    await startTask(`${name}-commit`, hourly.arn);
    const committed = Date.now();
    await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (11, 'eleven')`);
    const [key] = await eventually(
      () => cdcKeys(hourly.folder),
      (k) => k.length > 0,
      60000,
      'a CDC file',
    );
    const d = new Date(committed);
    const hour = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCHours()).padStart(2, '0')}`;
    expect(key).toContain(`/${SCHEMA}/${table}/${hour}/`);
    await admin('/behaviour', 'POST', { s3Layout: { cdcDateFolder: 'write-time' } });
  });
});

describe('source TRUNCATE (HandleSourceTableTruncated)', () => {
  it('removes every file of the table by default; changes after it are written again', async () => {
    const target = await s3Target('trunc', { CdcMaxBatchInterval: 60 });
    const arn = await startTask(`${name}-trunc`, target.arn);
    const prefix = `${target.folder}/${SCHEMA}/${table}/`;
    expect((await listObjects(storage, bucket, prefix)).length).toBeGreaterThan(0);
    await db.query(`TRUNCATE TABLE ${SCHEMA}.${table}`);
    await eventually(
      () => listObjects(storage, bucket, prefix),
      (o) => o.length === 0,
      60000,
      'the table files removed',
    );
    await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (20, 'twenty')`);
    await eventually(
      () => cdcKeys(target.folder),
      (k) => k.length === 1,
      60000,
      'a CDC file after the truncate',
    );
    const stats = (await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }))).TableStatistics![0]!;
    expect(stats.Ddls).toBeGreaterThanOrEqual(1);
  });

  it('keeps the files with HandleSourceTableTruncated false', async () => {
    await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (30, 'thirty')`);
    const target = await s3Target('keep', { CdcMaxBatchInterval: 60 });
    await startTask(`${name}-keep`, target.arn, { ChangeProcessingDdlHandlingPolicy: { HandleSourceTableTruncated: false } });
    const prefix = `${target.folder}/${SCHEMA}/${table}/`;
    const loaded = await listObjects(storage, bucket, prefix);
    expect(loaded.length).toBeGreaterThan(0);
    await db.query(`TRUNCATE TABLE ${SCHEMA}.${table}`);
    await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (31, 'thirty-one')`);
    await eventually(
      () => cdcKeys(target.folder),
      (k) => k.length === 1,
      60000,
      'a CDC file after the truncate',
    );
    expect((await listObjects(storage, bucket, prefix)).map((o) => o.key)).toEqual(expect.arrayContaining(loaded.map((o) => o.key)));
  });
});
