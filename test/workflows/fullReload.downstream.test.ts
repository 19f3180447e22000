import { decide, startRunbook } from '../../client/runbooks';
import { consumerPauseKey, PauseRecord } from '../../domain/consumerCommands';
import { markerKey, RewriteMarker } from '../../domain/consumerMarkers';
import type { TaskGroupConfig } from '../../domain/config';
import { toTableName } from '../../domain/tableName';
import { approveSignal } from '../../workflows/definitions';
import { startConsumerWebhook } from '../support/consumerWebhook';
import { removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { s3 } from '../support/s3Parquet';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';

/**
 * fullReload with a webhook consumer of its table (docs/downstream.md): the consumer is paused and waited for before the
 * quarantine, the marker is written before the first S3 change and completed after, the rebuild runs after finalize,
 * then the consumer is resumed; a failed rebuild fails the run, names the consumer and the next commands, and leaves
 * the pause record the doctor reports.
 */

let tw: TestWorker;
let group: TaskGroupConfig;
let taskArn: string | undefined;
let table: string;
// A second table of the same consumer, in a task of its own: two runs at once share the consumer's pause.
let group2: TaskGroupConfig;
let taskArn2: string | undefined;
let table2: string;
const secret = 'shared-secret-for-tests';
let hook: Awaited<ReturnType<typeof startConsumerWebhook>>;
let failing: Awaited<ReturnType<typeof startConsumerWebhook>>;

async function readJson<T>(key: string): Promise<T | undefined> {
  try {
    const o = await s3().send(new GetObjectCommand({ Bucket: tw.config.target.bucket, Key: key }));
    return JSON.parse(await o.Body!.transformToString()) as T;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

beforeAll(async () => {
  const name = uniqueName('frds');
  table = await createScratchTable(name, { rows: 300 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  table2 = await createScratchTable(`${name}b`, { rows: 100 });
  group2 = scratchGroup(`g-${name}b`, [table2]);
  taskArn2 = await replicateGroup(group2);
  hook = await startConsumerWebhook({ secret, activeFor: 2, rebuildPolls: 2 });
  failing = await startConsumerWebhook({ rebuildOutcome: 'failed' });
  process.env.TEST_CONSUMER_SECRET = secret;
});

afterAll(async () => {
  // The failure test leaves the consumer's pause record on purpose; other suites' doctors must not find it.
  await s3().send(new DeleteObjectCommand({ Bucket: testConfig().target.bucket, Key: consumerPauseKey('warehouse') }));
  await tw?.stop();
  await removeTask(taskArn);
  await removeTask(taskArn2);
  await dropScratchTable(table);
  await dropScratchTable(table2);
  await hook?.close();
  await failing?.close();
});

const withConsumer = (url: string, signed: boolean) =>
  testConfig({
    taskGroups: [...testConfig().taskGroups, group, group2],
    consumers: [
      {
        kind: 'webhook',
        name: 'warehouse',
        taskGroups: [group.name, group2.name],
        tables: [],
        url,
        ...(signed ? { secret: { env: 'TEST_CONSUMER_SECRET' } } : {}),
        parameters: { env: 'test' },
        pollSeconds: 0.2,
        idleTimeoutMinutes: 2,
        rebuildTimeoutMinutes: 2,
        rowCountTolerancePercent: 1,
        doctor: true,
      },
    ],
  });

test('the plan shows the consumer; pause and idle before the quarantine; marker, rebuild after finalize, then resume', async () => {
  tw = await startTestWorker(withConsumer(hook.url, true));
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'downstream rehearsal' },
    { taskQueue: tw.taskQueue },
  );
  const gate = await waitForGate(handle, 'reload');
  const plan = gate.pendingGate!.plan;
  expect(plan.calls.map((c) => `${c.service}:${c.operation}`)).toEqual([
    's3:QuarantineTableFiles',
    'dms:ReloadTables',
    's3:DeleteQuarantine',
    'consumer:Pause',
    's3:PutRewriteMarker',
    'consumer:Rebuild',
    'consumer:Resume',
  ]);
  expect(plan.warnings.join('\n')).toContain(`Downstream: ${table}: the reload writes full-load rows whose $AR_H_CHANGE_SEQ may be empty`);
  // Nothing happened to the consumer before the gate.
  expect(hook.sequence(handle.workflowId)).toEqual([]);
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });

  const finalize = await waitForGate(handle, 'finalize', 90000);
  // Paused, polled until idle, before the quarantine moved anything; the marker says what the run does.
  expect(hook.sequence(handle.workflowId)).toEqual(['pause', 'status']);
  expect(hook.events.filter((e) => e.event === 'status').length).toBeGreaterThanOrEqual(3);
  expect(hook.events.every((e) => e.signed)).toBe(true);
  const pauseStep = finalize.steps.find((s) => s.id === 'downstream:pause')!;
  const quarantineStep = finalize.steps.find((s) => s.id === 'quarantine')!;
  expect(pauseStep.state).toBe('done');
  expect(pauseStep.finishedAt! <= quarantineStep.startedAt!).toBe(true);
  const key = markerKey(handle.workflowId, toTableName(table));
  const started = await readJson<RewriteMarker>(key);
  expect(started).toMatchObject({ format: 'dms-runbooks/rewrite-marker@1', state: 'started', table, consumers: ['warehouse'] });
  expect(started!.moves[0]!.to).toContain('_quarantine/');
  expect(await readJson(consumerPauseKey('warehouse'))).toMatchObject({ workflowId: handle.workflowId, tables: [table] });

  await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'ok', decision: 'approve' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.message).toContain(`warehouse rebuilt ${table}: run rb-${table} succeeded: rows 600`);
  expect(hook.sequence(handle.workflowId)).toEqual(['pause', 'status', 'rebuild', 'rebuild-status', 'resume']);
  const rebuild = hook.events.find((e) => e.event === 'rebuild' && e.workflowId === handle.workflowId)!;
  expect(rebuild).toMatchObject({ table, markerKey: key });
  const done = await readJson<RewriteMarker>(key);
  expect(done!.state).toBe('finalized');
  expect(done!.keys.written!.length).toBeGreaterThan(0);
  expect(done!.keys.written!.every((k) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(k))).toBe(true);
  // Resumed: no pause record left for the doctor.
  expect(await readJson(consumerPauseKey('warehouse'))).toBeUndefined();
  await tw.stop();
});

