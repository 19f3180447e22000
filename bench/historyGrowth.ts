import { DatabaseMigrationServiceClient, DescribeReplicationTasksCommand } from '@aws-sdk/client-database-migration-service';
import { pipelineConfigSchema } from '../domain/config';
import { decideUpdate, statusQuery } from '../contracts/handlers';
import { createScratchTable, dropScratchTable, uniqueName } from '../test/support/scratchTables';
import { scratchGroup } from '../test/support/runbooks';
import { testConfig } from '../test/support/testConfig';
import { benchEnv, setEmulatorSpeed, startBenchWorker, temporalClient, writeResult } from './benchSupport';

/**
 * History events of onboardTable whose full load takes 1, 6 and 24 emulated hours, against the same wait written
 * as a sleep-and-poll loop every 30 s. The runbook's count must not grow with the length of the load.
 */
const LOAD_HOURS = [1, 6, 24];
const LOOP_HOURS = 1;
const LOOP_POLL_EMULATED_SECONDS = 30;

async function admin(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${process.env.DMS_EMULATOR_ADMIN_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator ${path}: HTTP ${response.status}`);
}

export async function historyGrowth(): Promise<Record<string, unknown>> {
  benchEnv();
  const tables: string[] = [];
  const speed = 3600;
  const { client, close } = await temporalClient();
  const dms = new DatabaseMigrationServiceClient({});
  for (let i = 0; i <= LOAD_HOURS.length; i++) tables.push(await createScratchTable(uniqueName('bh'), { rows: 200 }));
  const groups = tables.map((t) => scratchGroup(`g-${t.split('.')[1]}`, [t]));
  const base = testConfig();
  const config = pipelineConfigSchema.parse({
    ...base,
    taskGroups: [...base.taskGroups, ...groups],
    waits: { ...base.waits, pollSeconds: 1, fullLoadHours: 48 },
  });
  const worker = await startBenchWorker(config, `bench-history-${uniqueName('q')}`);
  const runbooks: Array<{ loadHours: number; events: number; loadWaitEvents: number }> = [];
  let loop = { loadHours: LOOP_HOURS, iterations: 0, events: 0 };
  try {
    // The runbook: onboardTable, its full load stretched to N emulated hours (the emulator at 3,600× here).
    await setEmulatorSpeed(speed);
    for (const [i, hours] of LOAD_HOURS.entries()) {
      await admin('/faults', { extraFullLoadSeconds: { [groups[i]!.taskIdentifier]: hours * 3600 } });
      const handle = await client.workflow.start('onboardTable', {
        taskQueue: worker.queue,
        workflowId: uniqueName('bench-onboard-'),
        args: [{ table: tables[i] }],
      });
      while ((await handle.query(statusQuery).catch(() => undefined))?.pendingGate?.gate !== 'apply-mapping')
        await new Promise((r) => setTimeout(r, 200));
      await handle.executeUpdate(decideUpdate, {
        args: [{ gate: 'apply-mapping', approver: 'dba-oncall', reason: 'bench', decision: 'approve' }],
      });
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const loadWait = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForTables').length;
      runbooks.push({ loadHours: hours, events: events.length, loadWaitEvents: loadWait * 3 });
    }
    // The loop: the same kind of wait, every 30 emulated seconds (the emulator at 60×, so 0.5 s a poll).
    await setEmulatorSpeed(60);
    const loopGroup = groups[LOAD_HOURS.length]!;
    await admin('/faults', { extraFullLoadSeconds: { [loopGroup.taskIdentifier]: LOOP_HOURS * 3600 } });
    const onboard = await client.workflow.start('onboardTable', {
      taskQueue: worker.queue,
      workflowId: uniqueName('bench-onboard-'),
      args: [{ table: tables[LOAD_HOURS.length] }],
    });
    while ((await onboard.query(statusQuery).catch(() => undefined))?.pendingGate?.gate !== 'apply-mapping')
      await new Promise((r) => setTimeout(r, 200));
    await onboard.executeUpdate(decideUpdate, {
      args: [{ gate: 'apply-mapping', approver: 'dba-oncall', reason: 'bench', decision: 'approve' }],
    });
    let taskArn: string | undefined;
    while (!taskArn) {
      taskArn = await dms
        .send(
          new DescribeReplicationTasksCommand({
            Filters: [{ Name: 'replication-task-id', Values: [loopGroup.taskIdentifier] }],
            WithoutSettings: true,
          }),
        )
        .then((r) => r.ReplicationTasks?.[0]?.ReplicationTaskArn)
        .catch(() => undefined);
      if (!taskArn) await new Promise((r) => setTimeout(r, 200));
    }
    const [schema, table] = tables[LOAD_HOURS.length]!.split('.') as [string, string];
    const looping = await client.workflow.start('waitBySleepLoop', {
      taskQueue: worker.queue,
      workflowId: uniqueName('bench-loop-'),
      args: [{ taskArn, schema, table, pollMs: (LOOP_POLL_EMULATED_SECONDS * 1000) / 60 }],
    });
    const { iterations } = (await looping.result()) as { iterations: number };
    loop = { loadHours: LOOP_HOURS, iterations, events: (await looping.fetchHistory()).events?.length ?? 0 };
    await onboard.result();
  } finally {
    await setEmulatorSpeed(60);
    await admin('/faults', { extraFullLoadSeconds: Object.fromEntries(groups.map((g) => [g.taskIdentifier, null])) });
    await worker.stop();
    await close();
    dms.destroy();
    for (const t of tables) await dropScratchTable(t);
  }
  const perIteration = loop.events / loop.iterations;
  const at24 = runbooks.find((r) => r.loadHours === 24)!;
  const loopWaitAt24 = Math.round(perIteration * ((24 * 3600) / LOOP_POLL_EMULATED_SECONDS));
  // The same runbook with its load wait written as the loop: its other events, plus the loop's.
  const loopRunbookAt24 = at24.events - at24.loadWaitEvents + loopWaitAt24;
  const result = {
    runbookEvents: runbooks,
    sleepLoop: {
      ...loop,
      pollEmulatedSeconds: LOOP_POLL_EMULATED_SECONDS,
      eventsPerIteration: +perIteration.toFixed(2),
      extrapolatedWaitEventsAt24h: loopWaitAt24,
    },
    at24h: { runbook: at24.events, sameRunbookWithSleepLoop: loopRunbookAt24, ratio: +(loopRunbookAt24 / at24.events).toFixed(1) },
    note: `runbook counts measured at 1, 6 and 24 emulated hours; the loop measured over ${LOOP_HOURS} emulated hour (${loop.iterations} polls: each took its 30 emulated s of sleep plus the Describe) and extrapolated linearly to one poll every 30 s for 24 h (each poll adds the same events)`,
  };
  writeResult('history-growth', result);
  return result;
}

if (require.main === module) {
  historyGrowth().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    },
  );
}
