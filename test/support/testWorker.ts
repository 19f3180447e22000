import { Client, Connection } from '@temporalio/client';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import pino, { Logger } from 'pino';
import type { PipelineConfig } from '../../domain/config';
import { createRunbookWorker, RunbookWorker } from '../../worker/createWorker';
import { testConfig } from './testConfig';
import { workflowBundlePath } from './workflowBundle';

export interface TestWorker {
  client: Client;
  taskQueue: string;
  config: PipelineConfig;
  worker: RunbookWorker;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * A real worker on a task queue of its own, against the stack's Temporal dev server, with the prebuilt bundle.
 * `logger` receives the worker's log lines (workflow `log` calls included) when it is the file's first worker;
 * `deployment` makes it a versioned worker (Worker Versioning, worker/deployment.ts).
 */
export async function startTestWorker(
  config: PipelineConfig = testConfig(),
  taskQueue = `test-${process.pid}-${Date.now()}-${counter++}`,
  logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  deployment?: WorkerDeploymentOptions,
): Promise<TestWorker> {
  const address = process.env.TEMPORAL_ADDRESS!;
  const worker = await createRunbookWorker({
    config,
    address,
    namespace: 'default',
    taskQueue,
    logger,
    workflows: { bundlePath: workflowBundlePath() },
    ...(deployment ? { deployment } : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    client,
    taskQueue,
    config,
    worker,
    async stop() {
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
