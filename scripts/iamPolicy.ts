import path from 'node:path';
import { configPathFromEnv, loadPipelineConfigFile } from '../worker/configFile';
import { buildPolicy, scanSdkActions } from '../worker/iamPolicy';

/** `npm run iam-policy [config file]`: prints the worker's least-privilege IAM policy for a pipeline. */
const file =
  process.argv[2] ??
  (process.env.DMS_RUNBOOKS_CONFIG ? configPathFromEnv() : path.resolve(__dirname, '..', 'config', 'sandbox.pipeline.yaml'));
const actions = scanSdkActions(path.resolve(__dirname, '..', 'activities'));
console.log(JSON.stringify(buildPolicy(loadPipelineConfigFile(file), actions), null, 2));
