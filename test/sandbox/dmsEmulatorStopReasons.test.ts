import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeTableStatisticsCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type ReplicationTask,
  type TableStatistics,
  waitUntilReplicationTaskReady,
} from '@aws-sdk/client-database-migration-service';
import mysql from 'mysql2/promise';
import {
  admin,
  createPipeline,
  deletePipeline,
  describeTask,
  dmsClient,
  eventually,
  fastWaiter,
  selectionMapping,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import { sourceAdmin } from '../support/sourceAdmin';
import { loadStackEnv } from '../support/stackEnv';

jest.setTimeout(240000);

// Judges each call's effect at once; the lag of Describe after writes has its own suite (dmsEmulatorDescribeLag).
withoutDescribeLag();

/**
 * Stop reasons, table states and the error handling task settings (FIDELITY.md, "Stop reasons, table states and
 * errors DMS survives"): a full-load-and-cdc task that stops itself after its full load, a user's stop, ErrorBehavior
 * stopping a task for a table error, a recoverable error retried while the task keeps running, a table dropped on the
 * source, a load cut short, and the table counters after a resume — each under every setting of the unverified parts.
 */

const SCHEMA = 'dms_emulator_test';
let client: DatabaseMigrationServiceClient;
let db: mysql.Connection;
let pipeline: TestPipeline;
const name = uniqueId('stops');
const table = `stops_${name.replace(/-/g, '_')}`;
const tasks: string[] = [];
let counter = 0;

async function startTask(settings: Record<string, unknown> = {}, tables: [string, string][] = [[SCHEMA, table]]): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: `${name}-${++counter}`,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping(tables),
      ReplicationTaskSettings: JSON.stringify(settings),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  tasks.push(arn);
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  return arn;
}

const identifierOf = (arn: string) => tasks.indexOf(arn) >= 0 && `${name}-${tasks.indexOf(arn) + 1}`;

const until = (arn: string, ok: (t: ReplicationTask) => boolean, what: string) =>
  eventually(() => describeTask(client, arn), ok, 90000, what);

async function tableStat(arn: string): Promise<TableStatistics> {
  const result = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }));
  return result.TableStatistics!.find((t) => t.TableName === table)!;
}

const untilTable = (arn: string, ok: (t: TableStatistics) => boolean, what: string) =>
  eventually(
    () => tableStat(arn),
    (t) => t !== undefined && ok(t),
    90000,
    what,
  );

async function behaviour(section: Record<string, unknown>): Promise<void> {
  await admin('/behaviour', 'POST', section);
}

/** This suite's sections back to their defaults, the others (the Describe lag) left as they are. */
const defaultSections = () =>
  behaviour({
    stopReasons: { afterFullLoad: 'specific' },
    statistics: { afterResume: 'keep' },
    tableStates: { sourceTableMissing: 'table-does-not-exist', stoppedWhileLoading: 'unchanged' },
    errors: { stopTaskAs: 'failed' },
  });

beforeAll(async () => {
  loadStackEnv();
  await admin('/clock', 'POST', { speed: 600 });
  await defaultSections();
  client = dmsClient();
  db = await sourceAdmin();
  await db.query(`CREATE DATABASE IF NOT EXISTS ${SCHEMA}`);
  await db.query(`CREATE TABLE ${SCHEMA}.${table} (id INT PRIMARY KEY, note VARCHAR(20))`);
  await db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`);
  pipeline = await createPipeline(client, name);
});

afterEach(async () => {
  await defaultSections();
});

afterAll(async () => {
  const faults = Object.fromEntries(tasks.map((arn) => [identifierOf(arn) as string, null]));
  await admin('/faults', 'POST', { recoverableErrors: faults, partialLoads: faults, tableErrors: faults, extraFullLoadSeconds: faults });
  await deletePipeline(client, pipeline); // stops and deletes the tasks too
  await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.${table}`);
  await db.end();
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  client.destroy();
});

