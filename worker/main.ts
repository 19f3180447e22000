import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../domain/config';
import { configPathFromEnv, loadPipelineConfigFile } from './configFile';
import { createRunbookWorker } from './createWorker';
import { workerDeploymentOptions } from './deployment';
import { startHealthServer } from './healthServer';
import { createLogger } from './logging';
import { temporalConnectSettings } from './temporalConnection';

/**
 * `npm run worker` (development: bundles the workflows at start) or `node dist/worker/main.js` after
 * `npm run build` (production: loads the prebuilt bundle). SIGINT/SIGTERM shut it down gracefully.
 */
async function main(): Promise<void> {
  const logger = createLogger({ component: 'worker' });
  let config;
  try {
    config = loadPipelineConfigFile(configPathFromEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const { connectionOptions, namespace } = temporalConnectSettings();
  const bundlePath = process.env.WORKFLOW_BUNDLE ?? path.join(__dirname, '..', 'workflow-bundle.js');
  const prebuilt = __filename.endsWith('.js') && fs.existsSync(bundlePath);
  const deployment = workerDeploymentOptions();
  const runbookWorker = await createRunbookWorker({
    config,
    address: connectionOptions.address ?? '127.0.0.1:7233',
    connectionOptions,
    namespace,
    logger,
    taskQueue: process.env.DMS_RUNBOOKS_TASK_QUEUE,
    workflows: prebuilt ? { bundlePath } : { workflowsPath: require.resolve('../workflows') },
    metricsAddress: process.env.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464',
    deployment,
  });
  const health = startHealthServer(runbookWorker.worker, process.env.WORKER_HEALTH_ADDRESS ?? '127.0.0.1:9465');
  logger.info(
    {
      address: connectionOptions.address,
      namespace,
      taskQueue: runbookWorker.worker.options.taskQueue,
      bundle: prebuilt ? bundlePath : 'built at start',
      pipeline: config.name,
      deploymentVersion: deployment ? `${deployment.version.deploymentName}.${deployment.version.buildId}` : 'unversioned',
    },
    'worker started',
  );
  await runbookWorker.run();
  health.close();
  logger.info('worker stopped');
}

main().catch((error: Error) => {
  console.error(`worker failed: ${error.message}`);
  process.exit(1);
});
