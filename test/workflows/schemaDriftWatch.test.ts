import { execFileSync } from 'node:child_process';
import type { ScheduleHandle } from '@temporalio/client';
import { decide } from '../../client/runbooks';
import { createSchemaDriftSchedule, schemaDriftScheduleCommand } from '../../client/schedules';
import type { TaskGroupConfig } from '../../domain/config';
import type { RunbookStatus } from '../../domain/runbookStatus';
import { tablePrefix } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { checksumSpec, compareChecksums } from '../../domain/verification';
import type { RunbookResult } from '../../workflows/engine/runbook';
import type { FullReloadReport } from '../../workflows/fullReload';
import type { SchemaDriftReport } from '../../workflows/schemaDriftWatch';
import { activityHarness } from '../support/activityHarness';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

jest.setTimeout(180000);

/**
 * The whole story on MariaDB and the DMS emulator: a replicated table with an ENUM, changes replicated by CDC, an
 * ALTER that reorders the ENUM, CDC writing wrong labels; the scheduled watch detects the unsafe change and starts a
 * fullReload that waits for approval; the distribution check flags the current files; once approved, the reload
 * runs and the verification passes.
 */

let tw: TestWorker;
let h: Awaited<ReturnType<typeof activityHarness>>;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let group: TaskGroupConfig;
let taskArn: string | undefined;
let table: string;
let appended: string;
let schedule: ScheduleHandle | undefined;
const snapshotPrefix = `_runbooks/test-snapshots/${uniqueName('drift')}`;

async function sql(statement: string): Promise<void> {
  const db = await sourceAdmin();
  try {
    await db.query(statement);
  } finally {
    await db.end();
  }
}

/** The table's current files against the source, with the same activities and comparison the runbook uses. */
async function compareCurrentFiles() {
  const name = toTableName(table);
  const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: name });
  const spec = checksumSpec(table, facts.primaryKey, facts.columns);
  const [source, lake] = await Promise.all([
    h.run(h.activities.sourceTableChecksums, { source: 'shop', table: name, spec }),
    h.run(h.activities.lakeTableChecksums, { prefix: tablePrefix('dms', name), spec }),
  ]);
  return compareChecksums(table, source, lake);
}

/** Runs the schedule's action now and returns that run's result. */
async function triggerWatch(capture?: string): Promise<RunbookResult<SchemaDriftReport>> {
  const taken = (await schedule!.describe()).info.recentActions.length;
  await schedule!.trigger();
  const described = await eventually(
    () => schedule!.describe(),
    (d) => d.info.recentActions.length > taken,
    30000,
    'the schedule to start a run',
  );
  const run = described.info.recentActions.at(-1)!.action.workflow.workflowId;
  const handle = tw.client.workflow.getHandle(run);
  const result = (await handle.result()) as RunbookResult<SchemaDriftReport>;
  if (capture) await captureHistory(handle, 'schemaDriftWatch', capture);
  return result;
}

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  const name = uniqueName('drift');
  table = await createScratchTable(name, { rows: 300 });
  appended = await createScratchTable(`${name}b`, { rows: 30 });
  group = scratchGroup(`g-${name}`, [table, appended]);
  taskArn = await replicateGroup(group);
  // The watch sees only this test's task group.
  // The finalize gate waits up to a minute for the CDC written after the reload.
  const config = testConfig({ taskGroups: [group], notifications: { webhookUrl: webhook.url }, waits: { cdcCheckMinutes: 1 } });
  tw = await startTestWorker(config);
  h = await activityHarness(config);
  schedule = await createSchemaDriftSchedule(tw.client, {
    scheduleId: uniqueName('schedule-'),
    every: '1h',
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('schemaDriftWatch-'),
    input: { snapshotPrefix, requestedBy: 'schedule' },
  });
});

afterAll(async () => {
  await schedule?.delete().catch(() => undefined);
  await tw?.stop();
  await h?.close();
  await webhook?.close();
  await removeTask(taskArn);
  await dropScratchTable(table);
  await dropScratchTable(appended);
});