describe('a full-load-and-cdc task that stops itself after its full load', () => {
  it('StopTaskCachedChangesNotApplied stops it with STOPPED_AFTER_FULL_LOAD, its tables completed', async () => {
    const arn = await startTask({ FullLoadSettings: { StopTaskCachedChangesNotApplied: true } });
    const stopped = await until(arn, (t) => t.Status === 'stopped', 'the stop after the full load');
    expect(stopped.StopReason).toBe('Stop Reason STOPPED_AFTER_FULL_LOAD');
    expect(stopped.ReplicationTaskStats?.FullLoadProgressPercent).toBe(100);
    expect((await tableStat(arn)).TableState).toBe('Table completed');
    // A resume loads nothing more, so the task runs on (CDC from the checkpoint) rather than stopping again.
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' }));
    await until(arn, (t) => t.Status === 'running', 'the resume');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await describeTask(client, arn)).Status).toBe('running');
  });

  it('StopTaskCachedChangesApplied stops it with STOPPED_AFTER_CACHED_EVENTS once CDC caught up', async () => {
    const arn = await startTask({ FullLoadSettings: { StopTaskCachedChangesApplied: true } });
    const stopped = await until(arn, (t) => t.Status === 'stopped', 'the stop after the cached changes');
    expect(stopped.StopReason).toBe('Stop Reason STOPPED_AFTER_CACHED_EVENTS');
    expect(stopped.RecoveryCheckpoint).toBeTruthy();
  });

  it('under stopReasons.afterFullLoad full-load-only-finished both stop with FULL_LOAD_ONLY_FINISHED', async () => {
    await behaviour({ stopReasons: { afterFullLoad: 'full-load-only-finished' } });
    const arn = await startTask({ FullLoadSettings: { StopTaskCachedChangesNotApplied: true } });
    expect((await until(arn, (t) => t.Status === 'stopped', 'the stop')).StopReason).toBe('Stop Reason FULL_LOAD_ONLY_FINISHED');
  });

  it('without those settings it keeps running', async () => {
    const arn = await startTask();
    await untilTable(arn, (t) => t.TableState === 'Table completed', 'the load');
    expect((await describeTask(client, arn)).Status).toBe('running');
  });
});

describe("a user's stop", () => {
  it('gives NORMAL; under tableStates.stoppedWhileLoading table-cancelled the loading table shows `Table cancelled`, and a resume loads it', async () => {
    // The load is stretched over an emulated day, so the stop finds it under way.
    await admin('/faults', 'POST', { extraFullLoadSeconds: { [`${name}-${counter + 1}`]: 86400 } });
    const arn = await startTask();
    await behaviour({ tableStates: { stoppedWhileLoading: 'table-cancelled' } });
    await untilTable(arn, (t) => t.TableState === 'Full load' || t.TableState === 'Before load', 'the load under way');
    await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    const stopped = await until(arn, (t) => t.Status === 'stopped', 'the stop');
    expect(stopped.StopReason).toBe('Stop Reason NORMAL');
    expect((await tableStat(arn)).TableState).toBe('Table cancelled');

    await admin('/faults', 'POST', { extraFullLoadSeconds: { [identifierOf(arn) as string]: null } });
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' }));
    await untilTable(arn, (t) => t.TableState === 'Table completed', 'the table loaded again after the resume');
  });
});

describe('ErrorBehavior stops a task for a table error', () => {
  it('TableErrorPolicy STOP_TASK: failed, FATAL_ERROR, the message names the table and the setting; `stopped` under errors.stopTaskAs', async () => {
    for (const stopTaskAs of ['failed', 'stopped'] as const) {
      await behaviour({ errors: { stopTaskAs } });
      const id = `${name}-${counter + 1}`;
      await admin('/faults', 'POST', { tableErrors: { [id]: { schema: SCHEMA, table, message: `injected: ${table} failed` } } });
      const arn = await startTask({ ErrorBehavior: { TableErrorPolicy: 'STOP_TASK' } });
      const ended = await until(arn, (t) => t.Status === stopTaskAs, `the task ${stopTaskAs}`);
      expect(ended.StopReason).toBe('Stop Reason FATAL_ERROR');
      expect(ended.LastFailureMessage).toContain(`injected: ${table} failed`);
      expect(ended.LastFailureMessage).toContain('TableErrorPolicy is STOP_TASK');
      expect((await tableStat(arn)).TableState).toBe('Table error');
    }
  });

  it('TableErrorEscalationCount 1 stops it under SUSPEND_TABLE; with 0 (the default) the task runs on', async () => {
    const escalating = `${name}-${counter + 1}`;
    await admin('/faults', 'POST', { tableErrors: { [escalating]: { schema: SCHEMA, table } } });
    const arn = await startTask({ ErrorBehavior: { TableErrorPolicy: 'SUSPEND_TABLE', TableErrorEscalationCount: 1 } });
    const ended = await until(arn, (t) => t.Status === 'failed', 'the escalation');
    expect(ended.LastFailureMessage).toContain('TableErrorEscalationCount 1');

    const suspending = `${name}-${counter + 1}`;
    await admin('/faults', 'POST', { tableErrors: { [suspending]: { schema: SCHEMA, table } } });
    const running = await startTask();
    await untilTable(running, (t) => t.TableState === 'Table error', 'the table error');
    expect((await describeTask(client, running)).Status).toBe('running');
  });
});

