import type { ChildProcess } from 'node:child_process';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import type { MoveManifest } from '../../activities/lakeMoves';
import { quarantineLayout, quarantineRoot } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import type { FullReloadReport } from '../../workflows/fullReload';
import { captureHistory } from '../support/histories';
import { s3 } from '../support/s3Parquet';
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { killHard, spawnWorker, stopGracefully } from '../support/workerProcesses';

jest.setTimeout(240000);

/**
 * The worker killed (SIGKILL) while it moves a table's files to the quarantine: after the activity's heartbeat timeout
 * a new worker finishes the move from its manifest, and no object is lost or duplicated.
 */

let tw: TestWorker;
let taskArn: string | undefined;
let table: string;
let group: TaskGroupConfig;
let worker: ChildProcess | undefined;
const PADDING = 1500;

beforeAll(async () => {
  const name = uniqueName('frcrash');
  table = await createScratchTable(name, { rows: 200 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  // Many objects beside the table's Parquet files, so the move lasts long enough to be interrupted.
  const client = s3();
  const keys = Array.from({ length: PADDING }, (_, k) => k);
  for (let k = 0; k < keys.length; k += 50) {
    await Promise.all(
      keys.slice(k, k + 50).map((i) =>
        client.send(
          new PutObjectCommand({
            Bucket: process.env.STACK_BUCKET,
            Key: `dms/${table.replace('.', '/')}/20260601/extra-${String(i).padStart(5, '0')}.bin`,
            Body: Buffer.alloc(10 + (i % 97), i % 251),
          }),
        ),
      ),
    );
  }
  client.destroy();
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group] }));
});

afterAll(async () => {
  if (worker) await stopGracefully(worker);
  await tw?.stop();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

test('SIGKILL during the quarantine: a new worker finishes the move, nothing lost, nothing duplicated', async () => {
  const prefix = `dms/${table.replace('.', '/')}/`;
  const before = await objectsUnder(prefix);
  expect(before.length).toBe(PADDING + 1);
  const queue = `crash-${uniqueName('q')}`;
  const config = testConfig({ taskGroups: [...testConfig().taskGroups, group] });
  worker = await spawnWorker(config, queue);
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'crash drill', checkCurrentFiles: false },
    { taskQueue: queue },
  );
  await waitForGate(handle, 'reload');
  const layout = quarantineLayout(handle.workflowId, 'dms', toTableName(table));
  await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });

  // Kill as soon as the move's manifest exists: the copies are under way, no original is deleted yet.
  const client = s3();
  const manifestWritten = async () =>
    client
      .send(new HeadObjectCommand({ Bucket: process.env.STACK_BUCKET, Key: layout.manifests.quarantine }))
      .then(() => true)
      .catch(() => false);
  const deadline = Date.now() + 30000;
  while (!(await manifestWritten())) {
    if (Date.now() > deadline) throw new Error('the quarantine manifest never appeared');
    await new Promise((r) => setTimeout(r, 20));
  }
  const pid = worker.pid!;
  await killHard(worker);
  // The worker itself is gone (not only a wrapper process): its activity can only resume on another worker.
  expect(() => process.kill(pid, 0)).toThrow();
  const originalsAtKill = (await objectsUnder(prefix)).length;
  const copiesAtKill = (await objectsUnder(layout.quarantinePrefix)).length;
  // The kill landed in the middle of the move: every original still there, not every copy made.
  expect(originalsAtKill).toBe(before.length);
  expect(copiesAtKill).toBeLessThan(before.length);

  worker = await spawnWorker(config, queue);
  await waitForGate(handle, 'finalize', 150000);
  const stored = await client.send(new GetObjectCommand({ Bucket: process.env.STACK_BUCKET, Key: layout.manifests.quarantine }));
  const manifest = JSON.parse(await stored.Body!.transformToString()) as MoveManifest;
  client.destroy();
  expect(manifest.objects).toEqual(before);
  // The quarantine holds each original exactly once, under its original key, with its size.
  const root = quarantineRoot(handle.workflowId);
  const quarantined = (await objectsUnder(layout.quarantinePrefix)).map((o) => ({ key: o.key.slice(root.length), size: o.size }));
  expect(quarantined).toEqual(before);
  // The table prefix holds only the reload's new full-load file.
  const now = await objectsUnder(prefix);
  expect(now.map((o) => o.key).every((k) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(k))).toBe(true);

  await decide(handle, { gate: 'finalize', approver: 'dba-oncall', reason: 'ok', decision: 'approve' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  const quarantine = result.audit.calls.filter((c) => c.operation === 'QuarantineTableFiles');
  expect(quarantine).toHaveLength(1);
  const [, copiedNow, alreadyCopied] = /(\d+) copied now, (\d+) already copied/.exec(quarantine[0]!.detail)!;
  expect(Number(copiedNow) + Number(alreadyCopied)).toBe(before.length);
  expect((result.report as FullReloadReport).verification![0]).toMatchObject({ sourceRows: 200, matches: true });
  expect(await objectsUnder(root)).toEqual([]);
  await captureHistory(handle, 'fullReload', 'worker-killed-during-quarantine');
});
