import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { startRunbook } from '../client/runbooks';
import { statusCommand } from '../domain/operatorCommands';
import { readStackEnv } from '../sandbox/stack/stackEnv';
import { demoPipelineDoctor } from './demoDoctor';
import { loadPipelineConfigFile } from '../worker/configFile';
import { createRunbookWorker } from '../worker/createWorker';

/**
 * `npm run demo`: brings the stack up, starts a worker, starts the most complete runbook against the sandbox, and
 * prints the Web UI link and the exact CLI commands to follow it. Runs until Ctrl-C (the stack stays up).
 */
const root = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const up = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'sandbox', 'stack', 'cli.ts'), 'up'],
    { stdio: 'inherit' },
  );
  if (up.status !== 0) process.exit(up.status ?? 1);
  const stackDir = process.env.STACK_DIR ?? path.join(root, '.stack');
  Object.assign(process.env, readStackEnv(stackDir), { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

  const config = loadPipelineConfigFile(process.env.DMS_RUNBOOKS_CONFIG!);
  const logFile = path.join(stackDir, 'logs', 'demo-worker.log');
  const logger = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: false }));
  const address = process.env.TEMPORAL_ADDRESS!;
  const worker = await createRunbookWorker({
    config,
    address,
    namespace: 'default',
    logger,
    workflows: { workflowsPath: require.resolve('../workflows') },
  });
  const running = worker.run();
  console.log(`\n[demo] worker running on task queue ${worker.worker.options.taskQueue} (logs: ${logFile})`);

  const client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  const handle = await startRunbook(client, 'checkSourceReadiness', { source: 'shop' });
  const ui = `${process.env.TEMPORAL_UI_URL}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`;
  const temporalBin = process.env.TEMPORAL_CLI_PATH ?? 'temporal';
  console.log(`[demo] started checkSourceReadiness for source "shop": workflow id ${handle.workflowId}`);
  console.log(`[demo] Web UI: ${ui}`);
  console.log(
    `[demo] the temporal CLI is ${temporalBin}; to use the commands below as written:\n         export PATH="${path.dirname(temporalBin)}:$PATH"`,
  );
  console.log(
    `[demo] follow it:\n         ${statusCommand(handle.workflowId)}\n         temporal workflow describe --workflow-id ${handle.workflowId}`,
  );
  const result = await handle.result();
  console.log(`[demo] ${result.kind} finished: ${result.message}`);
  for (const check of (result.report as { checks: Array<{ id: string; status: string; seen: string }> }).checks) {
    console.log(`         ${check.status.padEnd(4)} ${check.id.padEnd(26)} ${check.seen}`);
  }
  await demoPipelineDoctor(client, process.env.TEMPORAL_UI_URL!);
  console.log('\n[demo] running until Ctrl-C (the stack stays up until: npm run stack:down)');
  await running;
  console.log('[demo] worker stopped');
}

main().catch((error: Error) => {
  console.error(`[demo] ${error.message}`);
  process.exit(1);
});
