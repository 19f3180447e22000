import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AddTagsToResourceCommand,
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DeleteReplicationInstanceCommand,
  DeleteReplicationTaskCommand,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeOrderableReplicationInstancesCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  ListTagsForResourceCommand,
  ModifyEndpointCommand,
  ModifyReplicationInstanceCommand,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  RemoveTagsFromResourceCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  TestConnectionCommand,
  waitUntilReplicationInstanceAvailable,
  waitUntilReplicationInstanceDeleted,
  waitUntilReplicationTaskDeleted,
  waitUntilReplicationTaskReady,
  waitUntilReplicationTaskRunning,
  waitUntilReplicationTaskStopped,
  waitUntilTestConnectionSucceeds,
} from '@aws-sdk/client-database-migration-service';
import { tableLoadMs } from '../../sandbox/dms-emulator/dataPlane/tableLoader';
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
import { type RecordedExchange, RecordingProxy } from '../support/recordingProxy';
import { loadStackEnv, requireEnv } from '../support/stackEnv';
import { SANDBOX_S3_ROLE_ARN } from '../../sandbox/stack/dmsEmulator';

jest.setTimeout(120000);

/** The DMS emulator against the unmodified AWS SDK v3 client: operations, errors, pagination, waiters. */

let client: DatabaseMigrationServiceClient;
let pipeline: TestPipeline;
const name = uniqueId('conf');

async function expectFault(call: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
  );
  expect(error?.name).toBe(code);
  expect(error?.$metadata?.httpStatusCode).toBe(400);
  if (message) expect(error?.message).toMatch(message);
}

const byArn = (arn: string) => [{ Name: 'replication-task-arn', Values: [arn] }];

async function createTask(
  id: string,
  migration: 'full-load' | 'full-load-and-cdc' | 'cdc',
  tables: [string, string][] = [['shop', 'products']],
) {
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
  return created.ReplicationTask!.ReplicationTaskArn!;
}

// This suite checks each call's answer; the lag of Describe after writes has its own suite (dmsEmulatorDescribeLag).
withoutDescribeLag();

let proxy: RecordingProxy;

beforeAll(async () => {
  loadStackEnv();
  await admin('/clock', 'POST', { speed: 600 });
  // Every response of this suite goes through a recorder, to be checked against botocore's model at the end.
  proxy = await RecordingProxy.start(requireEnv('AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE'));
  client = dmsClient(proxy.endpoint);
  pipeline = await createPipeline(client, name);
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  client.destroy();
  await proxy.close();
});

