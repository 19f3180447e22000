import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeOrderableReplicationInstancesCommand,
  DescribeReplicationInstancesCommand,
  DescribeTableStatisticsCommand,
  ModifyReplicationInstanceCommand,
  StartReplicationTaskCommand,
  waitUntilReplicationTaskReady,
} from '@aws-sdk/client-database-migration-service';
import {
  admin,
  createPipeline,
  describeTask,
  dmsClient,
  eventually,
  fastWaiter,
  selectionMapping,
  type TestPipeline,
  uniqueId,
} from '../support/dmsEmulatorClient';
import { PrivateDmsEmulator } from '../support/privateDmsEmulator';
import { fetchParquet, listObjects, rowCount, s3 } from '../support/s3Parquet';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(180000);

/** Fault injection, call counters, reset and restart survival, on an emulator process of this suite's own. */

let emulator: PrivateDmsEmulator;
let client: DatabaseMigrationServiceClient;
let pipeline: TestPipeline;
const name = uniqueId('fault');
const call = <T>(route: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', body?: unknown) =>
  admin<T>(route, method, body, emulator.adminUrl);

async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => `${e.name}:${e.$metadata?.httpStatusCode}:${e.message}`,
  );
}

async function startTask(
  id: string,
  tables: [string, string][],
  migration: 'full-load' | 'full-load-and-cdc' = 'full-load',
): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: id,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: migration,
      TableMappings: selectionMapping(tables),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  return arn;
}

beforeAll(async () => {
  loadStackEnv();
  emulator = await PrivateDmsEmulator.create();
  await emulator.start();
  client = dmsClient(emulator.endpoint);
  pipeline = await createPipeline(client, name);
});

afterAll(async () => {
  client.destroy();
  await emulator.dispose();
});

it('counts calls per operation, mutating apart from read-only, and resets the counters', async () => {
  await call('/calls/reset', 'POST');
  for (let i = 0; i < 3; i += 1) await client.send(new DescribeReplicationInstancesCommand({}));
  await outcome(client.send(new ModifyReplicationInstanceCommand({ ReplicationInstanceArn: pipeline.instanceArn, AllocatedStorage: 10 })));
  const calls = await call<{ operations: Record<string, { count: number; mutating: boolean }>; totals: Record<string, number> }>('/calls');
  expect(calls.operations).toEqual({
    DescribeReplicationInstances: { count: 3, mutating: false },
    ModifyReplicationInstance: { count: 1, mutating: true },
  });
  expect(calls.totals).toEqual({ all: 4, mutating: 1, readOnly: 3, throttled: 0 });
  await call('/calls/reset', 'POST');
  expect((await call<{ totals: { all: number } }>('/calls')).totals.all).toBe(0);
});

it('throttles like AWS: a bucket of 100 calls refilled at 4 per second, then ThrottlingException "Rate exceeded"', async () => {
  await call('/faults', 'POST', { throttling: { enabled: true } });
  await call('/calls/reset', 'POST');
  const results = await Promise.all(
    Array.from({ length: 130 }, () => outcome(client.send(new DescribeOrderableReplicationInstancesCommand({})))),
  );
  const ok = results.filter((r) => r === 'ok').length;
  expect(ok).toBeGreaterThanOrEqual(100);
  // 100 tokens, plus the few refilled while the burst is in flight on a busy machine.
  expect(ok).toBeLessThanOrEqual(110);
  expect(results.filter((r) => r !== 'ok')).toContain('ThrottlingException:400:Rate exceeded');
  // Every throttled answer is counted as such (the client is built with maxAttempts 1: one call per send).
  expect((await call<{ totals: { all: number; throttled: number } }>('/calls')).totals).toMatchObject({ all: 130, throttled: 130 - ok });
  await new Promise((r) => setTimeout(r, 1000));
  expect(await outcome(client.send(new DescribeOrderableReplicationInstancesCommand({})))).toBe('ok');
  await call('/faults', 'POST', { throttling: { enabled: false } });
});

it('answers transient 500s at the injected rate', async () => {
  await call('/faults', 'POST', { transientErrorRate: 0.5 });
  const results = await Promise.all(
    Array.from({ length: 60 }, () => outcome(client.send(new DescribeOrderableReplicationInstancesCommand({})))),
  );
  const failures = results.filter((r) => r !== 'ok');
  expect(failures.length).toBeGreaterThan(10);
  expect(failures.length).toBeLessThan(50);
  expect(failures[0]).toMatch(/^InternalFailure:500:/);
  await call('/faults', 'POST', { transientErrorRate: 0 });
  expect(await outcome(client.send(new DescribeOrderableReplicationInstancesCommand({})))).toBe('ok');
});

it('ends one table in "Table error" while the others complete', async () => {
  const id = `${name}-table-error`;
  await call('/faults', 'POST', {
    tableErrors: { [id]: { schema: 'shop', table: 'customers', message: 'injected: table customers failed' } },
  });
  const arn = await startTask(id, [
    ['shop', 'customers'],
    ['shop', 'products'],
  ]);
  const task = await eventually(
    () => describeTask(client, arn),
    (t) => t.Status === 'stopped',
    60000,
    'load to end',
  );
  expect(task.StopReason).toBe('Stop Reason FULL_LOAD_ONLY_FINISHED');
  expect(task.ReplicationTaskStats).toMatchObject({ TablesLoaded: 1, TablesErrored: 1 });
  expect(task.LastFailureMessage).toBe('injected: table customers failed');
  const stats = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }));
  expect(Object.fromEntries(stats.TableStatistics!.map((t) => [t.TableName, t.TableState]))).toEqual({
    customers: 'Table error',
    products: 'Table completed',
  });
});

