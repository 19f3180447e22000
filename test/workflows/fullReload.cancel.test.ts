import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { MoveManifest } from '../../activities/lakeMoves';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { approveSignal } from '../../contracts/handlers';
import { captureHistory } from '../support/histories';
import { describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { runRemedy } from '../support/leftovers';
import { objectsUnder, removeTask, replicateGroup, tableStatistics } from '../support/replicatedTables';
import { s3 as s3Client } from '../support/s3Parquet';
import { scratchGroup, waitForGate, waitForStatus, expectCanceled } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { SlowS3Proxy } from '../support/slowS3Proxy';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

jest.setTimeout(600_000);

/**
 * Cancelling a fullReload, one worker and one replicated table for the file; every S3 copy can be held by a slow
 * proxy, so a move is caught midway.
 * - Task mode, mid quarantine move: the run waits for the move to stop, moves the quarantined files back from the
 *   manifest, resumes the task it stopped, and closes Canceled with the table's files exactly as before.
 * - Tables mode (ReloadTables on the running task; no task is stopped), mid quarantine copy: the move is rolled back
 *   from its manifest, every file is back under the table's prefix, the task never stopped.
 * - Tables mode, once ReloadTables was called: the reload keeps running, the files from before it stay in the
 *   quarantine exactly as its manifest lists them, and the printed `aws s3 mv` command (run here after the reload)
 *   puts them back.
 * Each sends `canceled`; the table is then free for the next run.
 */

let tw: TestWorker;
let proxy: SlowS3Proxy;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let table: string;
let group: TaskGroupConfig;
let taskArn: string;
let s3: string;
const dms = dmsClient();

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  const name = uniqueName('frc');
  table = await createScratchTable(name, { rows: 400 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  s3 = process.env.AWS_ENDPOINT_URL_S3!;
  proxy = await SlowS3Proxy.start(s3, 0);
  // The SDK reads the endpoint variable when a client first resolves its endpoint, not when it is made: the variable
  // stays on the proxy for the whole file (the test's own S3 reads pass through at once; only copies are held).
  process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group], notifications: { webhookUrl: webhook.url } }));
});

afterAll(async () => {
  await tw?.stop();
  process.env.AWS_ENDPOINT_URL_S3 = s3;
  await proxy?.close();
  await webhook?.close();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

const start = (mode: 'task' | 'tables' = 'task') =>
  startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: `cancel drill, ${mode} mode`, mode, checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );

test('cancelled mid quarantine move: files back as listed in the manifest, task resumed, Canceled, target free', async () => {
  const prefix = `dms/${table.replace('.', '/')}/`;
  const before = await objectsUnder(prefix);
  expect(before.length).toBeGreaterThan(0);
  const handle = await start();
  await waitForGate(handle, 'reload');
  proxy.delayMs = 3000;
  const status = await (async () => {
    try {
      await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
      await waitForStatus(handle, (s) => s.steps.find((step) => step.id === 'quarantine')?.state === 'current' && proxy.copies > 0, 90000);
      await handle.cancel();
      return await expectCanceled(handle);
    } finally {
      proxy.delayMs = 0;
    }
  })();
  // The move may end before its next heartbeat brings the cancellation: the run then stops before the reload.
  expect(['quarantine', 'reload']).toContain(status.cancellation!.duringStep);
  const layout = quarantineLayout(handle.workflowId, 'dms', toTableName(table));
  expect(status.cancellation!.undo.map((u) => [u.what, u.state])).toEqual([
    [`move ${table}'s quarantined files back to s3://${process.env.STACK_BUCKET}/${prefix}`, 'done'],
    [`resume task ${group.taskIdentifier}, stopped by this run`, 'done'],
  ]);
  expect(status.cancellation!.undo[0]!.detail).toContain(`${before.length} file(s) back under`);
  // Every file is where it was, with its size; none is left in the quarantine.
  expect(await objectsUnder(prefix)).toEqual(before);
  expect(await objectsUnder(layout.quarantinePrefix)).toEqual([]);
  expect((await describeTask(dms, taskArn)).Status).toBe('running');
  expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);
  await captureHistory(handle, 'fullReload', 'cancelled-mid-quarantine');

  // The table and task are free: the next fullReload takes them (and is cancelled at its gate, nothing to undo).
  const next = await start();
  await waitForGate(next, 'reload');
  await next.cancel();
  expect((await expectCanceled(next)).cancellation!.undo).toEqual([]);
  expect(webhook.events(next.workflowId)).toEqual(['gate-opened', 'canceled']);
});

const prefix = () => `dms/${table.replace('.', '/')}/`;
const approve = (handle: Awaited<ReturnType<typeof start>>) =>
  decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