describe('protocol', () => {
  it('answers an unknown operation with an error naming it', async () => {
    const response = await fetch(requireEnv('AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE'), {
      method: 'POST',
      headers: { 'X-Amz-Target': 'AmazonDMSv20160101.DescribeFantasyThings', 'Content-Type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toContain('DescribeFantasyThings');
  });

  it('returns timestamps the SDK parses as dates', async () => {
    const result = await client.send(
      new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-arn', Values: [pipeline.instanceArn] }] }),
    );
    expect(result.ReplicationInstances![0]!.InstanceCreateTime).toBeInstanceOf(Date);
  });
});

describe('replication instances', () => {
  it('creates, refuses duplicates and bad values, resizes through modifying with the change pending', async () => {
    const id = `${name}-resize`;
    const created = await client.send(
      new CreateReplicationInstanceCommand({
        ReplicationInstanceIdentifier: id,
        ReplicationInstanceClass: 'dms.t3.medium',
        AllocatedStorage: 50,
      }),
    );
    expect(created.ReplicationInstance!.ReplicationInstanceStatus).toBe('creating');
    const arn = created.ReplicationInstance!.ReplicationInstanceArn!;
    expect(arn).toMatch(/^arn:aws:dms:us-east-1:123456789012:rep:[A-Z0-9]{26}$/);
    await expectFault(
      client.send(new CreateReplicationInstanceCommand({ ReplicationInstanceIdentifier: id, ReplicationInstanceClass: 'dms.t3.medium' })),
      'ResourceAlreadyExistsFault',
    );
    await expectFault(
      client.send(
        new CreateReplicationInstanceCommand({ ReplicationInstanceIdentifier: `${id}-x`, ReplicationInstanceClass: 'dms.z9.huge' }),
      ),
      'InvalidParameterValueException',
    );
    const filter = [{ Name: 'replication-instance-arn', Values: [arn] }];
    await waitUntilReplicationInstanceAvailable(fastWaiter(client), { Filters: filter });

    await expectFault(
      client.send(new ModifyReplicationInstanceCommand({ ReplicationInstanceArn: arn, AllocatedStorage: 20 })),
      'InvalidParameterValueException',
      /only grow/,
    );
    const modified = await client.send(
      new ModifyReplicationInstanceCommand({
        ReplicationInstanceArn: arn,
        ReplicationInstanceClass: 'dms.r5.4xlarge',
        ApplyImmediately: true,
      }),
    );
    expect(modified.ReplicationInstance!.ReplicationInstanceStatus).toBe('modifying');
    expect(modified.ReplicationInstance!.PendingModifiedValues!.ReplicationInstanceClass).toBe('dms.r5.4xlarge');
    await expectFault(
      client.send(new ModifyReplicationInstanceCommand({ ReplicationInstanceArn: arn, AllocatedStorage: 80 })),
      'InvalidResourceStateFault',
    );
    const done = await waitUntilReplicationInstanceAvailable(fastWaiter(client), { Filters: filter });
    const instance = (done.reason as { ReplicationInstances: { ReplicationInstanceClass: string; PendingModifiedValues: object }[] })
      .ReplicationInstances[0]!;
    expect(instance.ReplicationInstanceClass).toBe('dms.r5.4xlarge');
    expect(instance.PendingModifiedValues).toEqual({});

    // Without ApplyImmediately the change waits for the maintenance window: pending, still available.
    const deferred = await client.send(new ModifyReplicationInstanceCommand({ ReplicationInstanceArn: arn, AllocatedStorage: 100 }));
    expect(deferred.ReplicationInstance!.ReplicationInstanceStatus).toBe('available');
    expect(deferred.ReplicationInstance!.PendingModifiedValues!.AllocatedStorage).toBe(100);

    await client.send(new DeleteReplicationInstanceCommand({ ReplicationInstanceArn: arn }));
    await waitUntilReplicationInstanceDeleted(fastWaiter(client), { Filters: filter });
    await expectFault(client.send(new DescribeReplicationInstancesCommand({ Filters: filter })), 'ResourceNotFoundFault');
  });

  it('loads faster on a bigger class, so a resize is visible', () => {
    expect(tableLoadMs(120000, 'dms.r5.4xlarge')).toBeLessThan(tableLoadMs(120000, 'dms.r5.large'));
    expect(tableLoadMs(120000, 'dms.r5.large')).toBeLessThan(tableLoadMs(120000, 'dms.t3.medium'));
  });

  it('lists orderable classes page by page', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new DescribeOrderableReplicationInstancesCommand({ MaxRecords: 20, Marker: marker }));
      expect(page.OrderableReplicationInstances!.length).toBeLessThanOrEqual(20);
      seen.push(...page.OrderableReplicationInstances!.map((o) => `${o.EngineVersion}/${o.ReplicationInstanceClass}`));
      marker = page.Marker;
      pages += 1;
    } while (marker);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.some((s) => s.endsWith('/dms.r5.4xlarge'))).toBe(true);
    await expectFault(client.send(new DescribeOrderableReplicationInstancesCommand({ MaxRecords: 19 })), 'InvalidParameterValueException');
  });
});

