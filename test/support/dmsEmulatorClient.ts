import { randomBytes } from 'node:crypto';
import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DeleteReplicationInstanceCommand,
  DeleteReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationTasksCommand,
  type ReplicationTask,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  waitUntilReplicationInstanceAvailable,
  waitUntilReplicationTaskDeleted,
  waitUntilReplicationTaskReady,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import { sandboxS3Settings } from '../../sandbox/stack/dmsEmulator';
import { requireEnv } from './stackEnv';

/** Helpers for tests that drive the DMS emulator: SDK client, admin calls, unique names, a ready-made pipeline. */

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export function dmsClient(endpoint = requireEnv('AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE')): DatabaseMigrationServiceClient {
  return new DatabaseMigrationServiceClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
}

export async function admin<T = Record<string, unknown>>(
  route: string,
  method: 'GET' | 'POST' | 'DELETE' = 'GET',
  body?: unknown,
  base = requireEnv('DMS_EMULATOR_ADMIN_URL'),
): Promise<T> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`admin ${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Fast waiters: the emulator runs many times faster than AWS. */
export const fastWaiter = (client: DatabaseMigrationServiceClient, maxWaitTime = 120) => ({
  client,
  maxWaitTime,
  minDelay: 1,
  maxDelay: 1,
});

export interface TestPipeline {
  instanceArn: string;
  sourceArn: string;
  targetArn: string;
  folder: string;
}

/** An instance, the sandbox MySQL source and an S3 target on the stack bucket under a folder of its own. */
export async function createPipeline(
  client: DatabaseMigrationServiceClient,
  name: string,
  s3Settings: Record<string, unknown> = {},
): Promise<TestPipeline> {
  const instance = await client.send(
    new CreateReplicationInstanceCommand({
      ReplicationInstanceIdentifier: `${name}-ri`,
      ReplicationInstanceClass: 'dms.r5.large',
      AllocatedStorage: 50,
    }),
  );
  const source = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: `${name}-src`,
      EndpointType: 'source',
      EngineName: 'mysql',
      ServerName: requireEnv('SOURCE_DB_HOST'),
      Port: Number(requireEnv('SOURCE_DB_PORT')),
      Username: requireEnv('SOURCE_DB_USER'),
      Password: requireEnv('SOURCE_DB_PASSWORD'),
    }),
  );
  const folder = `tests/${name}`;
  const target = await client.send(
    new CreateEndpointCommand({
      EndpointIdentifier: `${name}-s3`,
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: {
        ...sandboxS3Settings(requireEnv('STACK_BUCKET'), folder),
        ...s3Settings,
      },
    }),
  );
  const instanceArn = instance.ReplicationInstance!.ReplicationInstanceArn!;
  await waitUntilReplicationInstanceAvailable(fastWaiter(client), {
    Filters: [{ Name: 'replication-instance-arn', Values: [instanceArn] }],
  });
  return { instanceArn, sourceArn: source.Endpoint!.EndpointArn!, targetArn: target.Endpoint!.EndpointArn!, folder };
}

export async function describeTask(client: DatabaseMigrationServiceClient, arn: string): Promise<ReplicationTask> {
  const result = await client.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }] }));
  return result.ReplicationTasks![0]!;
}

/**
 * Polls until the predicate holds (or fails with the last value seen). A read that throws counts as "not yet": right
 * after a write, DMS's Describe may not find what was just created (the emulator's describeLag).
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const attempt = () =>
    read().then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    );
  let last: { value: T } | { error: Error } = await attempt();
  while (!('value' in last && ok(last.value))) {
    if (Date.now() > deadline) {
      const seen =
        'value' in last
          ? JSON.stringify(last.value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
          : `${last.error.name}: ${last.error.message}`;
      throw new Error(`timed out waiting for ${what}; last: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    last = await attempt();
  }
  return last.value;
}

export function selectionMapping(tables: [string, string][], extra: Record<string, unknown>[] = []): string {
  return JSON.stringify({
    rules: [
      ...tables.map(([schema, table], i) => ({
        'rule-type': 'selection',
        'rule-id': String(i + 1),
        'rule-name': `sel-${i + 1}`,
        'object-locator': { 'schema-name': schema, 'table-name': table },
        'rule-action': 'include',
      })),
      ...extra,
    ],
  });
}

