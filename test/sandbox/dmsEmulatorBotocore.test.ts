import { execFile } from 'node:child_process';
import path from 'node:path';
import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import {
  admin,
  createPipeline,
  deletePipeline,
  dmsClient,
  selectionMapping,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(180000);

// AWS's waiters judge the first Describe after a Start; the lag after writes has its own suite.
withoutDescribeLag();

/** botocore's own DMS waiters (boto3 pinned in the project's Python environment) against the emulator, as against AWS. */

interface WaiterOutcome {
  outcome: 'success' | 'failure';
  reason?: string;
  message?: string;
}

function botocoreWait(waiter: string, filters: { Name: string; Values: string[] }[]): Promise<WaiterOutcome> {
  const script = path.join(__dirname, 'botocoreWaiter.py');
  return new Promise((resolve, reject) => {
    execFile(
      requireEnv('SANDBOX_PYTHON'),
      [script, requireEnv('AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE'), waiter, JSON.stringify(filters)],
      { timeout: 150000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${waiter}: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as WaiterOutcome);
      },
    );
  });
}

let client: DatabaseMigrationServiceClient;
let pipeline: TestPipeline;
const name = uniqueId('boto');
const taskFilter = (arn: string) => [{ Name: 'replication-task-arn', Values: [arn] }];

async function newTask(id: string): Promise<string> {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: id,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load',
      TableMappings: selectionMapping([
        ['shop', 'orders'],
        ['shop', 'products'],
      ]),
    }),
  );
  return created.ReplicationTask!.ReplicationTaskArn!;
}

beforeAll(async () => {
  loadStackEnv();
  await admin('/clock', 'POST', { speed: 300 });
  client = dmsClient();
  pipeline = await createPipeline(client, name);
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  client.destroy();
});

it('replication_instance_available succeeds once a new instance is available', async () => {
  expect(
    await botocoreWait('replication_instance_available', [{ Name: 'replication-instance-arn', Values: [pipeline.instanceArn] }]),
  ).toEqual({
    outcome: 'success',
  });
});

it('replication_task_ready, _running and _stopped follow a task through its life', async () => {
  const id = `${name}-life`;
  const arn = await newTask(id);
  expect(await botocoreWait('replication_task_ready', taskFilter(arn))).toEqual({ outcome: 'success' });
  await admin('/faults', 'POST', { extraFullLoadSeconds: { [id]: 6000 } });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  expect(await botocoreWait('replication_task_running', taskFilter(arn))).toEqual({ outcome: 'success' });
  // The ready waiter on a task that already ran fails at once instead of waiting forever.
  expect((await botocoreWait('replication_task_ready', taskFilter(arn))).outcome).toBe('failure');
  await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
  expect(await botocoreWait('replication_task_stopped', taskFilter(arn))).toEqual({ outcome: 'success' });
  await admin('/faults', 'POST', { extraFullLoadSeconds: { [id]: null } });
});

it('replication_task_stopped fails, rather than hangs, when the task fails', async () => {
  const id = `${name}-fails`;
  const arn = await newTask(id);
  expect(await botocoreWait('replication_task_ready', taskFilter(arn))).toEqual({ outcome: 'success' });
  // Slow enough that the running waiter sees it running before it fails at 40 %.
  await admin('/faults', 'POST', {
    taskFailures: { [id]: { atPercent: 40, message: 'injected: source connection lost' } },
    extraFullLoadSeconds: { [id]: 3000 },
  });
  await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
  expect(await botocoreWait('replication_task_running', taskFilter(arn))).toEqual({ outcome: 'success' });
  const stopped = await botocoreWait('replication_task_stopped', taskFilter(arn));
  expect(stopped.outcome).toBe('failure');
  expect(stopped.message).toMatch(/terminal failure state/);
  const task = (await client.send(new DescribeReplicationTasksCommand({ Filters: taskFilter(arn) }))).ReplicationTasks![0]!;
  expect(task.Status).toBe('failed');
  expect(task.StopReason).toBe('Stop Reason FATAL_ERROR');
  expect(task.LastFailureMessage).toBe('injected: source connection lost');
  await admin('/faults', 'POST', { taskFailures: { [id]: null }, extraFullLoadSeconds: { [id]: null } });
});
