import {
  DatabaseMigrationServiceClient,
  DeleteReplicationTaskCommand,
  DescribeReplicationTasksCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { pipelineConfigSchema } from '../domain/config';
import { decideUpdate, statusQuery } from '../contracts/handlers';
import { scratchGroup } from '../test/support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../test/support/scratchTables';
import { testConfig } from '../test/support/testConfig';
import { benchEnv, setEmulatorSpeed, startBenchWorker, temporalClient, writeResult } from './benchSupport';

/**
 * DMS API calls per emulated hour while 50 runbooks wait on the full loads of 50 tasks of one instance: the
 * worker shares one DescribeReplicationTasks per poll interval for all of them, against the baseline of one
 * Describe per runbook per poll.
 */
const RUNBOOKS = Number(process.env.BENCH_RUNBOOKS ?? 50);
const POLL_SECONDS = 1; // one poll per emulated minute at the emulator's 60×
const WINDOW_SECONDS = 60; // one emulated hour

async function emulator(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${process.env.DMS_EMULATOR_ADMIN_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator ${path}: HTTP ${response.status}`);
  return response.json();
}

export async function sharedPolling(): Promise<Record<string, unknown>> {
  benchEnv();
  await setEmulatorSpeed(60);
  const { client, close } = await temporalClient();
  const dms = new DatabaseMigrationServiceClient({});
  const tables: string[] = [];
  for (let i = 0; i < RUNBOOKS; i++) tables.push(await createScratchTable(uniqueName('bp'), { rows: 50 }));
  const groups = tables.map((t) => scratchGroup(`g-${t.split('.')[1]}`, [t]));
  const base = testConfig();
  const config = pipelineConfigSchema.parse({
    ...base,
    taskGroups: [...base.taskGroups, ...groups],
    waits: { ...base.waits, pollSeconds: POLL_SECONDS, dmsRequestsPerSecond: 4 },
  });
  const worker = await startBenchWorker(config, `bench-polling-${uniqueName('q')}`);
  // Loads long enough to measure a whole emulated hour while every runbook waits.
  await emulator('POST', '/faults', { extraFullLoadSeconds: Object.fromEntries(groups.map((g) => [g.taskIdentifier, 3 * 3600])) });
  let measured = { describeTasks: 0, tableStatistics: 0, all: 0 };
  let waitingRunbooks = 0;
  try {
    const handles = await Promise.all(
      tables.map((table) =>
        client.workflow.start('onboardTable', { taskQueue: worker.queue, workflowId: uniqueName('bench-poll-'), args: [{ table }] }),
      ),
    );
    await Promise.all(
      handles.map(async (handle) => {
        while ((await handle.query(statusQuery).catch(() => undefined))?.pendingGate?.gate !== 'apply-mapping')
          await new Promise((r) => setTimeout(r, 500));
        await handle.executeUpdate(decideUpdate, {
          args: [{ gate: 'apply-mapping', approver: 'dba-oncall', reason: 'bench', decision: 'approve' }],
        });
      }),
    );
    const loading = async () =>
      (await Promise.all(handles.map((h) => h.query(statusQuery)))).filter(
        (s) => s.steps.find((step) => step.id === 'load')?.state === 'current',
      ).length;
    for (let i = 0; i < 600 && (waitingRunbooks = await loading()) < RUNBOOKS; i++) await new Promise((r) => setTimeout(r, 1000));
    await emulator('POST', '/calls/reset');
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000));
    const calls = (await emulator('GET', '/calls')) as { operations: Record<string, { count: number }>; totals: { all: number } };
    measured = {
      describeTasks: calls.operations.DescribeReplicationTasks?.count ?? 0,
      tableStatistics: calls.operations.DescribeTableStatistics?.count ?? 0,
      all: calls.totals.all,
    };
    for (const handle of handles) await handle.terminate('benchmark over').catch(() => undefined);
  } finally {
    await emulator('POST', '/faults', { extraFullLoadSeconds: Object.fromEntries(groups.map((g) => [g.taskIdentifier, null])) });
    // Stop and delete the benchmark's tasks: 50 CDC tasks would keep reading the binlog.
    for (const group of groups) {
      const arn = await dms
        .send(
          new DescribeReplicationTasksCommand({
            Filters: [{ Name: 'replication-task-id', Values: [group.taskIdentifier] }],
            WithoutSettings: true,
          }),
        )
        .then((r) => r.ReplicationTasks?.[0]?.ReplicationTaskArn)
        .catch(() => undefined);
      if (!arn) continue;
      await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn })).catch(() => undefined);
      for (let i = 0; i < 40; i++) {
        const deleted = await dms.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn })).then(
          () => true,
          () => false,
        );
        if (deleted) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await worker.stop();
    await close();
    dms.destroy();
    for (const t of tables) await dropScratchTable(t);
  }
  const polls = WINDOW_SECONDS / POLL_SECONDS;
  const baseline = RUNBOOKS * polls;
  const result = {
    runbooksWaiting: waitingRunbooks,
    window: { realSeconds: WINDOW_SECONDS, emulatedHours: 1, pollSeconds: POLL_SECONDS, polls },
    measuredCallsPerEmulatedHour: measured,
    baselineOneDescribePerRunbookPerPoll: baseline,
    ratio: +(baseline / Math.max(1, measured.all)).toFixed(1),
    maxCallsPerMinute: measured.all,
    dmsLimitPerMinute: 240,
  };
  writeResult('shared-polling', result);
  return result;
}

if (require.main === module) {
  sharedPolling().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    },
  );
}
