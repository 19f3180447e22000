import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import type { RunbookResult } from '../../workflows/engine/runbook';
import type { FullReloadReport } from '../../workflows/fullReload';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { admin } from '../support/dmsEmulatorClient';
import { removeTask, replicateGroup, waitForCdcFile } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, scratchEnumReorder, uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(180000);

/**
 * Why a fullReload after an ENUM reorder must not use ReloadTables ("Reloading tables during a task": DMS retains
 * the previously read table definition): asked for with the drift, "mode": "tables" is refused before any change;
 * asked for without it (an operator who does not know), ReloadTables rights the LOAD files — their verification
 * passes — but the CDC written after it still carries wrong labels, which the finalize gate's CDC check catches; and
 * under the emulator setting where reload-target keeps the definition too, the same check catches that.
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

const drift = () => scratchEnumReorder(table);

beforeAll(async () => {
  const name = uniqueName('frenum');
  table = await createScratchTable(name, { rows: 200 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group], waits: { cdcCheckMinutes: 1 } }));
  await sql(`ALTER TABLE ${table} MODIFY state ENUM('closed','active','new') NOT NULL`);
});

afterAll(async () => {
  await tw?.stop();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

test('"mode": "tables" with an ENUM reorder in the schema drift is refused before any change, naming the way out and its blast radius', async () => {
  await resetDmsCalls();
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'ENUM reorder', mode: 'tables', schemaDrift: drift(), checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
  const message = await handle.result().then(
    () => 'completed',
    (error: Error & { cause?: Error }) => error.cause?.message ?? error.message,
  );
  expect(message).toContain('"mode": "tables" cannot repair');
  expect(message).toContain('DMS retains the previously read table definition');
  expect(message).toContain('reload-target');
  expect(message).toContain(`task ${group.taskIdentifier}: ${table}`);
  expect(await mutatingCalls()).toEqual({});

  // Without "mode", the same input chooses reload-target and says why (a dry run shows it).
  const dry = (await (
    await startRunbook(
      tw.client,
      'fullReload',
      { tables: [table], reason: 'ENUM reorder', schemaDrift: drift(), checkCurrentFiles: false, dryRun: true },
      { taskQueue: tw.taskQueue },
    )
  ).result()) as RunbookResult<FullReloadReport>;
  expect(dry.report!.mode).toBe('task');
  expect(dry.report!.method!.why).toContain('ReloadTables keeps the table definition DMS read before the change');
  expect(dry.message).toContain('with reload-target');
});

test('a plain ReloadTables after the reorder: the LOAD files verify, the CDC written after it is still wrong, and the finalize gate says so', async () => {
  // CDC after the ALTER writes wrong labels ('new' is index 3 now; the task decodes index 3 as 'closed').
  await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 1 AND 15`);
  await waitForCdcFile(table);

  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'labels look wrong', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
  await waitForGate(handle, 'reload', 60000);
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'reload' });
  await waitForStatus(handle, (s) => s.steps.some((x) => x.id === 'check-cdc' && x.state === 'current'), 90000);
  await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 16 AND 40`);

  const gate = await waitForGate(handle, 'finalize', 90000);
  expect(gate.pendingGate!.note).toContain('Verification FAILED');
  expect(gate.pendingGate!.note).toContain('CDC written after the reload disagrees with the source');
  expect(gate.pendingGate!.note).toContain("state files 'closed', source 'new'");
  await handle.signal(rejectSignal, { gate: 'finalize', approver: 'dba-oncall', reason: 'CDC still wrong' });
  const result = (await handle.result()) as RunbookResult<FullReloadReport>;
  expect(result.outcome).toBe('rolled-back');
  const report = result.report!;
  expect(report.mode).toBe('tables');
  // The LOAD files were right: only the CDC after the reload is wrong.
  expect(report.verification![0]!.matches).toBe(true);
  expect(report.cdcAfterReload![0]).toMatchObject({ verdict: 'mismatch' });
  expect(report.cdcAfterReload![0]!.mismatches).toBeGreaterThanOrEqual(10);
  expect(report.verified).toBe(false);
});

test('under definitions.reloadTarget "keep" (unverified DMS behaviour) reload-target cannot repair CDC either, and the finalize gate says so', async () => {
  await admin('/behaviour', 'POST', { definitions: { reloadTarget: 'keep' } });
  try {
    const handle = await startRunbook(
      tw.client,
      'fullReload',
      { tables: [table], reason: 'ENUM reorder', schemaDrift: drift(), checkCurrentFiles: false },
      { taskQueue: tw.taskQueue },
    );
    await waitForGate(handle, 'reload', 60000);
    await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'reload' });
    await waitForStatus(handle, (s) => s.steps.some((x) => x.id === 'check-cdc' && x.state === 'current'), 90000);
    await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 41 AND 70`);
    const gate = await waitForGate(handle, 'finalize', 90000);
    expect(gate.pendingGate!.note).toContain('Verification FAILED');
    expect(gate.pendingGate!.note).toContain('CDC written after the reload disagrees with the source');
    await handle.signal(rejectSignal, { gate: 'finalize', approver: 'dba-oncall', reason: 'CDC still wrong' });
    const result = (await handle.result()) as RunbookResult<FullReloadReport>;
    expect(result.outcome).toBe('rolled-back');
    expect(result.report!.mode).toBe('task');
    expect(result.report!.verification![0]!.matches).toBe(true);
    expect(result.report!.cdcAfterReload![0]!.verdict).toBe('mismatch');
  } finally {
    await admin('/behaviour', 'DELETE');
  }
});