test('the schedule command docs/runbooks/schemaDriftWatch.md shows is accepted by the Temporal CLI', () => {
  const command = schemaDriftScheduleCommand({ scheduleId: uniqueName('cli-'), every: '15m', taskQueue: tw.taskQueue });
  const id = /--schedule-id (\S+)/.exec(command)![1]!;
  const args = command
    .replace(/^temporal /, '')
    .match(/'[^']*'|\S+/g)!
    .map((a) => a.replace(/^'|'$/g, ''));
  const cli = process.env.TEMPORAL_CLI_PATH!;
  const address = ['--address', process.env.TEMPORAL_ADDRESS!];
  execFileSync(cli, [...args, ...address], { stdio: 'pipe' });
  const described = JSON.parse(
    execFileSync(cli, ['schedule', 'describe', '--schedule-id', id, '--output', 'json', ...address]).toString(),
  ) as { schedule: { action: { startWorkflow: { workflowType: { name: string }; workflowRunTimeout?: string } } } };
  expect(described.schedule.action.startWorkflow.workflowType.name).toBe('schemaDriftWatch');
  // A stuck run ends at its run timeout rather than skipping every later one (overlap Skip).
  expect(described.schedule.action.startWorkflow.workflowRunTimeout).toBe('900s');
  execFileSync(cli, ['schedule', 'delete', '--schedule-id', id, ...address]);
});

test('ENUM reorder: detected by the scheduled watch, flagged by the distribution check, repaired by the approved reload', async () => {
  // 1. Changes after the full load reach the files through CDC; the files agree with the source.
  await sql(`INSERT INTO ${table} SELECT seq, 2, 'active', 5.00, '2026-07-05' FROM shop.seq_1001_to_1010`);
  await eventually(compareCurrentFiles, (c) => c.matches, 60000, 'CDC of the first changes');

  // 2. The first scheduled run stores the baseline snapshot.
  const baseline = await triggerWatch('baseline-stored');
  expect(baseline.outcome).toBe('succeeded');
  expect(baseline.report!.snapshot).toMatchObject({ baseline: true, stored: true, tables: 2 });
  expect((await objectsUnder(`${snapshotPrefix}/`)).map((o) => o.key.slice(snapshotPrefix.length + 1).replace(/\d.*$/, ''))).toEqual([
    'history/',
    'latest.json',
  ]);

  // 3. The ALTER reorders the ENUM; changes after it carry the wrong labels. The other table only appends a value.
  await sql(`ALTER TABLE ${table} MODIFY state ENUM('closed','active','new') NOT NULL`);
  await sql(`ALTER TABLE ${appended} MODIFY state ENUM('new','active','closed','archived') NOT NULL`);
  await sql(`INSERT INTO ${table} SELECT seq, 3, 'new', 6.00, '2026-07-06' FROM shop.seq_2001_to_2020`);
  await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 1 AND 2`);

  // 4. The distribution check flags the current files before anything is reloaded.
  // 'new' is index 3 after the ALTER; the task still decodes with ('new','active','closed'): index 3 reads 'closed'.
  const expected = "state: 'closed' source 99, files 121; 'new' source 122, files 100";
  const scrambled = await eventually(
    compareCurrentFiles,
    (c) => c.findings.some((f) => f.detail === expected),
    60000,
    'CDC of the changes after the ALTER',
  );
  expect(scrambled.matches).toBe(false);
  expect(scrambled.findings.map((f) => f.check)).toEqual(['row-hash', 'distribution']);

  // 5. The second scheduled run detects the unsafe change and starts a fullReload that waits at its gate.
  await resetDmsCalls();
  const detected = await triggerWatch('unsafe-change-reload-started');
  expect(detected.outcome).toBe('succeeded');
  const report = detected.report!;
  expect(report.counts).toEqual({ unsafe: 1, review: 0, safe: 1 });
  expect(report.changes.map((c) => [c.table, c.severity, c.changes.map((x) => `${x.column}:${x.kind}`)])).toEqual([
    [table, 'unsafe', ['state:enum-values-reordered']],
    [appended, 'safe', ['state:enum-values-appended']],
  ]);
  expect(report.reloads).toEqual([
    {
      workflowId: `fullReload-drift-${group.taskIdentifier}-${detected.workflowId}`,
      task: group.taskIdentifier,
      tables: [table],
      status: 'started',
      detail: `waiting at its "reload" gate for approval; restarts task ${group.taskIdentifier} with reload-target (every table of the task is reloaded): ReloadTables keeps the old table definition`,
    },
  ]);
  expect(detected.message).toContain('1 unsafe, 0 to review, 1 safe; fullReload waiting for approval');
  expect(webhook.events(detected.workflowId)).toEqual(['drift-detected', 'completed']);

  const reload = tw.client.workflow.getHandle(report.reloads[0]!.workflowId);
  const gate: RunbookStatus = await waitForGate(reload, 'reload', 60000);
  // The watch never reloads by itself: nothing has been changed in DMS.
  expect(await mutatingCalls()).toEqual({});
  expect(gate.pendingGate!.note).toContain(`Schema drift detected by ${detected.workflowId}: ${table}.state enum-values-reordered`);
  expect(gate.pendingGate!.note).toContain('The current files differ from the source: ');
  expect(gate.pendingGate!.plan.details.schemaDrift).toMatchObject({
    detectedBy: detected.workflowId,
    changes: [{ table, column: 'state', kind: 'enum-values-reordered', severity: 'unsafe' }],
  });
  expect((gate.pendingGate!.plan.details.currentFiles as Array<{ matches: boolean }>)[0]!.matches).toBe(false);
  // ReloadTables would keep the old definition: the plan restarts the task with reload-target, and says what it reloads.
  expect(gate.pendingGate!.plan.details.mode).toBe('task');
  expect(gate.pendingGate!.plan.details.method).toMatchObject({
    mode: 'task',
    why: expect.stringContaining('DMS retains the previously read table definition') as unknown,
    blastRadius: [{ task: group.taskIdentifier, tables: expect.arrayContaining([table, appended]) as unknown }],
  });
  expect(gate.pendingGate!.plan.calls.map((c) => c.operation)).toEqual(
    expect.arrayContaining(['StopReplicationTask', 'StartReplicationTask']),
  );

  // 6. Approved, the task restarts with reload-target. Changes made after the reload reach the CDC files, and the
  // finalize gate checks them against the source: the labels are right again.
  await decide(reload, { gate: 'reload', approver: 'dba-oncall', reason: 'ENUM reorder', decision: 'approve' });
  await waitForStatus(reload, (st) => st.steps.some((x) => x.id === 'check-cdc' && x.state === 'current'), 90000);
  await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 3 AND 22`);
  await sql(`UPDATE ${appended} SET state = 'closed' WHERE id BETWEEN 1 AND 30`);
  const finalize = await waitForGate(reload, 'finalize', 90000);
  expect(finalize.pendingGate!.note).toContain('Verification passed');
  expect(finalize.pendingGate!.note).toContain('CDC written after the reload agrees with the source');
  await decide(reload, { gate: 'finalize', approver: 'dba-oncall', reason: 'distribution matches', decision: 'approve' });
  const repaired = await reload.result();
  expect(repaired.outcome).toBe('succeeded');
  const reloadReport = repaired.report as FullReloadReport;
  expect(reloadReport.mode).toBe('task');
  const verification = reloadReport.verification!.find((v) => v.table === table)!;
  expect(verification).toMatchObject({ table, sourceRows: 330, matches: true });
  expect(verification.comparison.checked).toContain('distribution:state');
  const cdc = reloadReport.cdcAfterReload!.find((c) => c.table === table)!;
  expect(cdc).toMatchObject({ verdict: 'matches', mismatches: 0 });
  expect(cdc.compared).toBeGreaterThanOrEqual(10);
  expect(reloadReport.verified).toBe(true);
  // The CDC written after the reload carries the right labels: the live files agree with the source, changes included.
  expect(await compareCurrentFiles()).toMatchObject({ matches: true });
  expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, StartReplicationTask: 1 });

  // 7. The snapshot was committed: the next run sees no change.
  const quiet = await triggerWatch('no-change');
  expect(quiet.message).toBe('no schema change in 2 replicated tables');
  expect(quiet.report!.reloads).toEqual([]);
});

