import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { MoveManifest } from '../../activities/lakeMoves';
import {
  CreateReplicationTaskCommand,
  DeleteReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import { temporaryIdentifiers, type PartitionCheck } from '../../domain/backfill';
import type { TaskGroupConfig } from '../../domain/config';
import type { Finding } from '../../domain/doctor/findings';
import { newTaskMapping } from '../../domain/tableMappings';
import type { BackfillReport } from '../../workflows/backfillPartitions';
import { rejectSignal } from '../../contracts/handlers';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import { leftoversOf, runRemedy } from '../support/leftovers';
import { waitForGate, scratchGroup } from '../support/runbooks';
import { fetchParquet, listObjects, readRows, rowCount, s3 } from '../support/s3Parquet';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';
import { SlowS3Proxy } from '../support/slowS3Proxy';
import { expectCanceled, waitForStatus } from '../support/runbooks';
import { parquetMetadata } from 'hyparquet';

/**
 * backfillPartitions against MariaDB, the DMS emulator and moto: a table replicated by a live task of its own,
 * live partitions for some of the days, and every day's rows staged, verified and published into its own folder.
 */

const dms = dmsClient();
const client = s3();
const bucket = 'shop-lake';
let tw: TestWorker;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** In front of moto's S3 for the worker; holds copies only while a test sets a delay (the cancel mid publish). */
let proxy: SlowS3Proxy;
let s3Endpoint: string;
let table: string;
let group: TaskGroupConfig;
let liveTaskArn: string;
let prefix: string;
const liveLoadKey: { key?: string } = {};

const FROM = '20260605';
const TO = '20260607';

/** Rows per day with created_at on that day (DATE(created_at) = created_on). */
async function sourceCountsByDay(): Promise<Record<string, number>> {
  const admin = await sourceAdmin();
  try {
    const [rows] = await admin.query(
      `SELECT DATE_FORMAT(created_at, '%Y%m%d') AS d, COUNT(*) AS n FROM ${table} WHERE created_at >= '2026-06-05' AND created_at < '2026-06-08' GROUP BY d`,
    );
    return Object.fromEntries((rows as Array<{ d: string; n: number }>).map((r) => [r.d, Number(r.n)]));
  } finally {
    await admin.end();
  }
}

async function inventory(p: string): Promise<Array<{ key: string; size: number }>> {
  return listObjects(client, bucket, p);
}

beforeAll(async () => {
  const name = uniqueName('bf');
  table = await createScratchTable(name, { rows: 3000 });
  prefix = `dms/shop/${name}/`;
  const admin = await sourceAdmin();
  try {
    // A datetime(3) column; every seventh row in the last second of its day, past a '23:59:59' bound.
    await admin.query(`ALTER TABLE ${table} ADD COLUMN created_at DATETIME(3) NULL`);
    await admin.query(
      `UPDATE ${table} SET created_at = IF(id % 7 = 0, TIMESTAMP(created_on, '23:59:59.500'), TIMESTAMP(created_on) + INTERVAL (id % 1440) MINUTE)`,
    );
  } finally {
    await admin.end();
  }
  group = scratchGroup(`g-${name}`, [table]);

  // The live task: the pipeline's mapping for the table, plus a column rule the backfill must carry over.
  const instance = await dms.send(
    new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: ['shop-repl-1'] }] }),
  );
  const endpoints = await dms.send(
    new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: ['shop-source', 'shop-lake-s3'] }] }),
  );
  const arnOf = (id: string) => endpoints.Endpoints!.find((e) => e.EndpointIdentifier === id)!.EndpointArn!;
  const mapping = newTaskMapping({ schema: 'shop', table: name });
  mapping.rules.push({
    'rule-type': 'transformation',
    'rule-id': '10',
    'rule-name': 'drop-amount',
    'rule-target': 'column',
    'object-locator': { 'schema-name': 'shop', 'table-name': name, 'column-name': 'amount' },
    'rule-action': 'remove-column',
  });
  const created = await dms.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: group.taskIdentifier,
      ReplicationInstanceArn: instance.ReplicationInstances![0]!.ReplicationInstanceArn!,
      SourceEndpointArn: arnOf('shop-source'),
      TargetEndpointArn: arnOf('shop-lake-s3'),
      MigrationType: 'full-load-and-cdc',
      TableMappings: JSON.stringify(mapping),
    }),
  );
  liveTaskArn = created.ReplicationTask!.ReplicationTaskArn!;
  await eventually(
    () => describeTask(dms, liveTaskArn),
    (t) => t.Status === 'ready',
    30000,
  );
  await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: liveTaskArn, StartReplicationTaskType: 'start-replication' }));
  await eventually(
    () => listObjects(client, bucket, prefix),
    (objects) => objects.some((o) => /\/LOAD\d+\.parquet$/.test(o.key)),
    60000,
    'the live full load',
  );
  liveLoadKey.key = (await listObjects(client, bucket, prefix)).find((o) => /\/LOAD\d+\.parquet$/.test(o.key))!.key;

  // Live partitions for two of the three days (a load file and a CDC file), and one outside the range.
  const live = await fetchParquet(client, bucket, liveLoadKey.key);
  for (const [key, body] of [
    [`${prefix}20260605/LOAD00000001.parquet`, live],
    [`${prefix}20260605/20260605-101500123.parquet`, Buffer.from('cdc file')],
    [`${prefix}20260606/LOAD00000001.parquet`, live],
    [`${prefix}20260610/LOAD00000001.parquet`, live],
  ] as const) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(body as ArrayBuffer) }));
  }

  const base = testConfig();
  webhook = await startWebhookReceiver();
  s3Endpoint = process.env.AWS_ENDPOINT_URL_S3!;
  proxy = await SlowS3Proxy.start(s3Endpoint, 0);
  // The SDK reads the endpoint variable when a client first resolves it: the proxy stays for the whole file.
  process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, group], notifications: { webhookUrl: webhook.url } }));
});