describe('endpoints and connections', () => {
  it('describes with filters, hides passwords, merges S3Settings on modify, refuses deleting an endpoint in use', async () => {
    const sources = await client.send(
      new DescribeEndpointsCommand({
        Filters: [
          { Name: 'endpoint-id', Values: [`${name}-src`] },
          { Name: 'endpoint-type', Values: ['SOURCE'] },
        ],
      }),
    );
    const source = sources.Endpoints![0]!;
    expect(source.EngineName).toBe('mysql');
    expect(source.EndpointType).toBe('SOURCE');
    expect(source.MySQLSettings?.ServerName).toBe(requireEnv('SOURCE_DB_HOST'));
    expect(JSON.stringify(source)).not.toContain(requireEnv('SOURCE_DB_PASSWORD'));

    const modified = await client.send(
      new ModifyEndpointCommand({ EndpointArn: pipeline.targetArn, S3Settings: { CdcMaxBatchInterval: 30 } }),
    );
    expect(modified.Endpoint!.S3Settings!.CdcMaxBatchInterval).toBe(30);
    expect(modified.Endpoint!.S3Settings!.BucketFolder).toBe(pipeline.folder);

    const taskArn = await createTask(`${name}-uses-endpoint`, 'full-load');
    await expectFault(client.send(new DeleteEndpointCommand({ EndpointArn: pipeline.targetArn })), 'InvalidResourceStateFault');
    await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: byArn(taskArn) });
    await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
    await waitUntilReplicationTaskDeleted(fastWaiter(client), { Filters: byArn(taskArn) });
  });

  it('tests connections for real: the MySQL source and the bucket succeed, a wrong password and a missing bucket fail', async () => {
    const bad = await client.send(
      new CreateEndpointCommand({
        EndpointIdentifier: `${name}-badpw`,
        EndpointType: 'source',
        EngineName: 'mysql',
        ServerName: requireEnv('SOURCE_DB_HOST'),
        Port: Number(requireEnv('SOURCE_DB_PORT')),
        Username: requireEnv('SOURCE_DB_USER'),
        Password: 'not-the-password',
      }),
    );
    const noBucket = await client.send(
      new CreateEndpointCommand({
        EndpointIdentifier: `${name}-nobucket`,
        EndpointType: 'target',
        EngineName: 's3',
        S3Settings: { BucketName: `missing-${name}`, DataFormat: 'parquet', ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN },
      }),
    );
    for (const arn of [pipeline.sourceArn, pipeline.targetArn, bad.Endpoint!.EndpointArn!, noBucket.Endpoint!.EndpointArn!]) {
      const started = await client.send(new TestConnectionCommand({ ReplicationInstanceArn: pipeline.instanceArn, EndpointArn: arn }));
      expect(started.Connection!.Status).toBe('testing');
    }
    for (const arn of [pipeline.sourceArn, pipeline.targetArn]) {
      await waitUntilTestConnectionSucceeds(fastWaiter(client), { Filters: [{ Name: 'endpoint-arn', Values: [arn] }] });
    }
    for (const [arn, pattern] of [
      [bad.Endpoint!.EndpointArn!, /Access denied/],
      [noBucket.Endpoint!.EndpointArn!, /missing-/],
    ] as const) {
      const connection = await eventually(
        () =>
          client
            .send(new DescribeConnectionsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [arn] }] }))
            .then((r) => r.Connections![0]!),
        (c) => c.Status !== 'testing',
      );
      expect(connection.Status).toBe('failed');
      expect(connection.LastFailureMessage).toMatch(pattern);
      await client.send(new DeleteEndpointCommand({ EndpointArn: arn }));
    }
  });
});

