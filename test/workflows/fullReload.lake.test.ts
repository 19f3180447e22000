import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { decide, startRunbook } from '../../client/runbooks';
import { consumerPauseKey } from '../../domain/consumerCommands';
import type { TaskGroupConfig } from '../../domain/config';
import type { DoctorReport } from '../../domain/doctor/doctorReport';
import { approveSignal } from '../../workflows/definitions';
import { eventually } from '../support/dmsEmulatorClient';
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
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { s3 } from '../support/s3Parquet';
import { createScratchTable, dropScratchTable, scratchEnumReorder, uniqueName } from '../support/scratchTables';
import { sourceSql } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(600000);

/**
 * fullReload against the reference consumer (sandbox/lake: Spark Structured Streaming + Delta behind the Jobs API 2.1
 * stand-in). The ENUM scenario scrambles labels in the CDC files the consumer ingested; the reload writes the same
 * LOAD keys again. With the downstream steps silver ends equal to the source, labels included; without them (a table no
 * consumer is configured for) the ingestion skips the rewritten paths and silver stays wrong. One lake start for
 * the file.
 */

let tw: TestWorker;
const groups: TaskGroupConfig[] = [];
const tasks: Array<string | undefined> = [];
let told: string;
let untold: string;

async function sourceStates(table: string): Promise<Record<string, string>> {
  const rows = await sourceSql<Array<{ id: number; state: string }>>(`SELECT id, state FROM ${table}`);
  return Object.fromEntries(rows.map((r) => [String(r.id), r.state]));
}

async function silverStates(table: string): Promise<Record<string, string>> {
  return Object.fromEntries((await lakeSilver(table)).map((r) => [String(r.id), String(r.state)]));
}

async function ingest(): Promise<void> {
  const run = await waitForRun(await runNow(LAKE_INGEST_JOB_ID), 240000);
  expect(run.state.result_state).toBe('SUCCESS');
}

/** The seed's ENUM scenario on a table: the definition reordered, then changes whose CDC carries scrambled labels. */
async function scrambleLabels(table: string): Promise<void> {
  await sourceSql(`ALTER TABLE ${table} MODIFY state ENUM('closed','active','new') NOT NULL`);
  await sourceSql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 1 AND 40`);
  const prefix = `dms/${table.replace('.', '/')}/`;
  await eventually(
    () => objectsUnder(prefix),
    (o) => o.some((x) => !x.key.includes('/LOAD')),
    60000,
    'a CDC file',
  );
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
  for (const label of ['told', 'untold']) {
    const name = uniqueName(`lk${label.slice(0, 2)}`);
    const table = await createScratchTable(name, { rows: 200 });
    const group = scratchGroup(`g-${name}`, [table]);
    groups.push(group);
    tasks.push(await replicateGroup(group));
    if (label === 'told') told = table;
    else untold = table;
  }
  // The ingestion job reads these two tables (its `tables` parameter), on its schedule and when run.
  await lakeCall('/api/2.1/jobs/update', 'POST', {
    job_id: LAKE_INGEST_JOB_ID,
    new_settings: {
      parameters: [
        { name: 'source', default: `s3://${testConfig().target.bucket}/dms` },
        { name: 'primary_keys', default: '' },
        { name: 'tables', default: `${told},${untold}` },
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
          tables: [told],
          host: lake.host,
          token: { env: 'DATABRICKS_TOKEN' },
          ingestionJobId: LAKE_INGEST_JOB_ID,
          rebuildJobId: LAKE_REBUILD_JOB_ID,
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
  for (const table of [told, untold]) expect(await silverStates(table)).toEqual(await sourceStates(table));
  for (const table of [told, untold]) await scrambleLabels(table);
  await ingest();
  for (const table of [told, untold]) expect(await silverStates(table)).not.toEqual(await sourceStates(table));
});

afterAll(async () => {
  // The failure test leaves the consumer's pause record on purpose; other suites' doctors must not find it.
  await s3().send(new DeleteObjectCommand({ Bucket: testConfig().target.bucket, Key: consumerPauseKey('lake') }));
  await tw?.stop();
  for (const task of tasks) await removeTask(task);
  for (const table of [told, untold]) if (table) await dropScratchTable(table);
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
