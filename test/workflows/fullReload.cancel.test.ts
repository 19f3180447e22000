import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { approveSignal } from '../../contracts/handlers';
import { captureHistory } from '../support/histories';
import { describeTask, dmsClient } from '../support/dmsEmulatorClient';
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus, expectCanceled } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { SlowS3Proxy } from '../support/slowS3Proxy';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

/**
 * Cancelling a fullReload in task mode in the middle of its quarantine move (every S3 copy held by a slow proxy):
 * the run waits for the move to stop, moves the quarantined files back from the manifest, resumes the task it
 * stopped, sends `canceled` and closes Canceled with the table's files exactly as before.
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
  proxy = await SlowS3Proxy.start(s3, 3000);
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

const start = () =>
  startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'cancel drill', mode: 'task', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );

test('cancelled mid quarantine move: files back as listed in the manifest, task resumed, Canceled, target free', async () => {
  const prefix = `dms/${table.replace('.', '/')}/`;
  const before = await objectsUnder(prefix);
  expect(before.length).toBeGreaterThan(0);
  const handle = await start();
  await waitForGate(handle, 'reload');
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });
  await waitForStatus(handle, (s) => s.steps.find((step) => step.id === 'quarantine')?.state === 'current' && proxy.copies > 0, 90000);
  await handle.cancel();

  const status = await expectCanceled(handle);
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
