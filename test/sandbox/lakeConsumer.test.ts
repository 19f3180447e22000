import {
  CreateEndpointCommand,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DescribeTableStatisticsCommand,
  StopReplicationTaskCommand,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type mysql from 'mysql2/promise';
import { sandboxS3Settings } from '../../sandbox/stack/dmsEmulator';
import {
  admin,
  createPipeline,
  deletePipeline,
  dmsClient,
  eventually,
  fastWaiter,
  startTableTask,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import {
  ensureLake,
  failNextRebuild,
  LAKE_INGEST_JOB_ID,
  LAKE_REBUILD_JOB_ID,
  lakeBronze,
  lakeRebuilds,
  lakeSilver,
  leaveLakeIdle,
  resetLake,
  runNow,
  setIngestPaused,
  waitForRun,
} from '../support/lake';
import { listObjects, s3 } from '../support/s3Parquet';
import { sourceAdmin } from '../support/sourceAdmin';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(300000);
withoutDescribeLag();

/**
 * The lake reference consumer on the real stack: DMS emulator output read by Spark Structured Streaming into Delta
 * bronze and silver, each file path once (the exactly-once hazard of a file rewritten at the same key), and the
 * rebuild that makes silver equal to the live files again.
 */

const SCHEMA = 'dms_emulator_test';
const name = uniqueId('lake');
const table = `lake_${name.replace(/-/g, '_')}`;
const qualified = `${SCHEMA}.${table}`;
let client: DatabaseMigrationServiceClient;
let storage: S3Client;
let db: mysql.Connection;
let pipeline: TestPipeline;
let bucket: string;
let taskArn: string;
let source: string;
let reloadEndpointArn: string | undefined;
const LOAD_KEY = /\/LOAD[0-9A-F]{8}\.parquet$/;

async function sourceRows(): Promise<{ id: number; note: string }[]> {
  const [rows] = await db.query(`SELECT id, note FROM ${qualified} ORDER BY id`);
  return (rows as { id: number; note: string }[]).map((r) => ({ id: r.id, note: r.note }));
}

async function silverRows(): Promise<{ id: number; note: string }[]> {
  return (await lakeSilver(qualified)).map((r) => ({ id: Number(r.id), note: String(r.note) })).sort((a, b) => a.id - b.id);
}

async function ingest(): Promise<void> {
  const run = await waitForRun(await runNow(LAKE_INGEST_JOB_ID, { source, tables: qualified }));
  expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
}

const tableKeys = async () => (await listObjects(storage, bucket, `${pipeline.folder}/${SCHEMA}/${table}/`)).map((o) => o.key);

async function tableStats() {
  const result = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn }));
  return result.TableStatistics?.find((t) => t.TableName === table);
}