test('a second unsafe change while a reload waits: no duplicate reload; a dry run stores nothing; a rejected reload changes nothing', async () => {
  await sql(`ALTER TABLE ${appended} MODIFY state ENUM('archived','closed','active','new') NOT NULL`);
  const first = await triggerWatch();
  expect(first.report!.changes.map((c) => [c.table, c.changes.map((x) => x.kind)])).toEqual([[appended, ['enum-values-reordered']]]);
  const [started] = first.report!.reloads;
  expect(started).toMatchObject({ tables: [appended], status: 'started' });
  const pending = tw.client.workflow.getHandle(started!.workflowId);
  await waitForGate(pending, 'reload', 60000);

  await sql(`ALTER TABLE ${appended} MODIFY state ENUM('new','active','closed','archived') NOT NULL`);
  // A dry run reports the change but neither stores the snapshot nor starts a reload.
  const dryHandle = await tw.client.workflow.start('schemaDriftWatch', {
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('drift-dry-'),
    args: [{ snapshotPrefix, dryRun: true }],
  });
  const dry = await dryHandle.result();
  await captureHistory(dryHandle, 'schemaDriftWatch', 'dry-run');
  const dryReport = (dry as RunbookResult<SchemaDriftReport>).report!;
  expect(dryReport.snapshot.stored).toBe(false);
  expect(dryReport.reloads).toMatchObject([{ tables: [appended], status: 'not-started', detail: 'dry run' }]);
  expect((await objectsUnder(`${snapshotPrefix}/pending/`)).length).toBe(0);

  await resetDmsCalls();
  const second = await triggerWatch('reload-already-pending');
  expect(second.report!.reloads).toEqual([
    {
      workflowId: started!.workflowId,
      task: group.taskIdentifier,
      tables: [appended],
      status: 'already-pending',
      detail: `fullReload ${started!.workflowId} already covers these tables (step gate:reload); it reloads with the current schema`,
    },
  ]);
  await decide(pending, { gate: 'reload', approver: 'dba-oncall', reason: 'will do it tonight', decision: 'reject' });
  expect((await pending.result()).outcome).toBe('rejected');
  expect(await mutatingCalls()).toEqual({});
  await captureHistory(pending, 'fullReload', 'rejected-at-reload-gate');
});

