import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { decide, startRunbook } from '../../client/runbooks';
import { consumerPauseKey } from '../../domain/consumerCommands';
import { markerKey, RewriteMarker } from '../../domain/consumerMarkers';
import { toTableName } from '../../domain/tableName';
import type { TaskGroupConfig } from '../../domain/config';
import type { DoctorReport } from '../../domain/doctor/doctorReport';
import { approveSignal } from '../../workflows/definitions';
import {
  ensureLake,
  failNextRebuild,
  LAKE_INGEST_JOB_ID,
  LAKE_REBUILD_JOB_ID,
  lakeCall,
  lakeSilver,
  leaveLakeIdle,
  resetLake,
  runNow,
  waitForRun,
} from '../support/lake';
import { objectsUnder, removeTask, replicateGroup, waitForCdcFile } from '../support/replicatedTables';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { s3 } from '../support/s3Parquet';
import { createScratchTable, dropScratchTable, scratchEnumReorder, uniqueName } from '../support/scratchTables';
import { sourceSql } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(600000);

/**
 * fullReload and backfillPartitions against the reference consumer (sandbox/lake: Spark Structured Streaming + Delta behind the Jobs API 2.1
 * stand-in). The ENUM scenario scrambles labels in the CDC files the consumer ingested; the reload writes the same
 * LOAD keys again. With the downstream steps silver ends equal to the source, labels included; without them (a table no
 * consumer is configured for) the ingestion skips the rewritten paths and silver stays wrong. A backfill published over
 * lost binlog events ends with silver equal to the source. One lake start for the file.
 */

let tw: TestWorker;
const groups: TaskGroupConfig[] = [];
const tasks: Array<string | undefined> = [];
let told: string;
let untold: string;
let backfilled: string;

async function sourceStates(table: string): Promise<Record<string, string>> {
  const rows = await sourceSql<Array<{ id: number; state: string }>>(`SELECT id, state FROM ${table}`);
  return Object.fromEntries(rows.map((r) => [String(r.id), r.state]));
}

async function silverStates(table: string): Promise<Record<string, string>> {
  return Object.fromEntries((await lakeSilver(table)).map((r) => [String(r.id), String(r.state)]));
}

async function readMarker(key: string): Promise<RewriteMarker> {
  const o = await s3().send(new GetObjectCommand({ Bucket: testConfig().target.bucket, Key: key }));
  return JSON.parse(await o.Body!.transformToString()) as RewriteMarker;
}

async function ingest(): Promise<void> {
  const run = await waitForRun(await runNow(LAKE_INGEST_JOB_ID), 240000);
  expect(run.state.result_state).toBe('SUCCESS');
}

/** The seed's ENUM scenario on a table: the definition reordered, then changes whose CDC carries scrambled labels. */
async function scrambleLabels(table: string): Promise<void> {
  await sourceSql(`ALTER TABLE ${table} MODIFY state ENUM('closed','active','new') NOT NULL`);
  await sourceSql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 1 AND 40`);
  await waitForCdcFile(table);
}

async function reload(table: string, finalize: 'approve' | 'reject', schemaDrift = true) {
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    {
      tables: [table],
      reason: 'ENUM labels',
      checkCurrentFiles: false,
      ...(schemaDrift ? { schemaDrift: scratchEnumReorder(table) } : {}),
    },
    { taskQueue: tw.taskQueue },
  );
  const gate = await waitForGate(handle, 'reload', 120000);
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
  await waitForGate(handle, 'finalize', 240000);
  await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'ok', decision: finalize });
  return { handle, plan: gate.pendingGate!.plan };
}

beforeAll(async () => {
  const lake = await ensureLake();
  await resetLake();
  for (const label of ['told', 'untold', 'backfilled']) {
    const name = uniqueName(`lk${label.slice(0, 2)}`);
    const table = await createScratchTable(name, { rows: 200 });
    const group = scratchGroup(`g-${name}`, [table]);
    groups.push(group);
    tasks.push(await replicateGroup(group));
    if (label === 'told') told = table;
    else if (label === 'untold') untold = table;
    else backfilled = table;
  }
  // The ingestion job reads these two tables (its `tables` parameter), on its schedule and when run.
  await lakeCall('/api/2.1/jobs/update', 'POST', {
    job_id: LAKE_INGEST_JOB_ID,
    new_settings: {
      parameters: [
        { name: 'source', default: `s3://${testConfig().target.bucket}/dms` },
        { name: 'primary_keys', default: '' },
        { name: 'tables', default: `${told},${untold},${backfilled}` },
      ],
    },
  });
  tw = await startTestWorker(
    testConfig({
      taskGroups: [...testConfig().taskGroups, ...groups],
      waits: { cdcCheckMinutes: 0.1 },
      consumers: [
        {
          kind: 'databricksJob',
          name: 'lake',
          taskGroups: [],
          tables: [told, backfilled],
          host: lake.host,
          token: { env: 'DATABRICKS_TOKEN' },
          ingestionJobId: LAKE_INGEST_JOB_ID,
          rebuildJobId: LAKE_REBUILD_JOB_ID,
          rowCounts: { warehouseId: 'sandbox-warehouse', table: 'silver.{schema}.{table}' },
          parameters: {},
          pollSeconds: 1,
          idleTimeoutMinutes: 5,
          rebuildTimeoutMinutes: 8,
          doctor: true,
          rowCountTolerancePercent: 1,
        },
      ],
    }),
  );
  await ingest();
  for (const table of [told, untold, backfilled]) expect(await silverStates(table)).toEqual(await sourceStates(table));
  for (const table of [told, untold]) await scrambleLabels(table);
  await ingest();
  for (const table of [told, untold]) expect(await silverStates(table)).not.toEqual(await sourceStates(table));
});

