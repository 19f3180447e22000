import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection, ScheduleAlreadyRunning } from '@temporalio/client';
import pino from 'pino';
import { startRunbook } from '../client/runbooks';
import { createSchemaDriftSchedule, SCHEMA_DRIFT_SCHEDULE_ID, schemaDriftScheduleCommand } from '../client/schedules';
import { statusCommand } from '../domain/operatorCommands';
import { readStackEnv } from '../sandbox/stack/stackEnv';
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
  await scheduleDriftWatch(client);
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
  console.log('\n[demo] running until Ctrl-C (the stack stays up until: npm run stack:down)');
  await running;
  console.log('[demo] worker stopped');
}

/** The schemaDriftWatch schedule, as an operator creates it with the CLI (kept if it already exists). */
async function scheduleDriftWatch(client: Client): Promise<void> {
  try {
    await createSchemaDriftSchedule(client, { every: '15m' });
    console.log(`[demo] created the Temporal Schedule ${SCHEMA_DRIFT_SCHEDULE_ID}: schemaDriftWatch every 15 min; the same with the CLI:`);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    console.log(`[demo] the Temporal Schedule ${SCHEMA_DRIFT_SCHEDULE_ID} already exists; it was created as:`);
  }
  console.log(`         ${schemaDriftScheduleCommand({ every: '15m' })}`);
  console.log(`         run it now: temporal schedule trigger --schedule-id ${SCHEMA_DRIFT_SCHEDULE_ID}`);
}

main().catch((error: Error) => {
  console.error(`[demo] ${error.message}`);
  process.exit(1);
});
