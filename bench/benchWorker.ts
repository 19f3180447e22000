import fs from 'node:fs';
import pino from 'pino';
import { pipelineConfigSchema } from '../domain/config';
import { createRunbookWorker } from '../worker/createWorker';

/**
 * A worker process for the benchmarks: the real worker with the bench workflows; env BENCH_CONFIG, BENCH_QUEUE, and
 * BENCH_BUNDLE (a prebuilt bundle, as in production) or none (bundled here at start, as `npm run worker` does).
 */
async function main(): Promise<void> {
  const config = pipelineConfigSchema.parse(JSON.parse(fs.readFileSync(process.env.BENCH_CONFIG!, 'utf8')));
  const bundlePath = process.env.BENCH_BUNDLE;
  const worker = await createRunbookWorker({
    config,
    address: process.env.TEMPORAL_ADDRESS!,
    namespace: 'default',
    taskQueue: process.env.BENCH_QUEUE!,
    logger: pino({ level: 'warn' }),
    workflows: bundlePath ? { bundlePath } : { workflowsPath: require.resolve('./workflows') },
  });
  console.log('bench-worker-ready');
  await worker.run();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