describe('a recoverable error DMS retries', () => {
  it('keeps the task running with LastFailureMessage and no progress; clears when the error goes', async () => {
    const id = `${name}-${counter + 1}`;
    await admin('/faults', 'POST', { recoverableErrors: { [id]: { message: 'Lost connection to MySQL server during query' } } });
    const arn = await startTask();
    const retrying = await until(arn, (t) => t.Status === 'running' && t.LastFailureMessage !== undefined, 'the retries');
    expect(retrying.LastFailureMessage).toBe('Lost connection to MySQL server during query');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await describeTask(client, arn)).Status).toBe('running');
    expect((await tableStat(arn)).TableState).not.toBe('Table completed');
    await admin('/faults', 'POST', { recoverableErrors: { [id]: null } });
    await untilTable(arn, (t) => t.TableState === 'Table completed', 'the load after the error cleared');
  });

  it('stops the task with RECOVERABLE_ERROR once RecoverableErrorCount restarts are spent', async () => {
    const id = `${name}-${counter + 1}`;
    await admin('/faults', 'POST', { recoverableErrors: { [id]: { message: 'Lost connection' } } });
    const arn = await startTask({ ErrorBehavior: { RecoverableErrorCount: 2, RecoverableErrorInterval: 5 } });
    const ended = await until(arn, (t) => t.Status === 'failed', 'the task to give up');
    expect(ended.StopReason).toBe('Stop Reason RECOVERABLE_ERROR');
    expect(ended.LastFailureMessage).toContain('RecoverableErrorCount');
  });
});

describe('table states and counters', () => {
  it('a table dropped on the source before its reload is `Table does not exist` (`Table error` under the setting)', async () => {
    const dropped = `${table}_gone`;
    await db.query(`CREATE TABLE ${SCHEMA}.${dropped} (id INT PRIMARY KEY)`);
    await db.query(`INSERT INTO ${SCHEMA}.${dropped} VALUES (1)`);
    const arn = await startTask({}, [[SCHEMA, dropped]]);
    const stat = async () =>
      (await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }))).TableStatistics!.find(
        (t) => t.TableName === dropped,
      );
    await eventually(stat, (t) => t?.TableState === 'Table completed', 90000, 'the first load');
    await db.query(`DROP TABLE ${SCHEMA}.${dropped}`);
    for (const [setting, state] of [
      ['table-does-not-exist', 'Table does not exist'],
      ['table-error', 'Table error'],
    ] as const) {
      await behaviour({ tableStates: { sourceTableMissing: setting } });
      await client.send(new ReloadTablesCommand({ ReplicationTaskArn: arn, TablesToReload: [{ SchemaName: SCHEMA, TableName: dropped }] }));
      const ended = await eventually(stat, (t) => t?.TableState === state, 90000, `"${state}"`);
      expect(ended?.TableState).toBe(state);
    }
    expect((await describeTask(client, arn)).LastFailureMessage).toContain('does not exist on the source');
  });

  it('a load the source cut short ends `Table completed` with the rows read (fault partialLoads)', async () => {
    const id = `${name}-${counter + 1}`;
    await admin('/faults', 'POST', { partialLoads: { [id]: { schema: SCHEMA, table, rows: 2 } } });
    const arn = await startTask();
    const done = await untilTable(arn, (t) => t.TableState === 'Table completed', 'the load');
    expect(done.FullLoadRows).toBe(2);
  });

  it('Inserts carry on over a stop and resume (`keep`), or start again (`reset`)', async () => {
    const arn = await startTask();
    await untilTable(arn, (t) => t.TableState === 'Table completed', 'the load');
    const insert = (id: number) => db.query(`INSERT INTO ${SCHEMA}.${table} VALUES (${id}, 'x')`);
    const inserts = (n: number, what: string) => untilTable(arn, (t) => t.Inserts === n, `Inserts ${n}: ${what}`);
    const stopAndResume = async () => {
      await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
      await until(arn, (t) => t.Status === 'stopped', 'the stop');
      await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' }));
      await until(arn, (t) => t.Status === 'running', 'the resume');
    };
    await insert(100);
    await inserts(1, 'the first insert');
    await stopAndResume();
    await insert(101);
    await inserts(2, 'counted on over the resume (keep)');

    await behaviour({ statistics: { afterResume: 'reset' } });
    await insert(102);
    await inserts(3, 'the third insert');
    await stopAndResume();
    await insert(103);
    expect((await inserts(1, 'counted again from the resume (reset)')).Inserts).toBe(1);
  });
});