const HEADER_COLUMNS: [string, string, Record<string, unknown>][] = [
  ['ar_h_change_seq', '$AR_H_CHANGE_SEQ', { type: 'string', length: 50 }],
  ['ar_h_operation', '$AR_H_OPERATION', { type: 'string', length: 10 }],
  ['ar_h_timestamp', '$AR_H_TIMESTAMP', { type: 'datetime', precision: 6 }],
];

/** add-column rules for the change sequence, operation and change time (what the pipeline adds). */
export const headerRules = HEADER_COLUMNS.map(([value, expression, dataType], i) => ({
  'rule-type': 'transformation',
  'rule-id': String(100 + i),
  'rule-name': `add-${value}`,
  'rule-target': 'column',
  'object-locator': { 'schema-name': '%', 'table-name': '%' },
  'rule-action': 'add-column',
  value,
  expression,
  'data-type': dataType,
}));

/**
 * DeleteReplicationTask, retried while DMS refuses it for a state the last Describe did not show yet (a Modify or Stop
 * still under way behind a stale view: the emulator's describeLag).
 */
export async function deleteWhenSettled(client: DatabaseMigrationServiceClient, arn: string): Promise<void> {
  await eventually(
    () => client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn })).then(() => true),
    (deleted) => deleted,
    60000,
    `task ${arn} deleted`,
  );
}

/** Deletes a test pipeline's tasks (stopping running ones), endpoints and instance, so runs leave no resources behind. */
export async function deletePipeline(client: DatabaseMigrationServiceClient, pipeline: TestPipeline): Promise<void> {
  const filter = [{ Name: 'replication-instance-arn', Values: [pipeline.instanceArn] }];
  const tasks = await client
    .send(new DescribeReplicationTasksCommand({ Filters: filter, WithoutSettings: true }))
    .then((r) => r.ReplicationTasks ?? [])
    .catch(() => []);
  for (const task of tasks) {
    const arn = task.ReplicationTaskArn!;
    const byArn = { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] };
    const current = await eventually(
      () => describeTask(client, arn),
      (t) => !['creating', 'starting', 'stopping', 'modifying'].includes(t.Status ?? ''),
    );
    if (current.Status === 'running') {
      await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
      await waitUntilReplicationTaskStopped(fastWaiter(client), byArn);
    }
    if (current.Status !== 'deleting') await deleteWhenSettled(client, arn);
    await waitUntilReplicationTaskDeleted(fastWaiter(client), byArn);
  }
  const endpoints = await client
    .send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [pipeline.sourceArn, pipeline.targetArn] }] }))
    .then((r) => r.Endpoints ?? [])
    .catch(() => []);
  for (const endpoint of endpoints) await client.send(new DeleteEndpointCommand({ EndpointArn: endpoint.EndpointArn }));
  await client.send(new DeleteReplicationInstanceCommand({ ReplicationInstanceArn: pipeline.instanceArn }));
}

/**
 * For suites that check another behaviour through AWS's own waiters, which poll at once after a call: Describe answers
 * the present for the suite's duration (the lag after writes is covered by dmsEmulatorDescribeLag.test.ts and by the
 * runbook suites, which run with it on). Call at the top of the suite.
 */
export function withoutDescribeLag(): void {
  let before: Record<string, unknown> | undefined;
  beforeAll(async () => {
    before = await admin<{ describeLag: Record<string, unknown> }>('/behaviour').then((b) => b.describeLag);
    await admin('/behaviour', 'POST', { describeLag: { milliseconds: 0 } });
  });
  afterAll(async () => {
    if (before) await admin('/behaviour', 'POST', { describeLag: before });
  });
}

/**
 * Creates a task for these tables on a test pipeline (with the header columns), waits until it is ready and starts
 * it; returns its ARN. `targetArn` sends it to another S3 target than the pipeline's.
 */
export async function startTableTask(
  client: DatabaseMigrationServiceClient,
  pipeline: TestPipeline,
  id: string,
  tables: [string, string][],
  options: { migrationType?: 'full-load' | 'full-load-and-cdc'; targetArn?: string } = {},
): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: id,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: options.targetArn ?? pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: options.migrationType ?? 'full-load-and-cdc',
      TableMappings: selectionMapping(tables, headerRules),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  return arn;
}