describe('replication tasks', () => {
  it('creates tasks, paginates, filters and drops settings with WithoutSettings', async () => {
    await expectFault(
      client.send(
        new CreateReplicationTaskCommand({
          ReplicationTaskIdentifier: `${name}-bad-mapping`,
          SourceEndpointArn: pipeline.sourceArn,
          TargetEndpointArn: pipeline.targetArn,
          ReplicationInstanceArn: pipeline.instanceArn,
          MigrationType: 'full-load',
          TableMappings:
            '{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"a","object-locator":{"schema-name":"shop","table-name":"%"},"rule-action":"include"},{"rule-type":"selection","rule-id":"1","rule-name":"b","object-locator":{"schema-name":"shop","table-name":"x"},"rule-action":"include"}]}',
        }),
      ),
      'InvalidParameterValueException',
      /duplicate rule-id/,
    );
    const arns: string[] = [];
    for (let i = 0; i < 21; i += 1) arns.push(await createTask(`${name}-page-${i}`, i % 2 === 0 ? 'full-load' : 'cdc'));
    await expectFault(createTask(`${name}-page-0`, 'full-load'), 'ResourceAlreadyExistsFault');
    const filter = [{ Name: 'replication-instance-arn', Values: [pipeline.instanceArn] }];
    const first = await client.send(new DescribeReplicationTasksCommand({ Filters: filter, MaxRecords: 20, WithoutSettings: true }));
    expect(first.ReplicationTasks).toHaveLength(20);
    expect(first.ReplicationTasks![0]!.TableMappings).toBeUndefined();
    const second = await client.send(new DescribeReplicationTasksCommand({ Filters: filter, MaxRecords: 20, Marker: first.Marker }));
    expect(second.Marker).toBeUndefined();
    const all = [...first.ReplicationTasks!, ...second.ReplicationTasks!].map((t) => t.ReplicationTaskArn);
    expect(new Set(all)).toEqual(new Set(arns));
    expect(second.ReplicationTasks![0]!.TableMappings).toContain('selection');
    const cdcOnly = await client.send(
      new DescribeReplicationTasksCommand({ Filters: [...filter, { Name: 'migration-type', Values: ['cdc'] }], MaxRecords: 100 }),
    );
    expect(cdcOnly.ReplicationTasks).toHaveLength(10);
    const byTarget = await client.send(
      new DescribeReplicationTasksCommand({ Filters: [{ Name: 'endpoint-arn', Values: [pipeline.targetArn] }] }),
    );
    expect(byTarget.ReplicationTasks!.length).toBe(21);
    await expectFault(client.send(new DescribeReplicationTasksCommand({ MaxRecords: 101 })), 'InvalidParameterValueException');
    await expectFault(
      client.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
      'InvalidParameterValueException',
    );
    await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: byArn(arns[20]!) });
    for (const arn of arns) {
      await eventually(
        () => describeTask(client, arn),
        (t) => t.Status === 'ready',
      );
      await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
    }
  });

  it('walks a full-load task through start, stop, modify and resume, with the errors DMS gives on the way', async () => {
    const arn = await createTask(`${name}-walk`, 'full-load', [
      ['shop', 'products'],
      ['shop', 'customers'],
    ]);
    expect(arn).toMatch(/:task:[A-Z0-9]{26}$/);
    await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: byArn(arn) });
    await expectFault(
      client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' })),
      'InvalidParameterCombinationException',
      /never run/,
    );
    await expectFault(
      client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'reload-target' })),
      'InvalidParameterCombinationException',
    );
    await expectFault(
      client.send(new ReloadTablesCommand({ ReplicationTaskArn: arn, TablesToReload: [{ SchemaName: 'shop', TableName: 'products' }] })),
      'InvalidResourceStateFault',
    );
    await expectFault(
      client.send(new ModifyReplicationTaskCommand({ ReplicationTaskArn: arn, MigrationType: 'cdc' })),
      'InvalidParameterCombinationException',
    );

    // Long enough at this speed for the waiters to see it running.
    await admin('/faults', 'POST', { extraFullLoadSeconds: { [`${name}-walk`]: 6000 } });
    const started = await client.send(
      new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }),
    );
    expect(started.ReplicationTask!.Status).toBe('starting');
    // The trap: the stopped waiter fails on `starting` rather than waiting through it.
    const early = await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: byArn(arn) }).then(
      () => 'succeeded',
      (e: Error) => e.message,
    );
    expect(early).toMatch(/FAILURE/);
    await waitUntilReplicationTaskRunning(fastWaiter(client), { Filters: byArn(arn) });
    await expectFault(
      client.send(new ModifyReplicationTaskCommand({ ReplicationTaskArn: arn, ReplicationTaskSettings: '{}' })),
      'InvalidResourceStateFault',
    );
    await expectFault(client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn })), 'InvalidResourceStateFault');
    const loading = await eventually(
      () => describeTask(client, arn),
      (t) => (t.ReplicationTaskStats?.FullLoadProgressPercent ?? 0) > 0,
    );
    expect(loading.ReplicationTaskStats!.FullLoadStartDate).toBeInstanceOf(Date);
    expect(loading.ReplicationTaskStats!.FullLoadProgressPercent).toBeLessThan(100);

    const stopping = await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    expect(stopping.ReplicationTask!.Status).toBe('stopping');
    await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: byArn(arn) });
    const stopped = await describeTask(client, arn);
    expect(stopped.StopReason).toBe('Stop Reason NORMAL');

    const modifying = await client.send(
      new ModifyReplicationTaskCommand({ ReplicationTaskArn: arn, TableMappings: selectionMapping([['shop', 'products']]) }),
    );
    expect(modifying.ReplicationTask!.Status).toBe('modifying');
    await eventually(
      () => describeTask(client, arn),
      (t) => t.Status === 'stopped',
      30000,
      'modify to settle',
    );

    await admin('/faults', 'POST', { extraFullLoadSeconds: { [`${name}-walk`]: null } });
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'resume-processing' }));
    const finished = await eventually(
      () => describeTask(client, arn),
      (t) => t.Status === 'stopped',
      60000,
      'full load to finish',
    );
    expect(finished.StopReason).toBe('Stop Reason FULL_LOAD_ONLY_FINISHED');
    expect(finished.ReplicationTaskStats!.FullLoadProgressPercent).toBe(100);
    expect(finished.ReplicationTaskStats!.TablesLoaded).toBe(1);
    expect(finished.ReplicationTaskStats!.FullLoadFinishDate!.getTime()).toBeGreaterThanOrEqual(
      finished.ReplicationTaskStats!.FullLoadStartDate!.getTime(),
    );
    expect(finished.ReplicationTaskStats!.ElapsedTimeMillis).toBeGreaterThan(0);

    const stats = await client.send(
      new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn, Filters: [{ Name: 'table-state', Values: ['Table completed'] }] }),
    );
    expect(stats.TableStatistics!.map((t) => t.TableName)).toEqual(['products']);
    expect(stats.TableStatistics![0]!.FullLoadRows).toBeGreaterThan(0);
    await expectFault(
      client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn, MaxRecords: 501 })),
      'InvalidParameterValueException',
    );

    await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
    await waitUntilReplicationTaskDeleted(fastWaiter(client), { Filters: byArn(arn) });
  });

  it('refuses bad CDC options and ReloadTables with more than 10 tables on a running task', async () => {
    await expectFault(
      client.send(
        new CreateReplicationTaskCommand({
          ReplicationTaskIdentifier: `${name}-both-cdc`,
          SourceEndpointArn: pipeline.sourceArn,
          TargetEndpointArn: pipeline.targetArn,
          ReplicationInstanceArn: pipeline.instanceArn,
          MigrationType: 'cdc',
          TableMappings: selectionMapping([['shop', 'products']]),
          CdcStartPosition: 'mysql-bin.000001:4',
          CdcStartTime: new Date(),
        }),
      ),
      'InvalidParameterCombinationException',
    );
    const arn = await createTask(`${name}-reload`, 'full-load-and-cdc');
    await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: byArn(arn) });
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
    await waitUntilReplicationTaskRunning(fastWaiter(client), { Filters: byArn(arn) });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ SchemaName: 'shop', TableName: `t${i}` }));
    await expectFault(
      client.send(new ReloadTablesCommand({ ReplicationTaskArn: arn, TablesToReload: eleven })),
      'InvalidParameterValueException',
      /at most 10/,
    );
    await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    await waitUntilReplicationTaskStopped(fastWaiter(client), { Filters: byArn(arn) });
    await client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
  });
});