afterAll(async () => {
  // The failure test leaves the consumer's pause record on purpose; other suites' doctors must not find it.
  await s3().send(new DeleteObjectCommand({ Bucket: testConfig().target.bucket, Key: consumerPauseKey('lake') }));
  await tw?.stop();
  for (const task of tasks) await removeTask(task);
  for (const table of [told, untold, backfilled]) if (table) await dropScratchTable(table);
  await leaveLakeIdle().catch(() => undefined);
});

test('ENUM scenario, approved fullReload with the downstream steps: the LOAD-key collision is in the plan and silver equals the source, labels included', async () => {
  const { handle, plan } = await reload(told, 'approve');
  expect(plan.warnings.join('\n')).toMatch(
    /Downstream: .*DMS will write \d+ key\(s\) the consumer has already read: .*LOAD00000001\.parquet/,
  );
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.message).toMatch(/lake rebuilt .*: run \d+ TERMINATED\/SUCCESS/);
  expect(await silverStates(told)).toEqual(await sourceStates(told));
  // Resumed as found (the schedule was running), and the next ingestion keeps silver right.
  const job = await lakeCall<{ settings: { schedule: { pause_status: string } } }>(`/api/2.1/jobs/get?job_id=${LAKE_INGEST_JOB_ID}`);
  expect(job.settings.schedule.pause_status).toBe('UNPAUSED');
  await ingest();
  expect(await silverStates(told)).toEqual(await sourceStates(told));
});

test('the same scenario without the downstream steps leaves silver wrong: the rewritten LOAD paths are skipped', async () => {
  const { handle, plan } = await reload(untold, 'approve');
  expect(plan.calls.some((c) => c.service === 'consumer')).toBe(false);
  expect((await handle.result()).outcome).toBe('succeeded');
  await ingest();
  expect(await silverStates(untold)).not.toEqual(await sourceStates(untold));
});

test('a fullReload rolled back ends with silver equal to the source', async () => {
  const { handle } = await reload(told, 'reject', false);
  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  expect(result.message).toMatch(/lake rebuilt .*SUCCESS/);
  expect(await silverStates(told)).toEqual(await sourceStates(told));
});

