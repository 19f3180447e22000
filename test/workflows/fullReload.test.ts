import { WorkflowFailedError } from '@temporalio/client';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { quarantineRoot } from '../../domain/quarantineLayout';
import { approveSignal } from '../../contracts/handlers';
import type { FullReloadReport } from '../../workflows/fullReload';
import { ReloadTablesCommand } from '@aws-sdk/client-database-migration-service';
import { clearDmsFaults, mutatingCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { admin, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import { objectsUnder, removeTask, replicateGroup, stopTask, tableStatistics } from '../support/replicatedTables';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/** fullReload against the real stack: dry run, the approved path end to end, a refusal by plan, batches of ReloadTables. */

let tw: TestWorker;
const groups: Record<string, TaskGroupConfig> = {};
const tasks: Record<string, string> = {};
const tables: string[] = [];
let main: string;
let stoppedTable: string;
let failing: string;
let partial: string;
const batch: string[] = [];

const prefixOf = (table: string) => `dms/${table.replace('.', '/')}/`;

beforeAll(async () => {
  const mainName = uniqueName('frmain');
  main = await createScratchTable(mainName, { rows: 600 });
  groups.main = scratchGroup(`g-${mainName}`, [main]);
  const stoppedName = uniqueName('frstop');
  stoppedTable = await createScratchTable(stoppedName, { rows: 100 });
  groups.stopped = scratchGroup(`g-${stoppedName}`, [stoppedTable]);
  const failingName = uniqueName('frfail');
  failing = await createScratchTable(failingName, { rows: 100 });
  groups.failing = scratchGroup(`g-${failingName}`, [failing]);
  const partialName = uniqueName('frpart');
  partial = await createScratchTable(partialName, { rows: 100 });
  groups.partial = scratchGroup(`g-${partialName}`, [partial]);
  const batchName = uniqueName('frb');
  for (let k = 0; k < 11; k++) batch.push(await createScratchTable(`${batchName}x${k}`, { rows: 40 + k }));
  groups.batch = scratchGroup(`g-${batchName}`, batch);
  tables.push(main, stoppedTable, failing, partial, ...batch);
  for (const [key, group] of Object.entries(groups)) tasks[key] = await replicateGroup(group);
  await stopTask(tasks.stopped!);
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, ...Object.values(groups)] }));
});

afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  for (const arn of Object.values(tasks)) await removeTask(arn);
  for (const table of tables) await dropScratchTable(table);
});

const start = (input: Record<string, unknown>) => startRunbook(tw.client, 'fullReload', input as never, { taskQueue: tw.taskQueue });