beforeAll(async () => {
  loadStackEnv();
  bucket = requireEnv('STACK_BUCKET');
  await ensureLake();
  await resetLake();
  await setIngestPaused(true);
  await admin('/clock', 'POST', { speed: 600 });
  // LOAD rows with an empty change sequence (an unverified ledger row): silver must still order them under CDC rows.
  await admin('/behaviour', 'POST', { fullLoadChangeSeq: 'empty' });
  client = dmsClient();
  storage = s3();
  db = await sourceAdmin();
  await db.query(`CREATE DATABASE IF NOT EXISTS ${SCHEMA}`);
  await db.query(`CREATE TABLE ${qualified} (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)`);
  await db.query(`INSERT INTO ${qualified} VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
  pipeline = await createPipeline(client, name, { CdcMaxBatchInterval: 60 });
  source = `s3://${bucket}/${pipeline.folder}`;
  taskArn = await startTableTask(client, pipeline, name, [[SCHEMA, table]]);
  await eventually(tableStats, (t) => t?.TableState === 'Table completed', 60000, 'full load');
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  if (reloadEndpointArn) await client.send(new DeleteEndpointCommand({ EndpointArn: reloadEndpointArn }));
  await db.query(`DROP TABLE IF EXISTS ${qualified}`);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  await admin('/behaviour', 'POST', { fullLoadChangeSeq: 'filled' });
  await leaveLakeIdle();
  await db.end();
  client.destroy();
  storage.destroy();
});

it('ingests the full load into bronze (with each row’s file) and silver equal to the source', async () => {
  await ingest();
  expect(await silverRows()).toEqual(await sourceRows());
  const bronze = await lakeBronze(qualified);
  const loads = (await tableKeys()).filter((k) => LOAD_KEY.test(k));
  expect(loads).toHaveLength(1);
  expect(loads[0]).toMatch(new RegExp(`/${table}/\\d{8}/LOAD00000001\\.parquet$`));
  expect(bronze.files.map((f) => f.key)).toEqual(loads);
  expect(bronze.rows).toBe(3);
});

it('applies CDC updates, inserts and deletes in change-sequence order', async () => {
  await db.query(`UPDATE ${qualified} SET note = 'uno' WHERE id = 1`);
  await db.query(`DELETE FROM ${qualified} WHERE id = 2`);
  await db.query(`INSERT INTO ${qualified} VALUES (4, 'four')`);
  await db.query(`UPDATE ${qualified} SET note = 'four-b' WHERE id = 4`);
  await db.query(`UPDATE ${qualified} SET note = 'four-c' WHERE id = 4`);
  await eventually(tableStats, (t) => t?.Inserts === 1 && t.Updates === 3 && t.Deletes === 1, 60000, 'CDC statistics');
  await eventually(tableKeys, (keys) => keys.some((k) => !LOAD_KEY.test(k)), 60000, 'a CDC file');
  await ingest();
  // Three changes of id 4 in one file: the last by AR_H_CHANGE_SEQ wins; id 2 is gone.
  expect(await silverRows()).toEqual([
    { id: 1, note: 'uno' },
    { id: 3, note: 'three' },
    { id: 4, note: 'four-c' },
  ]);
  expect(await silverRows()).toEqual(await sourceRows());
});

it('skips a file rewritten at a key it has seen, and a rebuild with a marker makes silver equal to the live files', async () => {
  // The task stops; the source changes; a fresh full load (DMS output of another task) replaces the table's files,
  // its LOAD00000001.parquet at the very key the first load had, the old files moved away first.
  await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
  await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] });
  await db.query(`UPDATE ${qualified} SET note = 'three-rewritten' WHERE id = 3`);
  await db.query(`DELETE FROM ${qualified} WHERE id = 4`);
  await db.query(`INSERT INTO ${qualified} VALUES (5, 'five')`);
  const reloadFolder = `${pipeline.folder}-reload`;
  const target = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: `${name}-reload`,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: sandboxS3Settings(bucket, reloadFolder),
    }),
  );
  reloadEndpointArn = target.Endpoint!.EndpointArn!;
  const reloadArn = await startTableTask(client, pipeline, `${name}-reload`, [[SCHEMA, table]], {
    migrationType: 'full-load',
    targetArn: reloadEndpointArn,
  });
  const [freshLoad] = await eventually(
    () => listObjects(storage, bucket, `${reloadFolder}/${SCHEMA}/${table}/`),
    (objects) => objects.some((o) => LOAD_KEY.test(o.key)),
    60000,
    'the fresh full load',
  );
  await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [reloadArn] }] });

  const live = await tableKeys();
  const firstLoad = live.find((k) => LOAD_KEY.test(k))!;
  for (const key of live) {
    await storage.send(new CopyObjectCommand({ Bucket: bucket, CopySource: `${bucket}/${key}`, Key: `quarantine/${name}/${key}` }));
    await storage.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
  await storage.send(new CopyObjectCommand({ Bucket: bucket, CopySource: `${bucket}/${freshLoad!.key}`, Key: firstLoad }));
  expect(await tableKeys()).toEqual([firstLoad]);

  // The hazard: the incremental run succeeds, reads nothing, and silver still holds the old rows.
  const bronzeBefore = await lakeBronze(qualified);
  await ingest();
  expect(await lakeBronze(qualified)).toEqual(bronzeBefore);
  const stale = await silverRows();
  expect(stale).not.toEqual(await sourceRows());
  expect(stale).toContainEqual({ id: 4, note: 'four-c' });

  // The rebuild: a marker naming the table, then silver from the live files only.
  const marker = `${pipeline.folder}/_markers/${table}.json`;
  await storage.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: marker,
      Body: JSON.stringify({ table: qualified, workflowId: name }),
      ContentType: 'application/json',
    }),
  );
  const rebuild = await waitForRun(await runNow(LAKE_REBUILD_JOB_ID, { source, table: qualified, marker }));
  expect(rebuild.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
  expect(await silverRows()).toEqual(await sourceRows());
  expect(await lakeRebuilds()).toContainEqual(expect.objectContaining({ run_id: rebuild.run_id, table: qualified, marker }));
  const rebuilt = await lakeBronze(qualified);
  expect(rebuilt.files.map((f) => f.key)).toEqual([firstLoad]);

  // Later incremental runs neither read the live file again nor skip a new one.
  await ingest();
  expect(await lakeBronze(qualified)).toEqual(rebuilt);
  const next = firstLoad.replace('LOAD00000001', 'LOAD00000002');
  await storage.send(new CopyObjectCommand({ Bucket: bucket, CopySource: `${bucket}/${freshLoad!.key}`, Key: next }));
  await ingest();
  expect((await lakeBronze(qualified)).files.map((f) => f.key)).toEqual([firstLoad, next]);
  expect(await silverRows()).toEqual(await sourceRows());
});

describe('rebuild failures', () => {
  const rebuild = async (marker: string) => waitForRun(await runNow(LAKE_REBUILD_JOB_ID, { source, table: qualified, marker }));

  it('fails when the marker does not exist, naming it', async () => {
    const run = await rebuild(`${pipeline.folder}/_markers/missing.json`);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' });
    expect(run.state.state_message).toContain(`s3://${bucket}/${pipeline.folder}/_markers/missing.json does not exist`);
    expect(run.status.termination_details).toMatchObject({ code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR' });
  });

  it('fails when the marker names another table', async () => {
    const marker = `${pipeline.folder}/_markers/other.json`;
    await storage.send(new PutObjectCommand({ Bucket: bucket, Key: marker, Body: JSON.stringify({ table: 'shop.customers' }) }));
    const run = await rebuild(marker);
    expect(run.state.result_state).toBe('FAILED');
    expect(run.state.state_message).toContain(`names table 'shop.customers', not ${qualified}`);
  });

  it('fails once with the injected message, then rebuilds again', async () => {
    const marker = `${pipeline.folder}/_markers/${table}.json`;
    await failNextRebuild('sandbox: rebuild failure injected by the test');
    const failed = await rebuild(marker);
    expect(failed.state).toMatchObject({ result_state: 'FAILED', state_message: 'sandbox: rebuild failure injected by the test' });
    expect((await rebuild(marker)).state.result_state).toBe('SUCCESS');
    expect(await silverRows()).toEqual(await sourceRows());
  });
});