test('an unsafe table without a reload keeps the snapshot back: reported again until a reload is started, then stored', async () => {
  const watch = async (input: { startReloads?: boolean }, capture?: string) => {
    const handle = await tw.client.workflow.start('schemaDriftWatch', {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName('drift-kept-'),
      args: [{ snapshotPrefix, ...input }],
    });
    const result = (await handle.result()) as RunbookResult<SchemaDriftReport>;
    if (capture) await captureHistory(handle, 'schemaDriftWatch', capture);
    return result;
  };
  const committed = async () => (await objectsUnder(`${snapshotPrefix}/history/`)).length;
  await sql(`ALTER TABLE ${appended} MODIFY state ENUM('closed','new','active','archived') NOT NULL`);
  const before = await committed();
  await resetDmsCalls();

  // 1. startReloads false: reported, nothing started, and the snapshot is not stored.
  const held = await watch({ startReloads: false }, 'snapshot-kept-back-no-reload');
  expect(held.outcome).toBe('succeeded');
  expect(held.report!.changes.map((c) => [c.table, c.severity])).toEqual([[appended, 'unsafe']]);
  expect(held.report!.reloads).toEqual([
    {
      workflowId: `fullReload-drift-${group.taskIdentifier}-${held.workflowId}`,
      task: group.taskIdentifier,
      tables: [appended],
      status: 'not-started',
      detail: expect.stringContaining('startReloads is false: start a fullReload of these tables by hand (mode task)') as unknown,
    },
  ]);
  expect(held.report!.unsafeWithoutReload).toEqual([appended]);
  expect(held.report!.snapshot).toMatchObject({ stored: false, notStored: expect.stringContaining('reports them again') as unknown });
  expect(held.message).toContain('snapshot not stored: 1 unsafe table(s) without a fullReload, reported again by the next run');
  expect(await committed()).toBe(before);
  // The snapshot kept back is not left behind either.
  expect(await objectsUnder(`${snapshotPrefix}/pending/`)).toEqual([]);

  // 2. The next run compares with the same snapshot: the change is reported again, not lost.
  const again = await watch({ startReloads: false });
  expect(again.report!.changes.map((c) => [c.table, c.severity])).toEqual([[appended, 'unsafe']]);
  expect(again.report!.snapshot.stored).toBe(false);
  expect(await committed()).toBe(before);

  // 3. With reloads started, the snapshot is stored; the run after it sees no change.
  const started = await watch({}, 'reload-started-after-kept-snapshot');
  expect(started.report!.reloads).toMatchObject([{ tables: [appended], status: 'started' }]);
  expect(started.report!.unsafeWithoutReload).toEqual([]);
  expect(started.report!.snapshot.stored).toBe(true);
  expect(await committed()).toBe(before + 1);
  const quiet = await watch({ startReloads: false });
  expect(quiet.message).toBe('no schema change in 2 replicated tables');
  expect(quiet.report!.snapshot.stored).toBe(true);

  // The reload waits at its gate; nothing was changed in DMS. Rejected, it changes nothing either.
  const reload = tw.client.workflow.getHandle(started.report!.reloads[0]!.workflowId);
  await waitForGate(reload, 'reload', 60000);
  expect(await mutatingCalls()).toEqual({});
  await decide(reload, { gate: 'reload', approver: 'dba-oncall', reason: 'test', decision: 'reject' });
  expect((await reload.result()).outcome).toBe('rejected');
});