describe('fullReload', () => {
  test('a dry run returns the plan and changes nothing: no DMS call, no S3 object moved', async () => {
    const before = await objectsUnder(prefixOf(main));
    await resetDmsCalls();
    const handle = await start({ tables: [main], reason: 'rehearsal', dryRun: true, checkCurrentFiles: true });
    const result = await handle.result();
    expect(result.outcome).toBe('dry-run');
    expect(result.plan!.calls.map((c) => c.operation)).toEqual(['QuarantineTableFiles', 'ReloadTables', 'DeleteQuarantine']);
    expect(result.plan!.details).toMatchObject({ affectedObjects: before.length, reason: 'rehearsal' });
    const report = result.report as FullReloadReport;
    expect(report.currentFiles).toMatchObject([{ table: main, matches: true }]);
    expect(await mutatingCalls()).toEqual({});
    expect(await objectsUnder(prefixOf(main))).toEqual(before);
    expect(await objectsUnder(quarantineRoot(handle.workflowId))).toEqual([]);
    await captureHistory(handle, 'fullReload', 'dry-run');
  });

  test('approved: quarantines the files, reloads with ReloadTables, verifies, and deletes the quarantine when finalized', async () => {
    const before = await objectsUnder(prefixOf(main));
    const loadBefore = (await tableStatistics(tasks.main!))[0]!.FullLoadStartTime;
    await resetDmsCalls();
    const handle = await start({ tables: [main], reason: 'DATA-42: ENUM reorder', ticket: 'DATA-42' });
    const gate = await waitForGate(handle, 'reload');
    expect(gate.pendingGate!.note).toContain('Reason: DATA-42: ENUM reorder (DATA-42)');
    expect(gate.pendingGate!.note).toContain(`Affected: ${before.length} files`);
    expect(gate.pendingGate!.plan.prefixes[0]).toMatchObject({
      prefix: prefixOf(main),
      action: 'move-to-quarantine',
      objects: before.length,
    });
    expect(await mutatingCalls()).toEqual({});
    // Not asked to compare the current files: no scan of the source before the gate, and the plan says so.
    expect(gate.steps.find((s) => s.id === 'check-current')).toMatchObject({ state: 'skipped' });
    expect(gate.pendingGate!.plan.warnings.join('\n')).toContain('the current files were not compared with the source');
    await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'go' });

    const finalize = await waitForGate(handle, 'finalize', 90000);
    expect(finalize.pendingGate!.note).toContain('Verification passed for 1 table(s)');
    // The old files wait in the quarantine under their original keys.
    const root = quarantineRoot(handle.workflowId);
    const quarantined = (await objectsUnder(`${root}dms/`)).map((o) => ({ key: o.key.slice(root.length), size: o.size }));
    expect(quarantined).toEqual(before);
    await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'numbers match', decision: 'approve' });

    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    const report = result.report as FullReloadReport;
    expect(report.verification).toMatchObject([
      { table: main, sourceRows: 600, dmsFullLoadRows: 600, parquetLoadRows: 600, matches: true },
    ]);
    expect(report.verification![0]!.comparison.checked).toEqual(['rows', 'primary-key', 'row-hash', 'distribution:state']);
    expect(report.quarantine!.tables).toMatchObject([{ table: main, objects: before.length }]);
    expect(report.finalize!.decision).toBe('approved');
    expect(result.audit.calls.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'QuarantineTableFiles:done',
      'ReloadTables:done',
      'DeleteQuarantine:done',
    ]);
    expect(result.audit.gates.map((g) => `${g.gate}:${g.outcome}:${g.approver}`)).toEqual([
      'reload:approved:dba-oncall',
      'finalize:approved:data-platform-lead',
    ]);
    expect(await mutatingCalls()).toEqual({ ReloadTables: 1 });
    expect(await objectsUnder(root)).toEqual([]);
    const after = await objectsUnder(prefixOf(main));
    expect(after.map((o) => o.key).every((k) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(k))).toBe(true);
    const stat = (await tableStatistics(tasks.main!))[0]!;
    expect(stat).toMatchObject({ TableState: 'Table completed', FullLoadReloaded: true, FullLoadRows: 600 });
    expect(stat.FullLoadStartTime!.getTime()).toBeGreaterThan(loadBefore!.getTime());
    await captureHistory(handle, 'fullReload', 'approved-and-finalized');
  });

  test('ReloadTables on a stopped task is refused by the plan, before any change, with the way out', async () => {
    const before = await objectsUnder(prefixOf(stoppedTable));
    await resetDmsCalls();
    const handle = await start({ tables: [stoppedTable], reason: 'should be refused', checkCurrentFiles: false });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain(`ReloadTables needs a running task, and task ${groups.stopped!.taskIdentifier} is stopped (NORMAL)`);
    expect(message).toContain('"mode": "task"');
    expect(await mutatingCalls()).toEqual({});
    expect(await objectsUnder(prefixOf(stoppedTable))).toEqual(before);
    expect(await objectsUnder(quarantineRoot(handle.workflowId))).toEqual([]);
    await captureHistory(handle, 'fullReload', 'refused-stopped-task');
  });

  test('a table ending its reload in "Table error" fails the runbook with DMS\'s message and where its old files wait', async () => {
    const before = await objectsUnder(prefixOf(failing));
    const [schema, table] = failing.split('.');
    await setDmsFaults({
      tableErrors: { [groups.failing!.taskIdentifier]: { schema, table, message: 'Table error: lost connection during reload' } },
    });
    const handle = await start({ tables: [failing], reason: 'reload that fails', checkCurrentFiles: false });
    await waitForGate(handle, 'reload');
    await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = String((error as WorkflowFailedError).cause?.message);
    expect(message).toContain(`${failing} is in "Table error"`);
    expect(message).toContain('lost connection during reload');
    // The files from before the reload are kept in the quarantine, and the message says where.
    const root = quarantineRoot(handle.workflowId);
    expect(message).toContain(`kept in the quarantine at s3://${tw.config.target.bucket}/${root}`);
    expect(message).toContain(
      `aws s3 mv --recursive s3://${tw.config.target.bucket}/${root}${prefixOf(failing)} s3://${tw.config.target.bucket}/${prefixOf(failing)}`,
    );
    const quarantined = (await objectsUnder(`${root}dms/`)).map((o) => ({ key: o.key.slice(root.length), size: o.size }));
    expect(quarantined).toEqual(before);
    await captureHistory(handle, 'fullReload', 'dms-table-error-during-reload');
  });

  test('a reload DMS ends "Table completed" with rows missing (source gone mid-load) fails the verification: reject recommended', async () => {
    // Emulator fault partialLoads (unverified DMS behaviour, FIDELITY.md): FullLoadRows and the LOAD files agree at 60.
    const [schema, table] = partial.split('.');
    await setDmsFaults({ partialLoads: { [groups.partial!.taskIdentifier]: { schema, table, rows: 60 } } });
    try {
      const handle = await start({ tables: [partial], reason: 'reload cut short', checkCurrentFiles: false });
      await waitForGate(handle, 'reload');
      await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
      const finalize = await waitForGate(handle, 'finalize', 90000);
      expect(finalize.pendingGate!.note).toContain('Verification FAILED');
      expect(finalize.pendingGate!.note).toContain('Recommended: reject to roll back');
      await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'rows missing', decision: 'reject' });
      await handle.result().catch(() => undefined);
    } finally {
      await setDmsFaults({ partialLoads: { [groups.partial!.taskIdentifier]: null } });
    }
  });

  test('11 tables: ReloadTables in two calls of 10 and 1, every table verified', async () => {
    await resetDmsCalls();
    const handle = await start({ tables: batch, reason: 'batch', checkCurrentFiles: false });
    const gate = await waitForGate(handle, 'reload');
    const reloadCalls = gate.pendingGate!.plan.calls.filter((c) => c.operation === 'ReloadTables');
    expect(reloadCalls.map((c) => (c.params.TablesToReload as unknown[]).length)).toEqual([10, 1]);
    await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
    await waitForGate(handle, 'finalize', 110000);
    await decide(handle, { gate: 'finalize', approver: 'dba-oncall', reason: 'ok', decision: 'approve' });
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(await mutatingCalls()).toEqual({ ReloadTables: 2 });
    const calls = result.audit.calls.filter((c) => c.operation === 'ReloadTables');
    expect(calls.map((c) => (c.params!.TablesToReload as unknown[]).length)).toEqual([10, 1]);
    const report = result.report as FullReloadReport;
    expect(report.verification!.map((v) => [v.table, v.sourceRows, v.matches])).toEqual(batch.map((t, k) => [t, 40 + k, true]));
  });

  test('the 10-table limit counts tables still reloading (reloadTables.limit in-flight), which is why the runbook waits between calls', async () => {
    const client = dmsClient();
    const names = batch.map((t) => {
      const [SchemaName, TableName] = t.split('.');
      return { SchemaName: SchemaName!, TableName: TableName! };
    });
    try {
      await client.send(new ReloadTablesCommand({ ReplicationTaskArn: tasks.batch!, TablesToReload: names.slice(0, 10) }));
      const refused = await client
        .send(new ReloadTablesCommand({ ReplicationTaskArn: tasks.batch!, TablesToReload: names.slice(10) }))
        .catch((e: Error) => e);
      expect((refused as Error).name).toBe('InvalidParameterValueException');
      expect((refused as Error).message).toContain('can reload up to 10 tables: 10 still reloading');
      await admin('/behaviour', 'POST', { reloadTables: { limit: 'per-call' } });
      await client.send(new ReloadTablesCommand({ ReplicationTaskArn: tasks.batch!, TablesToReload: names.slice(10) }));
    } finally {
      await admin('/behaviour', 'POST', { reloadTables: { limit: 'in-flight' } });
      client.destroy();
    }
    await eventually(
      () => tableStatistics(tasks.batch!),
      (stats) => stats.every((s) => s.TableState === 'Table completed'),
      90000,
      'the direct reloads to complete',
    );
  });
});
