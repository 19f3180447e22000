import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { quarantineLayout, quarantineRoot } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import type { FullReloadReport } from '../../workflows/fullReload';
import { clearDmsFaults, mutatingCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import { objectsUnder, removeTask, replicateGroup, tableStatistics, waitForCdcFile } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * fullReload in task mode (stop, reload-target) where the verification fails — a row reaches the source without
 * reaching the binlog while the table reloads — so the finalize gate recommends a rollback, and the rollback puts
 * back exactly the files that were quarantined.
 */

let tw: TestWorker;
let group: TaskGroupConfig;
let taskArn: string | undefined;
let table: string;

async function sql(statement: string): Promise<void> {
  const db = await sourceAdmin();
  try {
    await db.query(statement);
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  const name = uniqueName('frrb');
  table = await createScratchTable(name, { rows: 500 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group] }));
});

afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

test('verification fails, the finalize gate recommends a rollback, and rejecting it restores exactly the quarantined objects', async () => {
  // The table's prefix holds full-load and CDC files.
  await sql(`INSERT INTO ${table} SELECT seq, 7, 'active', 3.00, '2026-07-03' FROM shop.seq_5001_to_5005`);
  const prefix = `dms/${table.replace('.', '/')}/`;
  const before = await waitForCdcFile(table);
  // A long full load (emulated seconds) leaves time to write behind the reload's back.
  await setDmsFaults({ extraFullLoadSeconds: { [group.taskIdentifier]: 1200 } });
  await resetDmsCalls();

  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'rollback rehearsal', mode: 'task', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
  const gate = await waitForGate(handle, 'reload');
  expect(gate.pendingGate!.plan.calls.map((c) => [c.operation, c.params.StartReplicationTaskType])).toEqual([
    ['StopReplicationTask', undefined],
    ['QuarantineTableFiles', undefined],
    ['StartReplicationTask', 'reload-target'],
    ['DeleteQuarantine', undefined],
  ]);
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });

  // Once the reload has read the table (its LOAD file is written), a row arrives that no binlog event carries.
  await waitForStatus(handle, (s) => s.steps.find((step) => step.id === 'wait')?.state === 'current', 60000);
  await eventually(
    () => objectsUnder(prefix),
    (objects) => objects.some((o) => o.key.includes('/LOAD')),
    60000,
    'the reload to write its LOAD file',
  );
  expect((await tableStatistics(taskArn!))[0]!.TableState).not.toBe('Table completed');
  await sql(`SET SESSION sql_log_bin = 0; INSERT INTO ${table} VALUES (9001, 1, 'new', 1.00, '2026-07-04'); SET SESSION sql_log_bin = 1`);

  const finalize = await waitForGate(handle, 'finalize', 90000);
  expect(finalize.pendingGate!.note).toContain('Verification FAILED');
  expect(finalize.pendingGate!.note).toContain('source has 506 rows, the files 505');
  expect(finalize.pendingGate!.note).toContain('Recommended: reject to roll back');
  expect(finalize.pendingGate!.plan.summary).toContain('reject to roll back (recommended)');
  await handle.signal(rejectSignal, { gate: 'finalize', approver: 'data-platform-lead', reason: 'counts differ' });

  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  const report = result.report as FullReloadReport;
  expect(report.verified).toBe(false);
  const layout = quarantineLayout(handle.workflowId, 'dms', toTableName(table));
  // Exactly the quarantined objects are back: same keys, same sizes, nothing more.
  expect(await objectsUnder(prefix)).toEqual(before);
  expect(report.quarantine!.tables[0]).toMatchObject({ objects: before.length, bytes: before.reduce((s, o) => s + o.size, 0) });
  const [rolledBack] = report.finalize!.rolledBack!;
  expect(rolledBack).toMatchObject({ table, restoredAsQuarantined: true, restored: { objects: before.length } });
  // The reload's files were removed from the table and kept aside, as the report says.
  const aside = await objectsUnder(layout.rolledBackPrefix);
  expect(aside.length).toBe(rolledBack!.removed.objects);
  expect(aside.every((o) => /\/LOAD\d{8}\.parquet$/.test(o.key))).toBe(true);
  expect(await objectsUnder(layout.quarantinePrefix)).toEqual([]);
  expect((await objectsUnder(`${quarantineRoot(handle.workflowId)}_manifests/`)).map((o) => o.key.split('/').at(-1))).toEqual([
    `${table}.quarantine.json`,
    `${table}.restore.json`,
    `${table}.rollback.json`,
  ]);
  expect(result.message).toContain(`removed ${aside.length} reloaded files`);
  expect(result.message).toContain(`restored ${before.length} quarantined files`);
  expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
    'StopReplicationTask:done',
    'QuarantineTableFiles:done',
    'StartReplicationTask:done',
    'MoveReloadedFilesAside:done',
    'RestoreQuarantinedFiles:done',
  ]);
  expect(await mutatingCalls()).toEqual({ StopReplicationTask: 1, StartReplicationTask: 1 });
  await captureHistory(handle, 'fullReload', 'verification-failed-rolled-back');
});