test('two runs sharing the consumer: the second joins the pause, the first leaves it paused for the second, the last resumes it', async () => {
  tw = await startTestWorker(withConsumer(hook.url, true));
  const reloadUpToFinalize = async (t: string) => {
    const handle = await startRunbook(tw.client, 'fullReload', { tables: [t], reason: 'shared pause' }, { taskQueue: tw.taskQueue });
    await waitForGate(handle, 'reload');
    await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
    return { handle, finalize: await waitForGate(handle, 'finalize', 90000) };
  };
  const first = await reloadUpToFinalize(table);
  const second = await reloadUpToFinalize(table2);
  // The second run found the consumer paused by the first: no pause of its own, only the wait for idle.
  expect(hook.sequence(second.handle.workflowId)).toEqual(['status']);
  expect(second.finalize.steps.find((s) => s.id === 'downstream:pause')!.detail).toContain(
    `already paused by fullReload ${first.handle.workflowId}: this run joined the pause`,
  );
  const key = consumerPauseKey('warehouse');
  const holders = async () => (await readJson<PauseRecord>(key))?.holders?.map((h) => h.workflowId);
  expect(await holders()).toEqual([first.handle.workflowId, second.handle.workflowId]);

  await decide(first.handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'ok', decision: 'approve' });
  const firstResult = await first.handle.result();
  expect(firstResult.message).toContain(`warehouse kept paused for fullReload ${second.handle.workflowId}`);
  expect(hook.sequence(first.handle.workflowId)).toEqual(['pause', 'status', 'rebuild', 'rebuild-status']);
  expect(await holders()).toEqual([second.handle.workflowId]);

  await decide(second.handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'ok', decision: 'approve' });
  expect((await second.handle.result()).outcome).toBe('succeeded');
  expect(hook.sequence(second.handle.workflowId)).toEqual(['status', 'rebuild', 'rebuild-status', 'resume']);
  // Resumed to what the first pause found (the webhook's answer to the first run's pause).
  const resume = hook.events.find((e) => e.event === 'resume' && e.workflowId === second.handle.workflowId)!;
  expect(resume.state).toEqual({ schedule: 'was-running' });
  expect(await readJson(key)).toBeUndefined();
  await tw.stop();
});

test('a failed rebuild fails the run with the consumer, its message and the next commands; the consumer stays paused with a record', async () => {
  tw = await startTestWorker(withConsumer(failing.url, false));
  const handle = await startRunbook(tw.client, 'fullReload', { tables: [table], reason: 'failing rebuild' }, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'reload');
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
  await waitForGate(handle, 'finalize', 90000);
  await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'ok', decision: 'approve' });
  const error = (await handle.result().catch((e: unknown) => e)) as Error & { cause?: Error };
  const message = error.cause?.message ?? error.message;
  expect(message).toContain(
    `consumer "warehouse" (rebuild rb-${table}) failed to rebuild ${table}: failed: MERGE failed: column label not found`,
  );
  expect(message).toContain('the consumer stays PAUSED');
  expect(message).toMatch(/Next: fix the rebuild and run it again with table=.* marker=_runbooks\/rewrite-markers\//);
  expect(message).toContain('"event":"resume"');
  expect(failing.sequence(handle.workflowId)).toEqual(['pause', 'status', 'rebuild', 'rebuild-status']);
  const status = await waitForStatus(handle, (s) => s.phase === 'failed');
  expect(status.steps.find((s) => s.id === 'downstream:rebuild')!.state).toBe('failed');
  expect(await readJson(consumerPauseKey('warehouse'))).toMatchObject({ workflowId: handle.workflowId });
});