afterAll(async () => {
  await tw?.stop();
  if (s3Endpoint) process.env.AWS_ENDPOINT_URL_S3 = s3Endpoint;
  await proxy?.close();
  await webhook?.close();
  const task = await describeTask(dms, liveTaskArn).catch(() => undefined);
  if (task) {
    if (task.Status === 'running') {
      await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: liveTaskArn }));
      await eventually(
        () => describeTask(dms, liveTaskArn),
        (t) => t.Status === 'stopped',
        30000,
      );
    }
    await dms.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: liveTaskArn }));
  }
  await dropScratchTable(table);
});

const start = (input: Record<string, unknown>) =>
  startRunbook(tw.client, 'backfillPartitions', input as never, { taskQueue: tw.taskQueue });

async function refusal(input: Record<string, unknown>, capture?: string): Promise<string> {
  const handle = await start(input);
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  if (capture) await captureHistory(handle, 'backfillPartitions', capture);
  return String((error as WorkflowFailedError).cause?.message);
}

async function temporaryResourcesGone(calls: Array<{ operation: string; target: string }>): Promise<void> {
  const endpoint = calls.find((c) => c.operation === 'CreateEndpoint')!.target;
  await expect(dms.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [endpoint] }] }))).rejects.toThrow();
  const tasks = calls.filter((c) => c.operation === 'CreateReplicationTask').map((c) => c.target);
  expect(tasks).toHaveLength(3);
  await expect(
    dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: tasks }] })),
  ).rejects.toThrow();
}

