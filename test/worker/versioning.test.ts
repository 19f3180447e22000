import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { startRunbook } from '../../client/runbooks';
import { createRunbookWorker, RunbookWorker } from '../../worker/createWorker';
import { testConfig } from '../support/testConfig';

/**
 * A worker with a deployment version (Worker Versioning): once the version is current, it runs the runbooks, each
 * with its behaviour from workflows/versioningBehavior.ts (pinned for the runbooks that act after a gate).
 */

const deploymentName = `dmsrb-test-${process.pid}`;
const taskQueue = `versioned-${process.pid}-${Date.now()}`;
const buildId = '0.1.0+test';
let worker: RunbookWorker;
let running: Promise<void>;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');
  worker = await createRunbookWorker({
    config: testConfig(),
    address: process.env.TEMPORAL_ADDRESS!,
    namespace: 'default',
    taskQueue,
    logger: pino({ level: 'silent' }),
    workflows: { bundlePath: path.join(stackDir, 'test', 'workflow-bundle.js') },
    deployment: { version: { deploymentName, buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' },
  });
  running = worker.run();
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
  // The version exists once the worker has polled: then it can be made current.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      execFileSync(
        process.env.TEMPORAL_CLI_PATH!,
        [
          'worker',
          'deployment',
          'set-current-version',
          '--deployment-name',
          deploymentName,
          '--build-id',
          buildId,
          '--yes',
          '--address',
          process.env.TEMPORAL_ADDRESS!,
        ],
        { stdio: 'pipe' },
      );
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
});

afterAll(async () => {
  if (worker?.worker.getState() === 'RUNNING') worker.worker.shutdown();
  await running;
  await connection?.close();
});

const behaviour = async (workflowId: string) =>
  (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.versioningInfo;

test('a versioned worker runs the runbooks: pinned where they act after a gate, auto-upgrade where read-only', async () => {
  const dry = await startRunbook(client, 'onboardTable', { table: 'shop.customers', dryRun: true }, { taskQueue });
  await dry.result().catch(() => undefined);
  expect(await behaviour(dry.workflowId)).toMatchObject({ behavior: 1 /* VERSIONING_BEHAVIOR_PINNED */ });
  expect((await behaviour(dry.workflowId))?.deploymentVersion).toMatchObject({ deploymentName, buildId });

  const readiness = await startRunbook(client, 'checkSourceReadiness', { source: 'shop' }, { taskQueue });
  await readiness.result();
  expect(await behaviour(readiness.workflowId)).toMatchObject({ behavior: 2 /* VERSIONING_BEHAVIOR_AUTO_UPGRADE */ });
});