const operations = (status: Awaited<ReturnType<typeof expectCanceled>>) => status.audit.calls.map((c) => c.operation);

test('tables mode, cancelled mid quarantine copy: the move is rolled back from its manifest, the task never stopped', async () => {
  const before = await objectsUnder(prefix());
  expect(before.length).toBeGreaterThan(0);
  const handle = await start('tables');
  await waitForGate(handle, 'reload');
  // Copies of this run only (the proxy counts the file's earlier moves too).
  const copiesBefore = proxy.copies;
  proxy.delayMs = 3000;
  try {
    await approve(handle);
    await waitForStatus(
      handle,
      (s) => s.steps.find((step) => step.id === 'quarantine')?.state === 'current' && proxy.copies > copiesBefore,
      90_000,
    );
    await handle.cancel();
    const status = await expectCanceled(handle);
    // The move may end before its next heartbeat brings the cancellation: the run then stops before the reload.
    expect(['quarantine', 'reload']).toContain(status.cancellation!.duringStep);
    expect(status.cancellation!.undo).toMatchObject([
      { what: `move ${table}'s quarantined files back to s3://${process.env.STACK_BUCKET}/${prefix()}`, state: 'done' },
    ]);
    expect(status.cancellation!.undo[0]!.detail).toContain(`${before.length} file(s) back under`);
    expect(operations(status)).not.toContain('StopReplicationTask');
    expect(operations(status)).not.toContain('ReloadTables');
  } finally {
    proxy.delayMs = 0;
  }
  // Every file is where it was, with its size; none is left in the quarantine; the task kept running.
  expect(await objectsUnder(prefix())).toEqual(before);
  expect(await objectsUnder(quarantineLayout(handle.workflowId, 'dms', toTableName(table)).quarantinePrefix)).toEqual([]);
  expect((await describeTask(dms, taskArn)).Status).toBe('running');
  expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);
});

test('tables mode, cancelled after ReloadTables: the reload and the quarantine stay, as the manifest lists them; the printed command puts the files back', async () => {
  const before = await objectsUnder(prefix());
  const handle = await start('tables');
  await waitForGate(handle, 'reload');
  await approve(handle);
  await waitForStatus(handle, (s) => s.steps.find((step) => step.id === 'reload')?.state === 'done', 90_000);
  await handle.cancel();

  const status = await expectCanceled(handle);
  expect(['wait', 'verify', 'check-cdc', 'gate:finalize']).toContain(status.cancellation!.duringStep);
  const layout = quarantineLayout(handle.workflowId, 'dms', toTableName(table));
  expect(status.cancellation!.undo).toMatchObject([
    {
      what: `${table}: the reload keeps running; the files from before it stay in s3://${process.env.STACK_BUCKET}/${layout.quarantinePrefix} (every key in ${layout.manifests.quarantine})`,
      state: 'left',
    },
  ]);
  expect(operations(status)).toContain('ReloadTables');
  expect(operations(status)).not.toContain('StopReplicationTask');
  expect((await describeTask(dms, taskArn)).Status).toBe('running');
  expect(webhook.events(handle.workflowId)).toEqual(['gate-opened', 'approved', 'canceled']);

  // S3 agrees with the manifest: the quarantine holds exactly the files it lists, which are the table's from before.
  const manifest = JSON.parse(
    await (
      await s3Client().send(new GetObjectCommand({ Bucket: process.env.STACK_BUCKET!, Key: layout.manifests.quarantine }))
    ).Body!.transformToString(),
  ) as MoveManifest;
  expect(manifest.objects).toEqual(before);
  expect(await objectsUnder(layout.quarantinePrefix)).toEqual(
    manifest.objects.map((o) => ({ key: manifest.to + o.key.slice(manifest.from.length), size: o.size })),
  );

  // Once the reload has loaded the table, the printed command puts the old files back in place of the reloaded ones.
  await eventually(
    () => tableStatistics(taskArn),
    (stats) => stats.some((s) => s.TableName === table.split('.')[1] && s.TableState === 'Table completed' && (s.FullLoadRows ?? 0) > 0),
    120_000,
    'the reload to complete',
  );
  // An operator's aws CLI talks to S3 itself, not through the test's proxy.
  runRemedy(status.cancellation!.undo[0]!.command, { AWS_ENDPOINT_URL_S3: s3 });
  expect(await objectsUnder(prefix())).toEqual(before);

  // The table is free: the next fullReload takes it (cancelled at its gate: nothing to undo).
  const next = await start('tables');
  await waitForGate(next, 'reload');
  await next.cancel();
  expect((await expectCanceled(next)).cancellation!.undo).toEqual([]);
});