describe('backfillPartitions', () => {
  test('a date column that is not a date, or not there, is refused naming the column, with nothing touched', async () => {
    // Malformed inputs (formats, ranges, names): test/reliability/badInputs.test.ts.
    await resetDmsCalls();
    const base = { table, from: FROM, to: TO, dateColumn: 'created_at' };
    expect(await refusal({ ...base, dateColumn: 'state' })).toContain(
      `dateColumn: ${table}.state is enum('new','active','closed'), not a date, datetime or timestamp column (date columns: created_on, created_at)`,
    );
    expect(await refusal({ ...base, dateColumn: 'made_on' }, 'refused-unknown-column')).toContain(
      `dateColumn: ${table} has no column made_on`,
    );
    expect(await mutatingCalls()).toEqual({});
  });

  test('dry run: per-day source counts, the live partitions to replace, one task per day, and nothing changed', async () => {
    await resetDmsCalls();
    const before = await inventory(prefix);
    const handle = await start({ table, from: FROM, to: TO, dateColumn: 'created_on', dryRun: true });
    const result = await handle.result();
    expect(result.outcome).toBe('dry-run');
    const plan = result.plan!;
    expect(plan.calls.map((c) => c.operation)).toEqual([
      'CreateEndpoint',
      ...Array(3).fill(['CreateReplicationTask', 'StartReplicationTask']).flat(),
    ]);
    const partitions = plan.details.partitions as Array<{ day: string; sourceRows: number; live: { objects: number } }>;
    expect(partitions.map((p) => [p.day, p.sourceRows, p.live.objects])).toEqual([
      ['20260605', 50, 2],
      ['20260606', 50, 1],
      ['20260607', 50, 0],
    ]);
    const mapping = plan.details.exampleMapping as { rules: Array<Record<string, unknown>> };
    expect(mapping.rules[0]!.filters).toEqual([
      { 'filter-type': 'source', 'column-name': 'created_on', 'filter-conditions': [{ 'filter-operator': 'eq', value: '2026-06-05' }] },
    ]);
    expect(mapping.rules[1]).toMatchObject({ 'rule-target': 'schema', 'rule-action': 'rename', value: '20260605' });
    expect(mapping.rules.map((r) => r['rule-name'])).toContain('drop-amount');
    // created_on leads no index on the scratch table: the plan says what the days' loads cost the source.
    expect(plan.warnings.find((w) => w.includes('created_on leads no index'))).toContain('4 full scans of the source');
    expect(await mutatingCalls()).toEqual({});
    expect(await inventory(prefix)).toEqual(before);
    await captureHistory(handle, 'backfillPartitions', 'dry-run');
  });

  test('publish rejected: the staging is discarded, temporary resources deleted, and the live partitions untouched', async () => {
    const before = await inventory(prefix);
    const handle = await start({ table, from: FROM, to: TO, dateColumn: 'created_at' });
    await waitForGate(handle, 'backfill');
    await decide(handle, { gate: 'backfill', approver: 'dba-oncall', reason: 'stage it', decision: 'approve' });
    const gate = await waitForGate(handle, 'publish', 90000);
    const staging = `_staging/${handle.workflowId}/`;
    expect((await inventory(staging)).length).toBeGreaterThan(0);
    expect((gate.pendingGate!.plan.details.verification as PartitionCheck[]).every((c) => c.matches)).toBe(true);
    await handle.signal(rejectSignal, { gate: 'publish', approver: 'dba-oncall', reason: 'not today' });
    const result = await handle.result();
    expect(result.outcome).toBe('rejected');
    expect(result.message).toContain('the live partitions of');
    expect(await inventory(prefix)).toEqual(before);
    expect(await inventory(staging)).toEqual([]);
    expect(await inventory(`_quarantine/${handle.workflowId}/`)).toEqual([]);
    await temporaryResourcesGone(result.audit.calls);
    await captureHistory(handle, 'backfillPartitions', 'publish-rejected');
  });

  test('cancelled mid staging: temporary tasks and endpoint deleted, staging emptied, live partitions untouched', async () => {
    const before = await inventory(prefix);
    const handle = await start({ table, from: FROM, to: TO, dateColumn: 'created_at' });
    await waitForGate(handle, 'backfill');
    await decide(handle, { gate: 'backfill', approver: 'dba-oncall', reason: 'stage it', decision: 'approve' });
    await waitForStatus(handle, (s) => s.audit.calls.some((c) => c.operation === 'CreateReplicationTask' && c.outcome === 'done'), 60000);
    await handle.cancel();
    const status = await expectCanceled(handle);
    expect(status.cancellation!.duringStep).toBe('stage');
    expect(status.cancellation!.undo.map((u) => [u.what.replace(/ [^ ]+$/, ''), u.state === 'done' ? 'done' : u.detail])).toEqual([
      ['delete the temporary tasks and the staging endpoint', 'done'],
      ['delete the staging prefix', 'done'],
    ]);
    const created = status.audit.calls.filter((c) => c.operation === 'CreateReplicationTask').map((c) => c.target);
    const endpoint = status.audit.calls.find((c) => c.operation === 'CreateEndpoint')!.target;
    await expect(dms.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [endpoint] }] }))).rejects.toThrow();
    await expect(
      dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: created }] })),
    ).rejects.toThrow();
    expect(await inventory(`_staging/${handle.workflowId}/`)).toEqual([]);
    expect(await inventory(prefix)).toEqual(before);
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);
    await captureHistory(handle, 'backfillPartitions', 'cancelled-mid-staging');
  });

  test('happy path: each day staged, verified per partition, published into its own folder; replaced partitions quarantined', async () => {
    const expected = await sourceCountsByDay();
    expect(Object.keys(expected).sort()).toEqual(['20260605', '20260606', '20260607']);
    const outside = await inventory(`${prefix}20260610/`);
    const handle = await start({ table, from: FROM, to: TO, dateColumn: 'created_at' });
    const gate = await waitForGate(handle, 'backfill');
    expect(gate.pendingGate!.plan.prefixes.filter((p) => p.action === 'move-to-quarantine').map((p) => p.prefix)).toEqual([
      `${prefix}20260605/`,
      `${prefix}20260606/`,
    ]);
    await decide(handle, { gate: 'backfill', approver: 'dba-oncall', reason: 'stage it', decision: 'approve' });
    await waitForGate(handle, 'publish', 90000);
    await decide(handle, { gate: 'publish', approver: 'data-platform-lead', reason: 'counts match', decision: 'approve' });
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');

    const report = result.report as BackfillReport;
    expect(report.partitions.map((c) => [c.day, c.sourceRows, c.dmsRows, c.parquetRows, c.matches])).toEqual(
      ['20260605', '20260606', '20260607'].map((d) => [d, expected[d], expected[d], expected[d], true]),
    );
    // Each live folder now holds that day's rows only: the backfilled load file, read back independently.
    const liveColumns = parquetMetadata(await fetchParquet(client, bucket, liveLoadKey.key!))
      .schema.slice(1)
      .map((e) => e.name);
    for (const day of ['20260605', '20260606', '20260607']) {
      const objects = await inventory(`${prefix}${day}/`);
      expect(objects.map((o) => o.key.slice(prefix.length))).toEqual([`${day}/LOAD00000001.parquet`]);
      const file = await fetchParquet(client, bucket, objects[0]!.key);
      expect(rowCount(file)).toBe(expected[day]);
      const rows = await readRows(file);
      const days = new Set(rows.map((r) => new Date(r.created_at as string | number | Date).toISOString().slice(0, 10).replace(/-/g, '')));
      expect([...days]).toEqual([day]);
      expect(
        parquetMetadata(file)
          .schema.slice(1)
          .map((e) => e.name),
      ).toEqual(liveColumns);
    }
    expect(liveColumns).not.toContain('amount');
    // What was replaced is kept aside, restorable; the partition outside the range is untouched.
    const quarantine = await inventory(`_quarantine/${handle.workflowId}/${prefix}`);
    expect(quarantine.map((o) => o.key.slice(`_quarantine/${handle.workflowId}/${prefix}`.length))).toEqual([
      '20260605/20260605-101500123.parquet',
      '20260605/LOAD00000001.parquet',
      '20260606/LOAD00000001.parquet',
    ]);
    expect(await inventory(`${prefix}20260610/`)).toEqual(outside);
    expect(await inventory(`_staging/${handle.workflowId}/`)).toEqual([]);
    expect(report.restoreCommands).toContain(
      `aws s3 mv --recursive s3://${bucket}/_quarantine/${handle.workflowId}/${prefix}20260605/ s3://${bucket}/${prefix}20260605/`,
    );
    await temporaryResourcesGone(result.audit.calls);
    expect(result.audit.gates.map((g) => `${g.gate}:${g.outcome}`)).toEqual(['backfill:approved', 'publish:approved']);
    await captureHistory(handle, 'backfillPartitions', 'approved-and-published');
  });

  test('cancelled mid publish: each day is published whole, S3 as its manifests say, temporary tasks and endpoint deleted', async () => {
    const days = ['20260605', '20260606', '20260607'];
    const expected = await sourceCountsByDay();
    const live: Record<string, Array<{ key: string; size: number }>> = {};
    for (const day of days) live[day] = await inventory(`${prefix}${day}/`);
    const handle = await start({ table, from: FROM, to: TO, dateColumn: 'created_at' });
    await waitForGate(handle, 'backfill');
    await decide(handle, { gate: 'backfill', approver: 'dba-oncall', reason: 'stage it', decision: 'approve' });
    await waitForGate(handle, 'publish', 90000);
    // Every S3 copy of the publish is held 3 s: the cancel arrives while the days' moves are in flight.
    const copiesBefore = proxy.copies;
    proxy.delayMs = 3000;
    let status;
    try {
      await decide(handle, { gate: 'publish', approver: 'data-platform-lead', reason: 'counts match', decision: 'approve' });
      await waitForStatus(handle, () => proxy.copies > copiesBefore, 60000);
      await handle.cancel();
      status = await expectCanceled(handle);
    } finally {
      proxy.delayMs = 0;
    }
    expect(status.cancellation!.duringStep).toBe('publish');
    // A day whose moves the cancel reached is finished by its undo; one that ended first stays published (left).
    const undo = status.cancellation!.undo;
    for (const day of days) {
      const iso = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
      const entry = undo.find((u) => u.what.includes(` ${iso} `))!;
      expect(entry.state).toBe(entry.what.startsWith('finish publishing') ? 'done' : 'left');
    }
    expect(undo.some((u) => u.what.startsWith('finish publishing'))).toBe(true);
    expect(undo.slice(-2).map((u) => [u.what.replace(/ [^ ]+$/, ''), u.state])).toEqual([
      ['delete the temporary tasks and the staging endpoint', 'done'],
      ['delete the staging prefix', 'done'],
    ]);
    // Each day is published whole: its live folder holds the day's backfilled file, and the quarantine exactly what
    // was live before, as the day's quarantine manifest lists it (the publish manifests went with the staging).
    const manifest = async (key: string) =>
      JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()) as MoveManifest;
    const quarantineRoot = `_quarantine/${handle.workflowId}/`;
    for (const day of days) {
      const objects = await inventory(`${prefix}${day}/`);
      expect(objects.map((o) => o.key.slice(prefix.length))).toEqual([`${day}/LOAD00000001.parquet`]);
      expect(rowCount(await fetchParquet(client, bucket, objects[0]!.key))).toBe(expected[day]);
      const aside = await manifest(`${quarantineRoot}_manifests/${day}.json`);
      expect(aside.objects).toEqual(live[day]);
      expect(await inventory(`${quarantineRoot}${prefix}${day}/`)).toEqual(
        live[day]!.map((o) => ({ key: `${quarantineRoot}${o.key}`, size: o.size })),
      );
    }
    expect(await inventory(`_staging/${handle.workflowId}/`)).toEqual([]);
    await temporaryResourcesGone(status.audit.calls);
    expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'gate-opened', 'approved', 'canceled']);
  });
});