it('goes storage-full (running tasks stop on low disk) until the storage grows', async () => {
  const arn = await startTask(`${name}-disk`, [['shop', 'products']], 'full-load-and-cdc');
  await eventually(
    () => describeTask(client, arn),
    (t) => t.Status === 'running',
    30000,
    'task running',
  );
  const instanceId = `${name}-ri`;
  await call('/faults', 'POST', { storageFull: [instanceId] });
  const instanceFilter = { Filters: [{ Name: 'replication-instance-id', Values: [instanceId] }] };
  const full = await eventually(
    () => client.send(new DescribeReplicationInstancesCommand(instanceFilter)).then((r) => r.ReplicationInstances![0]!),
    (i) => i.ReplicationInstanceStatus === 'storage-full',
  );
  expect(full.ReplicationInstanceStatus).toBe('storage-full');
  const stopped = await eventually(
    () => describeTask(client, arn),
    (t) => t.Status === 'stopped',
  );
  expect(stopped.StopReason).toBe('Stop Reason STOPPED_DUE_TO_LOW_DISK');
  await client.send(
    new ModifyReplicationInstanceCommand({ ReplicationInstanceArn: pipeline.instanceArn, AllocatedStorage: 200, ApplyImmediately: true }),
  );
  const grown = await eventually(
    () => client.send(new DescribeReplicationInstancesCommand(instanceFilter)).then((r) => r.ReplicationInstances![0]!),
    (i) => i.ReplicationInstanceStatus === 'available',
  );
  expect(grown.AllocatedStorage).toBe(200);
  expect((await call<{ storageFull: string[] }>('/faults')).storageFull).toEqual([]);
});

it('refuses an instance modification, or leaves it stuck in modifying, as injected', async () => {
  const instanceId = `${name}-ri`;
  await call('/faults', 'POST', { instanceModify: { [instanceId]: 'refuse' } });
  expect(
    await outcome(
      client.send(
        new ModifyReplicationInstanceCommand({
          ReplicationInstanceArn: pipeline.instanceArn,
          ReplicationInstanceClass: 'dms.r5.xlarge',
          ApplyImmediately: true,
        }),
      ),
    ),
  ).toMatch(/^InsufficientResourceCapacityFault:400:/);
  await call('/faults', 'POST', { instanceModify: { [instanceId]: 'stuck' } });
  await client.send(
    new ModifyReplicationInstanceCommand({
      ReplicationInstanceArn: pipeline.instanceArn,
      ReplicationInstanceClass: 'dms.r5.xlarge',
      ApplyImmediately: true,
    }),
  );
  // 3 real seconds at speed 600 is half an emulated hour: far beyond a class change.
  await new Promise((r) => setTimeout(r, 3000));
  const filter = { Filters: [{ Name: 'replication-instance-id', Values: [instanceId] }] };
  const stuck = (await client.send(new DescribeReplicationInstancesCommand(filter))).ReplicationInstances![0]!;
  expect([stuck.ReplicationInstanceStatus, stuck.PendingModifiedValues?.ReplicationInstanceClass]).toEqual(['modifying', 'dms.r5.xlarge']);
  await call('/faults', 'POST', { instanceModify: { [instanceId]: null } });
  const done = await eventually(
    () => client.send(new DescribeReplicationInstancesCommand(filter)).then((r) => r.ReplicationInstances![0]!),
    (i) => i.ReplicationInstanceStatus === 'available',
  );
  expect(done.ReplicationInstanceClass).toBe('dms.r5.xlarge');
});

it('survives a restart: state is kept and a full load in flight finishes with the right data', async () => {
  const id = `${name}-restart`;
  await call('/faults', 'POST', { extraFullLoadSeconds: { [id]: 3000 } });
  const arn = await startTask(id, [['shop', 'orders']]);
  await eventually(
    () => describeTask(client, arn),
    (t) => t.Status === 'running',
  );
  await emulator.stop();
  await emulator.start();
  const task = await describeTask(client, arn);
  expect(task.ReplicationTaskIdentifier).toBe(id);
  expect(['running', 'stopped']).toContain(task.Status);
  const finished = await eventually(
    () => describeTask(client, arn),
    (t) => t.Status === 'stopped',
    60000,
    'load to finish after restart',
  );
  expect(finished.StopReason).toBe('Stop Reason FULL_LOAD_ONLY_FINISHED');
  const storage = s3();
  const bucket = requireEnv('STACK_BUCKET');
  let rows = 0;
  for (const object of await listObjects(storage, bucket, `${pipeline.folder}/shop/orders/`))
    rows += rowCount(await fetchParquet(storage, bucket, object.key));
  storage.destroy();
  expect(rows).toBe(20000);
});

it('forgets everything on a full reset', async () => {
  await call('/faults', 'POST', { transientErrorRate: 0.1 });
  await call('/reset', 'POST', { speed: 600 });
  expect(await outcome(client.send(new DescribeReplicationInstancesCommand({})))).toMatch(/^ResourceNotFoundFault:400:/);
  expect((await call<{ transientErrorRate: number }>('/faults')).transientErrorRate).toBe(0);
  expect((await call<{ operations: object }>('/calls')).operations).toEqual({
    DescribeReplicationInstances: { count: 1, mutating: false },
  });
});
