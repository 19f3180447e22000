import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { pipelineConfigSchema } from '../../domain/config';
import { createRunbookWorker } from '../../worker/createWorker';

/**
 * A worker in a process of its own, so a test can SIGKILL it mid-runbook and start another.
 * Env: TEST_WORKER_CONFIG (JSON file of a pipeline config), TEST_WORKER_QUEUE, STACK_DIR, TEMPORAL_ADDRESS.
 */
async function main(): Promise<void> {
  // The test that spawned this worker is gone (finished, failed or force-exited): never outlive it.
  process.on('disconnect', () => process.exit(0));
  process.channel?.unref(); // …but the channel alone must not keep a stopped worker's process alive
  const config = pipelineConfigSchema.parse(JSON.parse(fs.readFileSync(process.env.TEST_WORKER_CONFIG!, 'utf8')));
  const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');
  const worker = await createRunbookWorker({
    config,
    address: process.env.TEMPORAL_ADDRESS!,
    namespace: 'default',
    taskQueue: process.env.TEST_WORKER_QUEUE!,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
    workflows: { bundlePath: path.join(stackDir, 'test', 'workflow-bundle.js') },
    // A killed worker's sticky queue holds the runbook's next workflow task until this timeout: keep crash tests short.
    overrides: { stickyQueueScheduleToStartTimeout: '1 second' },
  });
  console.log('worker-ready');
  await worker.run();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