describe('tags and unknown resources', () => {
  it('adds, lists and removes tags; unknown ARNs are not found', async () => {
    await client.send(
      new AddTagsToResourceCommand({
        ResourceArn: pipeline.instanceArn,
        Tags: [
          { Key: 'team', Value: 'data' },
          { Key: 'env', Value: 'sandbox' },
        ],
      }),
    );
    await client.send(new RemoveTagsFromResourceCommand({ ResourceArn: pipeline.instanceArn, TagKeys: ['env'] }));
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceArn: pipeline.instanceArn }));
    expect(tags.TagList!.map((t) => [t.Key, t.Value])).toEqual([['team', 'data']]);
    const missing = 'arn:aws:dms:us-east-1:123456789012:task:AAAAAAAAAAAAAAAAAAAAAAAAAA';
    await expectFault(client.send(new ListTagsForResourceCommand({ ResourceArn: missing })), 'ResourceNotFoundFault');
    await expectFault(client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: missing })), 'ResourceNotFoundFault');
    await expectFault(
      client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: missing, StartReplicationTaskType: 'start-replication' })),
      'ResourceNotFoundFault',
    );
  });
});

function checkAgainstBotocore(exchanges: RecordedExchange[]): { checked: number; problems: string[] } {
  const file = path.join(os.tmpdir(), `${uniqueId('exchanges')}.json`);
  fs.writeFileSync(file, JSON.stringify(exchanges));
  try {
    const out = execFileSync(requireEnv('SANDBOX_PYTHON'), [path.join(__dirname, 'botocoreShapes.py'), file]);
    return JSON.parse(out.toString()) as { checked: number; problems: string[] };
  } finally {
    fs.rmSync(file);
  }
}

