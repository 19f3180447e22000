import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeTableStatisticsCommand,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type TableStatistics,
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

jest.setTimeout(240000);

// Judges each call's effect at once; the lag of Describe after writes has its own suite (dmsEmulatorDescribeLag).
withoutDescribeLag();

/**
 * Which table definition CDC decodes with after each way of reloading (FIDELITY.md, "Reload keeps the old
 * definition"): ReloadTables keeps the one read before (documented), a column DDL before it ends the table in
 * `Table error`; reload-target and resume-processing follow the emulator's `definitions` settings (unverified).
 * The binlog carries an ENUM as its index: a row written as 'new' after a reorder reads as another label when
 * decoded with the labels read before.
 */

const SCHEMA = 'dms_emulator_test';
let client: DatabaseMigrationServiceClient;
let storage: S3Client;
let db: mysql.Connection;
let pipeline: TestPipeline;
let bucket: string;
let taskArn: string;
let nextId = 100;
const name = uniqueId('defs');
const table = `defs_${name.replace(/-/g, '_')}`;
/** A second table, so the task keeps a table in scope while the first is out of its mapping. */
const other = `${table}_other`;
const LOAD = /\/LOAD[0-9A-Fa-f]{8}\.parquet$/;

const byArn = () => ({ Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }] });

async function tableStats(): Promise<TableStatistics> {
  const result = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn }));
  return result.TableStatistics!.find((t) => t.TableName === table)!;
}

async function rowsOf(filter: (key: string) => boolean): Promise<Record<string, unknown>[]> {
  const objects = (await listObjects(storage, bucket, `${pipeline.folder}/${SCHEMA}/${table}/`)).filter((o) => filter(o.key));
  return (await Promise.all(objects.map(async (o) => readRows(await fetchParquet(storage, bucket, o.key))))).flat();
}

/** Inserts a row with status 'new' and returns the label its CDC row carries. */
async function cdcLabelOfNewRow(): Promise<unknown> {
  const id = nextId++;
  await db.query(`INSERT INTO ${SCHEMA}.${table} (id, status) VALUES (${id}, 'new')`);
  const rows = await eventually(
    () => rowsOf((k) => !LOAD.test(k)),
    (r) => r.some((row) => row.id === id),
    60000,
    `the CDC row of id ${id}`,
  );
  return rows.find((row) => row.id === id)!.status;
}

async function reloadTables(): Promise<TableStatistics> {
  const before = (await tableStats()).FullLoadStartTime;
  await client.send(new ReloadTablesCommand({ ReplicationTaskArn: taskArn, TablesToReload: [{ SchemaName: SCHEMA, TableName: table }] }));
  return eventually(
    tableStats,
    (t) => ['Table completed', 'Table error'].includes(t.TableState!) && String(t.FullLoadStartTime) !== String(before),
    60000,
    'the ReloadTables reload',
  );
}

async function stopTask(): Promise<void> {
  await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
  await waitUntilReplicationTaskStopped(fastWaiter(client), byArn());
}

async function restart(type: 'reload-target' | 'resume-processing'): Promise<TableStatistics> {
  const before = (await tableStats()).FullLoadStartTime;
  await stopTask();
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: type }));
  await eventually(
    () => describeTask(client, taskArn),
    (t) => t.Status === 'running',
    60000,
    `running after ${type}`,
  );
  if (type === 'resume-processing') return tableStats();
  return eventually(
    tableStats,
    (t) => t.TableState === 'Table completed' && String(t.FullLoadStartTime) !== String(before),
    60000,
    'the reload-target load',
  );
}

/** The definitions settings back to their defaults, leaving the other behaviours (the Describe lag) as they are. */
const defaultDefinitions = () =>
  admin('/behaviour', 'POST', { definitions: { reloadTarget: 'reread', resume: 'keep', reloadTablesAfterColumnDdl: 'table-error' } });