test('a backfill published over lost binlog events ends with silver equal to the source: the published rows outrank older CDC rows', async () => {
  const days = `created_on BETWEEN '2026-06-05' AND '2026-06-07'`;
  // A change the stream carried, then one the binlog never had (the seed's lost events): silver keeps the first.
  await sourceSql(`UPDATE ${backfilled} SET state = 'closed' WHERE ${days}`);
  await waitForCdcFile(backfilled);
  await sourceSql(`SET SESSION sql_log_bin = 0; UPDATE ${backfilled} SET state = 'active' WHERE ${days}; SET SESSION sql_log_bin = 1`);
  // The first day already holds a LOAD00000001.parquet the consumer has read (as when the table's first load ran
  // that day): the publish writes that key again.
  const prefix = `dms/${backfilled.replace('.', '/')}/`;
  const load = (await objectsUnder(prefix)).find((o) => o.key.endsWith('/LOAD00000001.parquet'))!.key;
  const collision = `${prefix}20260605/LOAD00000001.parquet`;
  await s3().send(
    new CopyObjectCommand({ Bucket: testConfig().target.bucket, CopySource: `${testConfig().target.bucket}/${load}`, Key: collision }),
  );
  await ingest();
  expect(await silverStates(backfilled)).not.toEqual(await sourceStates(backfilled));

  const handle = await startRunbook(
    tw.client,
    'backfillPartitions',
    { table: backfilled, from: '20260605', to: '20260607', dateColumn: 'created_on' },
    { taskQueue: tw.taskQueue },
  );
  const consumerCalls = (plan: { calls: Array<{ service: string; operation: string }> }) =>
    plan.calls.filter((c) => c.service === 'consumer').map((c) => c.operation);
  const gate = await waitForGate(handle, 'backfill', 120000);
  expect(consumerCalls(gate.pendingGate!.plan)).toEqual(['Pause', 'Rebuild', 'Resume']);
  await decide(handle, { gate: 'backfill', approver: 'dba-oncall', reason: 'lost events', decision: 'approve' });
  const publish = await waitForGate(handle, 'publish', 300000);
  expect(consumerCalls(publish.pendingGate!.plan)).toEqual(['Pause', 'Rebuild', 'Resume']);
  expect(publish.pendingGate!.plan.warnings.join('\n')).toContain(
    `Downstream: ${backfilled}: DMS will write 1 key(s) the consumer has already read: ${collision}`,
  );
  // Nothing paused before the publish is approved.
  expect(publish.steps.find((s) => s.id === 'downstream:pause')!.state).toBe('pending');
  await decide(handle, { gate: 'publish', approver: 'data-platform-lead', reason: 'counts match', decision: 'approve' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.message).toMatch(new RegExp(`lake rebuilt ${backfilled}: run \\d+ TERMINATED/SUCCESS`));
  const marker = await readMarker(markerKey(handle.workflowId, toTableName(backfilled)));
  expect(marker).toMatchObject({ state: 'published', snapshot: { kind: 'partitions' }, keys: { collisions: [collision] } });
  expect(marker.moves).toHaveLength(6);
  expect(await silverStates(backfilled)).toEqual(await sourceStates(backfilled));
});

test('the doctor compares the lake’s row counts with the source: rows deleted where the binlog never saw it are reported', async () => {
  await sourceSql(`SET SESSION sql_log_bin = 0; DELETE FROM ${backfilled} WHERE id <= 20; SET SESSION sql_log_bin = 1`);
  const doctor = await startRunbook(tw.client, 'pipelineDoctor', { checks: ['consumers'] }, { taskQueue: tw.taskQueue });
  const report = (await doctor.result()).report as DoctorReport;
  const counts = report.findings.filter((f) => f.title.includes(' rows of '));
  expect(counts.map((f) => f.title)).toEqual([
    expect.stringMatching(new RegExp(`^consumer "lake" holds 200 rows of ${backfilled}, the source 180 \\(11\\.1% off, tolerance 1%\\)$`)),
  ]);
  expect(counts[0]!.remedy!.summary).toContain('rebuild the table');
  expect(report.checks.find((c) => c.check === 'consumers')!.summary).toContain('2 table count(s) compared with the source');
});

test('a failing rebuild fails the runbook naming the consumer, job, run and message; the doctor reports the paused consumer', async () => {
  await failNextRebuild('silver MERGE failed: cannot resolve column state');
  const { handle } = await reload(told, 'approve', false);
  const error = (await handle.result().catch((e: unknown) => e)) as Error & { cause?: Error };
  const message = error.cause?.message ?? error.message;
  expect(message).toMatch(
    /consumer "lake" \(rebuild job 2, run \d+\) failed to rebuild .*: TERMINATED\/FAILED: silver MERGE failed: cannot resolve column state/,
  );
  expect(message).toContain('the consumer stays PAUSED');
  expect(message).toContain('jobs/update');
  const doctor = await startRunbook(tw.client, 'pipelineDoctor', { checks: ['consumers'] }, { taskQueue: tw.taskQueue });
  const report = (await doctor.result()).report as DoctorReport;
  const titles = report.findings.map((f) => f.title).join('\n');
  expect(titles).toContain(`consumer "lake" was paused by fullReload ${handle.workflowId}, which is failed`);
  expect(titles).toMatch(/the last run of consumer "lake" rebuild job 2 failed: TERMINATED\/FAILED: silver MERGE failed/);
});