describe("botocore's DMS model", () => {
  it('flags what DMS would not answer: unknown members, wrong types, bad enums, undeclared errors', () => {
    const report = checkAgainstBotocore([
      { operation: 'DescribeReplicationTasks', status: 200, body: JSON.stringify({ ReplicationTasks: [{ Status: 5, Bogus: 1 }] }) },
      { operation: 'CreateReplicationTask', status: 200, body: JSON.stringify({ ReplicationTask: { MigrationType: 'cdc-only' } }) },
      { operation: 'ReloadTables', status: 400, body: JSON.stringify({ __type: 'ReplicationTaskNotFound', message: 'x' }) },
    ]);
    expect(report.problems).toEqual([
      expect.stringContaining("CreateReplicationTask.ReplicationTask.MigrationType: 'cdc-only' is not one of"),
      'DescribeReplicationTasks.ReplicationTasks[0].Bogus: not a member of ReplicationTask (an SDK drops it)',
      'DescribeReplicationTasks.ReplicationTasks[0].Status: 5 is not a string',
      expect.stringContaining("ReloadTables: error 'ReplicationTaskNotFound' (HTTP 400) is not declared for it"),
    ]);
  });

  // Runs last: it checks every response the suite above received, success and error alike, byte for byte.
  it('accepts every response of this suite: members, required fields, types, enums and declared errors', () => {
    const report = checkAgainstBotocore(proxy.exchanges);
    const operations = new Set(proxy.exchanges.map((e) => e.operation));
    expect(operations.size).toBeGreaterThanOrEqual(15);
    expect(report.checked).toBe(proxy.exchanges.length);
    expect(report.problems).toEqual([]);
  });
});
