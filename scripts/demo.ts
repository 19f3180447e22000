import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { defaultWorkflowId, startRunbook } from '../client/runbooks';
import { signStart } from '../client/signing';
import { SCHEMA_DRIFT_SCHEDULE_ID, schemaDriftScheduleCommand, upsertRunbookSchedule } from '../client/schedules';
import { statusCommand } from '../domain/operatorCommands';
import type { RunbookStatus } from '../domain/runbookStatus';
import { readStackEnv } from '../sandbox/stack/stackEnv';
import { statusQuery } from '../contracts/handlers';
import { demoPipelineDoctor } from './demoDoctor';
import { loadPipelineConfigFile } from '../worker/configFile';
import { createRunbookWorker } from '../worker/createWorker';

/**
 * `npm run demo`: brings the stack up, starts a worker, checks the source, then starts onboarding
 * `shop.newsletter_signups` and waits for a person to approve it — printing the Web UI link and the exact CLI
 * commands. Runs until Ctrl-C (the worker stops; the stack stays up until `npm run stack:down`).
 */
const root = path.resolve(__dirname, '..');
const DEMO_TABLE = process.env.DEMO_TABLE ?? 'shop.newsletter_signups';

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
  const temporalBin = process.env.TEMPORAL_CLI_PATH ?? 'temporal';
  const ui = (id: string) => `${process.env.TEMPORAL_UI_URL}/namespaces/default/workflows/${encodeURIComponent(id)}`;
  console.log(`\n[demo] worker running on task queue ${worker.worker.options.taskQueue} (logs: ${logFile})`);
  console.log(
    `[demo] the temporal CLI is ${temporalBin}; to paste the commands below as written:\n         export PATH="${path.dirname(temporalBin)}:$PATH"`,
  );

  const client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  const readiness = await startRunbook(client, 'checkSourceReadiness', { source: 'shop' });
  const checked = await readiness.result();
  console.log(`\n[demo] 1. checkSourceReadiness: ${checked.message}  (${ui(readiness.workflowId)})`);

  console.log('\n[demo] 2. schedules');
  const drift = await upsertRunbookSchedule(client, {
    scheduleId: SCHEMA_DRIFT_SCHEDULE_ID,
    kind: 'schemaDriftWatch',
    input: { requestedBy: 'schedule' },
    every: '15m',
    workflowId: 'schemaDriftWatch',
  });
  console.log(
    `         ${SCHEMA_DRIFT_SCHEDULE_ID} ${drift.created ? 'created' : 'updated'}: schemaDriftWatch every 15 min; the same with the CLI:`,
  );
  console.log(`         ${schemaDriftScheduleCommand({ every: '15m' })}`);
  console.log(`         run it now: temporal schedule trigger --schedule-id ${SCHEMA_DRIFT_SCHEDULE_ID}`);

  console.log('\n[demo] 3. pipelineDoctor');
  await demoPipelineDoctor(client, process.env.TEMPORAL_UI_URL!);

  // Signed as the sandbox person `demo` (stack:up made the keys): the sandbox requires signed decisions, as production does.
  const keys = process.env.SANDBOX_KEYS_DIR ?? path.join(stackDir, 'keys');
  const onboardInput: Record<string, unknown> = { table: DEMO_TABLE, requestedBy: 'demo' };
  const onboardId = defaultWorkflowId('onboardTable', onboardInput);
  onboardInput.requestedBySignature = await signStart(
    { workflowId: onboardId, kind: 'onboardTable', requestedBy: 'demo', input: onboardInput },
    path.join(keys, 'demo'),
  );
  const onboarding = await startRunbook(client, 'onboardTable', onboardInput as never, { workflowId: onboardId });
  console.log(`\n[demo] 4. onboardTable ${DEMO_TABLE}: workflow id ${onboarding.workflowId}`);
  console.log(`         Web UI: ${ui(onboarding.workflowId)}`);
  let status: RunbookStatus | undefined;
  for (let i = 0; i < 240 && !status?.pendingGate && !['succeeded', 'failed', 'rejected', 'expired'].includes(status?.phase ?? ''); i++) {
    await new Promise((r) => setTimeout(r, 500));
    status = await onboarding.query(statusQuery).catch(() => undefined);
  }
  if (status?.pendingGate) {
    console.log(`         waiting at gate "${status.pendingGate.gate}": ${status.pendingGate.plan.summary}`);
    console.log(`         follow:  ${statusCommand(onboarding.workflowId)}`);
    console.log(`         plan digest: ${status.pendingGate.planDigest}`);
    const as = `DMS_RUNBOOKS_USER=dba-oncall DMS_RUNBOOKS_SIGNING_KEY=${path.join(keys, 'dba-oncall')}`;
    console.log(
      `         approve (signed with dba-oncall's SSH key): ${as} npx dms-runbooks approve ${onboarding.workflowId} --reason demo`,
    );
    console.log(`         reject:  ${as} npx dms-runbooks reject ${onboarding.workflowId} --reason demo`);
    console.log(
      `         or with the Temporal CLI: temporal workflow update execute --workflow-id ${onboarding.workflowId} --name decide --input "$(${as} npx dms-runbooks sign ${onboarding.workflowId} --decision approve --reason demo)"`,
    );
  } else {
    console.log(
      `         ${status?.phase ?? 'no status'}: ${status?.errors.join('; ') ?? ''} (a table onboarded by an earlier demo is refused; npm run stack:down && rm -rf .stack resets the sandbox)`,
    );
  }
  let stopping = false;
  onboarding.result().then(
    (r) => console.log(`\n[demo] onboardTable finished: ${r.outcome} — ${r.message}`),
    (e: Error) => stopping || console.log(`\n[demo] onboardTable failed: ${(e.cause as Error | undefined)?.message ?? e.message}`),
  );
  console.log('\n[demo] running until Ctrl-C (the stack stays up until: npm run stack:down)');
  await running;
  stopping = true;
  // The pending result() above holds the connection open: close it so Ctrl-C ends the demo.
  await client.connection.close();
  console.log('[demo] worker stopped');
}

main().catch((error: Error) => {
  console.error(`[demo] ${error.message}`);
  process.exit(1);
});
