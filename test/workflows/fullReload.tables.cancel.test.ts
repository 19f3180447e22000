import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { MoveManifest } from '../../activities/lakeMoves';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { runRemedy } from '../support/leftovers';
import { objectsUnder, removeTask, replicateGroup, tableStatistics } from '../support/replicatedTables';
import { s3 } from '../support/s3Parquet';
import { expectCanceled, scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { SlowS3Proxy } from '../support/slowS3Proxy';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

jest.setTimeout(600_000);

/**
 * Cancelling a fullReload in tables mode (ReloadTables on the running task; no task is stopped):
 * - in the middle of its quarantine copy (every S3 copy held by a slow proxy): the move is rolled back from its
 *   manifest, every file is back under the table's prefix, the task never stopped;
 * - once ReloadTables was called: the reload keeps running, the files from before it stay in the quarantine exactly
 *   as its manifest lists them, and the printed `aws s3 mv` command (run here after the reload) puts them back.
 * Each closes Canceled, sends `canceled`, and leaves the table free for the next run.
 */

let tw: TestWorker;
let proxy: SlowS3Proxy;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let table: string;
let group: TaskGroupConfig;
let taskArn: string;
let s3Endpoint: string;
const dms = dmsClient();

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  const name = uniqueName('frt');
  table = await createScratchTable(name, { rows: 400 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  s3Endpoint = process.env.AWS_ENDPOINT_URL_S3!;
  proxy = await SlowS3Proxy.start(s3Endpoint, 0);
  // The SDK reads the endpoint variable when a client first resolves it: the proxy stays for the whole file.
  process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group], notifications: { webhookUrl: webhook.url } }));
});

afterAll(async () => {
  await tw?.stop();
  process.env.AWS_ENDPOINT_URL_S3 = s3Endpoint;
  await proxy?.close();
  await webhook?.close();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

const prefix = () => `dms/${table.replace('.', '/')}/`;
const start = () =>
  startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'cancel drill, tables mode', mode: 'tables', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
const approve = (handle: Awaited<ReturnType<typeof start>>) =>
  decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
const operations = (status: Awaited<ReturnType<typeof expectCanceled>>) => status.audit.calls.map((c) => c.operation);

test('cancelled mid quarantine copy: the move is rolled back from its manifest, the task never stopped', async () => {
  const before = await objectsUnder(prefix());
  expect(before.length).toBeGreaterThan(0);
  const handle = await start();
  await waitForGate(handle, 'reload');
  proxy.delayMs = 3000;
  try {
    await approve(handle);
    await waitForStatus(handle, (s) => s.steps.find((step) => step.id === 'quarantine')?.state === 'current' && proxy.copies > 0, 90_000);
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

test('cancelled after ReloadTables: the reload and the quarantine stay, as the manifest lists them; the printed command puts the files back', async () => {
  const before = await objectsUnder(prefix());
  const handle = await start();
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
      await s3().send(new GetObjectCommand({ Bucket: process.env.STACK_BUCKET!, Key: layout.manifests.quarantine }))
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
  runRemedy(status.cancellation!.undo[0]!.command, { AWS_ENDPOINT_URL_S3: s3Endpoint });
  expect(await objectsUnder(prefix())).toEqual(before);

  // The table is free: the next fullReload takes it (cancelled at its gate: nothing to undo).
  const next = await start();
  await waitForGate(next, 'reload');
  await next.cancel();
  expect((await expectCanceled(next)).cancellation!.undo).toEqual([]);
});