describe('backfillPartitions terminated mid-staging', () => {
  // An operator's aws CLI talks to S3 itself, not through the test's proxy.
  const run = (command: string) => runRemedy(command, { AWS_ENDPOINT_URL_S3: s3Endpoint });
  const leftovers = (capture?: string) => leftoversOf(tw.client, tw.taskQueue, group.name, capture);

  test('the doctor reports its temporary tasks, endpoint, staging and lock, each with a command that cleans it', async () => {
    const handle = await start({ table, from: FROM, to: TO, dateColumn: 'created_on' });
    await waitForGate(handle, 'backfill');
    await decide(handle, { gate: 'backfill', approver: 'dba-oncall', reason: 'stage it', decision: 'approve' });
    // Terminated once a temporary task has written to the staging: the run leaves everything as it was.
    await eventually(
      () => inventory(`_staging/${handle.workflowId}/`),
      (objects) => objects.length > 0,
      120_000,
      'the staging to be written',
    );
    const { runId } = await handle.describe();
    await handle.terminate('test: an operator terminates the backfill mid-staging');
    // An activity in flight at the termination still finishes (a task created a moment later): let DMS settle.
    const ids = temporaryIdentifiers(runId);
    const existing = async () => {
      const found = await dms
        .send(
          new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: [FROM, '20260606', TO].map(ids.task) }] }),
        )
        .catch(() => ({ ReplicationTasks: [] }));
      return (found.ReplicationTasks ?? []).map((t) => t.ReplicationTaskIdentifier!).sort();
    };
    let tasks = await existing();
    for (let settled = 0; settled < 3;) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = await existing();
      settled = JSON.stringify(now) === JSON.stringify(tasks) ? settled + 1 : 0;
      tasks = now;
    }
    const endpoint = ids.endpoint;
    expect(tasks.length).toBeGreaterThan(0);

    const mine = (await leftovers('leftovers-of-terminated-backfill')).filter(
      (f) =>
        f.evidence.createdBy === handle.workflowId ||
        f.evidence.workflowId === handle.workflowId ||
        f.evidence.holder === handle.workflowId,
    );
    const subjects = mine.map((f) => f.subject).sort();
    expect(subjects).toEqual(
      expect.arrayContaining([
        ...tasks.map((t) => `task ${t}`),
        `endpoint ${endpoint}`,
        `prefix _staging/${handle.workflowId}/`,
        `table:${table}`,
      ]),
    );
    for (const f of mine) expect(f.title).toContain('terminated');

    // Tasks first (stopped if need be), then the endpoint, the staging and the lock: the order of the report's kinds.
    const order = (f: Finding) => (f.subject.startsWith('task ') ? 0 : f.subject.startsWith('endpoint ') ? 1 : 2);
    for (const finding of [...mine].sort((a, b) => order(a) - order(b))) {
      for (const step of finding.remedy!.steps ?? []) if (!step.startsWith('aws s3 mv')) run(step);
      run(finding.remedy!.command);
    }
    await expect(dms.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [endpoint] }] }))).rejects.toThrow();
    await expect(
      dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: tasks }] })),
    ).rejects.toThrow();
    expect(await inventory(`_staging/${handle.workflowId}/`)).toEqual([]);
    // Cleaned: the doctor finds nothing of this run any more.
    const after = (await leftovers()).filter((f) => subjects.includes(f.subject));
    expect(after).toEqual([]);
  }, 600_000);
});
