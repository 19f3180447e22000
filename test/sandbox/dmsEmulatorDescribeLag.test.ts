import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  ModifyReplicationTaskCommand,
  StartReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import {
  admin,
  createPipeline,
  deletePipeline,
  describeTask,
  dmsClient,
  eventually,
  selectionMapping,
  type TestPipeline,
  uniqueId,
} from '../support/dmsEmulatorClient';
import { loadStackEnv } from '../support/stackEnv';

jest.setTimeout(120000);

/**
 * Describe lags the writes (behaviour `describeLag`, unverified in AWS's documentation): right after a Create the task
 * is not found, right after a Modify or Start Describe still answers the state from before; then the change shows.
 */

let client: DatabaseMigrationServiceClient;
let pipeline: TestPipeline;
let behaviourBefore: Record<string, unknown>;
const name = uniqueId('lag');
const LAG_MS = 3000;

beforeAll(async () => {
  loadStackEnv();
  behaviourBefore = await admin('/behaviour');
  await admin('/behaviour', 'POST', { describeLag: { milliseconds: 0 } });
  client = dmsClient();
  pipeline = await createPipeline(client, name);
  await admin('/clock', 'POST', { speed: 600 });
});

afterAll(async () => {
  await admin('/behaviour', 'POST', { describeLag: { milliseconds: 0 } });
  await deletePipeline(client, pipeline);
  await admin('/behaviour', 'POST', behaviourBefore);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  client.destroy();
});

const notFound = (arn: string) =>
  client.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }] })).then(
    () => 'found',
    (e: Error) => e.name,
  );

it('answers the past for the lag after Create, Modify and Start, then the present', async () => {
  await admin('/behaviour', 'POST', { describeLag: { milliseconds: LAG_MS } });
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: `${name}-task`,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load',
      TableMappings: selectionMapping([['shop', 'products']]),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  // The Create's own answer is the present; Describe is not there yet.
  expect(created.ReplicationTask!.Status).toBe('creating');
  expect(await notFound(arn)).toBe('ResourceNotFoundFault');
  const ready = await eventually(
    () => describeTask(client, arn).catch(() => undefined),
    (t) => t?.Status === 'ready',
    30000,
    'the created task to show',
  );
  expect(ready!.TableMappings).toBe(selectionMapping([['shop', 'products']]));

  const modified = selectionMapping([['shop', 'customers']]);
  await client.send(new ModifyReplicationTaskCommand({ ReplicationTaskArn: arn, TableMappings: modified }));
  const stale = await describeTask(client, arn);
  expect([stale.Status, stale.TableMappings]).toEqual(['ready', selectionMapping([['shop', 'products']])]);
  await eventually(
    () => describeTask(client, arn),
    (t) => t.TableMappings === modified && t.Status === 'ready',
    30000,
    'the modification to show',
  );

  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  const beforeStart = await describeTask(client, arn);
  expect(beforeStart.Status).toBe('ready');
  expect(beforeStart.ReplicationTaskStartDate).toBeUndefined();
  await eventually(
    () => describeTask(client, arn),
    (t) => t.Status !== 'ready' && t.ReplicationTaskStartDate !== undefined,
    30000,
    'the start to show',
  );
});

it('answers the present at once when the lag is off', async () => {
  await admin('/behaviour', 'POST', { describeLag: { milliseconds: 0 } });
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: `${name}-nolag`,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load',
      TableMappings: selectionMapping([['shop', 'products']]),
    }),
  );
  expect(await notFound(created.ReplicationTask!.ReplicationTaskArn!)).toBe('found');
});

it('refuses a lag setting that names an operation it does not know', async () => {
  await expect(admin('/behaviour', 'POST', { describeLag: { operations: ['DescribeEndpoints'] } })).rejects.toThrow(/400/);
});
