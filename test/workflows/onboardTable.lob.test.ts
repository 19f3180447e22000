import { DescribeReplicationTasksCommand } from '@aws-sdk/client-database-migration-service';
import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { dmsClient } from '../support/dmsEmulatorClient';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { fetchParquet, listObjects, readRows, s3 } from '../support/s3Parquet';
import { createLobScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { requireEnv } from '../support/stackEnv';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * A table with JSON/LONGTEXT values longer than DMS's default LobMaxSize (32 KB) is either loaded whole or refused
 * before any change, never truncated silently; and a truncation that happens anyway fails the verification.
 */

const LONG = 40_000;
let refusing: TestWorker;
let raising: TestWorker;
const tables: Record<string, string> = {};
const groups: Record<string, TaskGroupConfig> = {};

beforeAll(async () => {
  for (const [key, lengths] of [
    ['refused', [LONG, 100]],
    ['raised', [LONG, 100]],
    ['grown', [20_000, 100]],
  ] as const) {
    const name = uniqueName(`lob${key}`);
    tables[key] = await createLobScratchTable(name, [...lengths]);
    groups[key] = scratchGroup(`g-${name}`, [tables[key]]);
  }
  const base = testConfig();
  const taskGroups = [...base.taskGroups, ...Object.values(groups)];
  refusing = await startTestWorker(testConfig({ taskGroups }));
  raising = await startTestWorker(testConfig({ taskGroups, taskSettings: { lob: { whenLonger: 'raise-limit' } } }));
});

afterAll(async () => {
  await refusing?.stop();
  await raising?.stop();
  for (const table of Object.values(tables)) await dropScratchTable(table);
});

const start = (worker: TestWorker, table: string) =>
  startRunbook(worker.client, 'onboardTable', { table }, { taskQueue: worker.taskQueue });

async function taskSettings(identifier: string): Promise<Record<string, Record<string, unknown>>> {
  const client = dmsClient();
  try {
    const result = await client.send(
      new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: [identifier] }] }),
    );
    return JSON.parse(result.ReplicationTasks![0]!.ReplicationTaskSettings!) as Record<string, Record<string, unknown>>;
  } finally {
    client.destroy();
  }
}

/** Byte lengths of `body` and `doc` by id, over every Parquet file of the table. */
async function lakeLengths(table: string): Promise<Record<string, number[]>> {
  const storage = s3();
  try {
    const bucket = requireEnv('STACK_BUCKET');
    const [schema, name] = table.split('.');
    const out: Record<string, number[]> = {};
    for (const o of await listObjects(storage, bucket, `dms/${schema}/${name}/`))
      for (const row of await readRows(await fetchParquet(storage, bucket, o.key)))
        out[String(row.id)] = [Buffer.byteLength(String(row.body)), Buffer.byteLength(String(row.doc))];
    return out;
  } finally {
    storage.destroy();
  }
}

describe('onboardTable with LOB columns', () => {
  test('refuses by default, before any change, naming the columns, their longest values and the fix', async () => {
    await resetDmsCalls();
    const handle = await start(refusing, tables.refused!);
    const error = await handle.result().then(
      (r) => new Error(`expected a refusal, got ${r.outcome}: ${r.message}`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain(
      `${tables.refused} has LOB values longer than the LobMaxSize of task ${groups.refused!.taskIdentifier}, 32 KB`,
    );
    expect(message).toMatch(/doc \(longtext\) 400\d\d bytes, body \(longtext\) 40000 bytes/);
    expect(message).toContain('taskSettings.lob.whenLonger to raise-limit');
    expect(await mutatingCalls()).toEqual({});
  });

  test('with raise-limit: the plan shows the LOB columns and LobMaxSize chosen, the values land whole, lengths verified', async () => {
    const handle = await start(raising, tables.raised!);
    const gate = await waitForGate(handle, 'apply-mapping');
    const plan = gate.pendingGate!.plan;
    const lob = plan.details.lob as { columns: Array<{ name: string; maxBytes: number }>; lobMaxSizeKb: number; summary: string };
    expect(lob.columns.map((c) => [c.name, c.maxBytes])).toEqual([
      ['doc', expect.any(Number)],
      ['body', LONG],
    ]);
    expect(lob.lobMaxSizeKb).toBeGreaterThanOrEqual(Math.ceil((LONG + 20) / 1024));
    expect(lob.summary).toContain('LobMaxSize raised from 32 KB');
    expect(plan.warnings).toContain(lob.summary);
    const create = plan.calls.find((c) => c.operation === 'CreateReplicationTask')!;
    expect(JSON.parse(create.params.ReplicationTaskSettings as string)).toMatchObject({
      TargetMetadata: { SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: lob.lobMaxSizeKb },
      Logging: { EnableLogging: true },
      ErrorBehavior: { TableErrorPolicy: 'SUSPEND_TABLE' },
    });
    await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'lob', decision: 'approve' });
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    const report = result.report as OnboardTableReport;
    expect(report.verification.lobs).toMatchObject({ matches: true, checked: expect.arrayContaining(['lob-length']) });
    expect(await lakeLengths(tables.raised!)).toEqual({ '1': [LONG, expect.any(Number)], '2': [100, expect.any(Number)] });
    expect((await lakeLengths(tables.raised!))['1']![1]).toBeGreaterThan(32 * 1024);
    const settings = await taskSettings(groups.raised!.taskIdentifier);
    expect(settings.TargetMetadata).toMatchObject({ LobMaxSize: lob.lobMaxSizeKb, LimitedSizeLobMode: true });
    expect(settings.Logging).toMatchObject({ EnableLogging: true });
  });

  test('a value that grew past LobMaxSize after the plan is truncated by DMS, and the verification fails naming it', async () => {
    const handle = await start(refusing, tables.grown!);
    const gate = await waitForGate(handle, 'apply-mapping');
    expect((gate.pendingGate!.plan.details.lob as { lobMaxSizeKb: number }).lobMaxSizeKb).toBe(32);
    const admin = await sourceAdmin();
    try {
      await admin.query(`UPDATE ${tables.grown} SET body = REPEAT('x', ${LONG}) WHERE id = 2`);
    } finally {
      await admin.end();
    }
    await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'grown', decision: 'approve' });
    const error = await handle.result().then(
      (r) => new Error(`expected a verification failure, got ${r.outcome}: ${r.message}`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause!;
    expect(cause.message).toContain(`verification failed for ${tables.grown}`);
    expect(cause.message).toContain('body: longest 40000 bytes at the source, 32768 in the files');
    expect(cause.message).toContain('LobMaxSize');
    expect((await lakeLengths(tables.grown!))['2']![0]).toBe(32768);
  });
});