async function behaviour(definitions: Record<string, string>): Promise<void> {
  await admin('/behaviour', 'POST', { definitions });
}

beforeAll(async () => {
  loadStackEnv();
  bucket = requireEnv('STACK_BUCKET');
  await admin('/clock', 'POST', { speed: 600 });
  await defaultDefinitions();
  client = dmsClient();
  storage = s3();
  db = await mysql.createConnection({
    host: requireEnv('SOURCE_DB_HOST'),
    port: Number(requireEnv('SOURCE_DB_PORT')),
    user: requireEnv('SANDBOX_MYSQL_ADMIN_USER'),
    password: requireEnv('SANDBOX_MYSQL_ADMIN_PASSWORD'),
  });
  await db.query(`CREATE DATABASE IF NOT EXISTS ${SCHEMA}`);
  await db.query(`CREATE TABLE ${SCHEMA}.${table} (id INT PRIMARY KEY, status ENUM('new','paid','shipped') NOT NULL)`);
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (1, 'new'), (2, 'paid'), (3, 'shipped')`);
  await db.query(`CREATE TABLE ${SCHEMA}.${other} (id INT PRIMARY KEY)`);
  await db.query(`INSERT INTO ${SCHEMA}.${other} VALUES (1)`);
  pipeline = await createPipeline(client, name, { CdcMaxBatchInterval: 30 });
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: name,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping(
        [
          [SCHEMA, table],
          [SCHEMA, other],
        ],
        headerRules,
      ),
    }),
  );
  taskArn = created.ReplicationTask!.ReplicationTaskArn!;
  await waitUntilReplicationTaskReady(fastWaiter(client), byArn());
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'start-replication' }));
  await eventually(tableStats, (t) => t?.TableState === 'Table completed', 60000, 'full load');
});

afterEach(async () => {
  await defaultDefinitions();
});

afterAll(async () => {
  await defaultDefinitions().catch(() => undefined);
  await deletePipeline(client, pipeline);
  await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.${table}`);
  await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.${other}`);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  await db.end();
  client.destroy();
  storage.destroy();
});

it('ReloadTables reloads the rows with the right labels but CDC keeps decoding with the definition read before; reload-target re-reads it', async () => {
  expect(await cdcLabelOfNewRow()).toBe('new');
  await db.query(`ALTER TABLE ${SCHEMA}.${table} MODIFY status ENUM('shipped','paid','new') NOT NULL`);
  // 'new' is index 3 now; the definition read at the load says ('new','paid','shipped'): index 3 reads 'shipped'.
  expect(await cdcLabelOfNewRow()).toBe('shipped');

  const reloaded = await reloadTables();
  expect(reloaded).toMatchObject({ TableState: 'Table completed', FullLoadReloaded: true });
  const load = await rowsOf((k) => LOAD.test(k));
  expect(load.find((r) => r.id === 1)!.status).toBe('new');
  expect(load.filter((r) => r.status === 'new').length).toBe(3);
  expect(await cdcLabelOfNewRow()).toBe('shipped');

  await restart('reload-target');
  expect(await cdcLabelOfNewRow()).toBe('new');
});

it('a column added before ReloadTables ends the table in "Table error" with a message; reload-target loads it', async () => {
  await db.query(`ALTER TABLE ${SCHEMA}.${table} ADD COLUMN note VARCHAR(20) NULL`);
  const failed = await reloadTables();
  expect(failed.TableState).toBe('Table error');
  const task = await describeTask(client, taskArn);
  expect(task.Status).toBe('running');
  expect(task.LastFailureMessage).toContain(`Table ${SCHEMA}.${table} failed to load`);
  expect(task.LastFailureMessage).toContain('column(s) added: note');

  await restart('reload-target');
  const load = await rowsOf((k) => LOAD.test(k));
  expect(Object.keys(load[0]!)).toContain('note');
  expect(await cdcLabelOfNewRow()).toBe('new');
});

it('definitions.reloadTarget "keep": CDC stays wrong after reload-target too', async () => {
  await behaviour({ reloadTarget: 'keep' });
  await db.query(`ALTER TABLE ${SCHEMA}.${table} MODIFY status ENUM('new','paid','shipped') NOT NULL`);
  // 'new' is index 1 now; the definition read before is ('shipped','paid','new'): index 1 reads 'shipped'.
  expect(await cdcLabelOfNewRow()).toBe('shipped');
  await restart('reload-target');
  expect((await rowsOf((k) => LOAD.test(k))).find((r) => r.id === 1)!.status).toBe('new');
  expect(await cdcLabelOfNewRow()).toBe('shipped');

  await behaviour({ reloadTarget: 'reread' });
  await restart('reload-target');
  expect(await cdcLabelOfNewRow()).toBe('new');
});

it('definitions.resume: a stop and resume keeps the definition by default, re-reads it under "reread"', async () => {
  await db.query(`ALTER TABLE ${SCHEMA}.${table} MODIFY status ENUM('shipped','paid','new') NOT NULL`);
  await restart('resume-processing');
  expect(await cdcLabelOfNewRow()).toBe('shipped');

  await behaviour({ resume: 'reread' });
  await restart('resume-processing');
  expect(await cdcLabelOfNewRow()).toBe('new');
});

it('definitions.reloadTablesAfterColumnDdl "reload-with-old-definition": the reload completes without the new column', async () => {
  await behaviour({ reloadTablesAfterColumnDdl: 'reload-with-old-definition' });
  await db.query(`ALTER TABLE ${SCHEMA}.${table} ADD COLUMN extra INT NULL`);
  const reloaded = await reloadTables();
  expect(reloaded.TableState).toBe('Table completed');
  const load = await rowsOf((k) => LOAD.test(k));
  expect(load.length).toBe(reloaded.FullLoadRows);
  expect(Object.keys(load[0]!)).not.toContain('extra');
  expect(Object.keys(load[0]!)).toContain('note');
});

it('a table removed from the mapping and added back is new to the task: its definition is read again (unverified, no setting)', async () => {
  await db.query(`ALTER TABLE ${SCHEMA}.${table} MODIFY status ENUM('new','paid','shipped') NOT NULL`);
  // 'new' is index 1 now; the definition held is ('shipped','paid','new'): index 1 reads 'shipped'.
  expect(await cdcLabelOfNewRow()).toBe('shipped');
  const remap = async (tables: string[]) => {
    await stopTask();
    await client.send(
      new ModifyReplicationTaskCommand({
        ReplicationTaskArn: taskArn,
        TableMappings: selectionMapping(
          tables.map((t) => [SCHEMA, t]),
          headerRules,
        ),
      }),
    );
    await eventually(
      () => describeTask(client, taskArn),
      (t) => t.Status === 'stopped',
      60000,
      'the modify to end',
    );
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'resume-processing' }));
    await eventually(
      () => describeTask(client, taskArn),
      (t) => t.Status === 'running',
      60000,
      'running after the resume',
    );
  };
  await remap([other]);
  await remap([table, other]);
  await eventually(tableStats, (t) => t?.TableState === 'Table completed', 60000, 'the table loaded again');
  expect(await cdcLabelOfNewRow()).toBe('new');
});

it('ReloadTables refuses a table named twice ("Duplicate tables aren\'t allowed"), before reloading anything', async () => {
  const before = await tableStats();
  const twice = { SchemaName: SCHEMA, TableName: table };
  await expect(client.send(new ReloadTablesCommand({ ReplicationTaskArn: taskArn, TablesToReload: [twice, twice] }))).rejects.toMatchObject(
    {
      name: 'InvalidParameterValueException',
      message: expect.stringContaining(`names a table more than once: ${SCHEMA}.${table}`) as unknown,
    },
  );
  expect((await tableStats()).FullLoadStartTime).toEqual(before.FullLoadStartTime);
});
