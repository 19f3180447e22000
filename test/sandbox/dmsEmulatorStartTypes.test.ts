import {
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  waitUntilReplicationTaskReady,
  waitUntilReplicationTaskRunning,
  waitUntilReplicationTaskStopped,
} from '@aws-sdk/client-database-migration-service';
import {
  admin,
  createPipeline,
  deletePipeline,
  dmsClient,
  fastWaiter,
  headerRules,
  selectionMapping,
  type TestPipeline,
  uniqueId,
  withoutDescribeLag,
} from '../support/dmsEmulatorClient';
import { loadStackEnv } from '../support/stackEnv';

jest.setTimeout(180000);

// Judges each call's effect at once; the lag of Describe after writes has its own suite (dmsEmulatorDescribeLag).
withoutDescribeLag();

/**
 * StartReplicationTaskType by a task's history (API reference, StartReplicationTask): start-replication is the first
 * run's type; a full-load-and-cdc task that ran is refused it and takes resume-processing or reload-target.
 */

let client: DatabaseMigrationServiceClient;
let pipeline: TestPipeline;
const name = uniqueId('start');

beforeAll(async () => {
  loadStackEnv();
  await admin('/clock', 'POST', { speed: 600 });
  client = dmsClient();
  pipeline = await createPipeline(client, name);
});

afterAll(async () => {
  await deletePipeline(client, pipeline);
  await admin('/clock', 'POST', { speed: Number(process.env.STACK_DMS_SPEED ?? 60) });
  client.destroy();
});

it('refuses start-replication on a full-load-and-cdc task that already ran; resume-processing and reload-target start it', async () => {
  const created = await client.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: `${name}-flc`,
      SourceEndpointArn: pipeline.sourceArn,
      TargetEndpointArn: pipeline.targetArn,
      ReplicationInstanceArn: pipeline.instanceArn,
      MigrationType: 'full-load-and-cdc',
      TableMappings: selectionMapping([['shop', 'newsletter_signups']], headerRules),
    }),
  );
  const arn = created.ReplicationTask!.ReplicationTaskArn!;
  const byArn = { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] };
  const start = (type: 'start-replication' | 'resume-processing' | 'reload-target') =>
    client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: type }));
  const stop = async () => {
    await client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    await waitUntilReplicationTaskStopped(fastWaiter(client), byArn);
  };
  await waitUntilReplicationTaskReady(fastWaiter(client), byArn);
  await expect(start('resume-processing')).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  await start('start-replication');
  await waitUntilReplicationTaskRunning(fastWaiter(client), byArn);
  await stop();

  await expect(start('start-replication')).rejects.toMatchObject({
    name: 'InvalidParameterCombinationException',
    message: expect.stringContaining('has already run') as unknown,
  });
  await start('resume-processing');
  await waitUntilReplicationTaskRunning(fastWaiter(client), byArn);
  await stop();
  await start('reload-target');
  await waitUntilReplicationTaskRunning(fastWaiter(client), byArn);
  await stop();
});
