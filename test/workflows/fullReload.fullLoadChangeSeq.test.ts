import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import type { RunbookResult } from '../../workflows/engine/runbook';
import type { FullReloadReport } from '../../workflows/fullReload';
import { setDmsBehaviour } from '../support/dmsAdmin';
import { removeTask, replicateGroup, waitForCdcFile } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, scratchEnumReorder, uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(240000);

/**
 * The ENUM repair under `fullLoadChangeSeq: "empty"` (unverified DMS behaviour: full-load rows without a change
 * sequence): fullReload with reload-target verifies and its CDC check passes when the reloaded LOAD rows carry no
 * sequence. fullReload quarantines the table's files (the CDC with wrong labels included) before reloading, so the
 * fold order of LOAD rows against older CDC is not what this test exercises; `test/activities/parquetTypes.test.ts`
 * ("folding is right with full-load sequences …") does, under both settings.
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
  await setDmsBehaviour({ fullLoadChangeSeq: 'empty' });
  const name = uniqueName('frseq');
  table = await createScratchTable(name, { rows: 120 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group], waits: { cdcCheckMinutes: 1 } }));
  await sql(`ALTER TABLE ${table} MODIFY state ENUM('closed','active','new') NOT NULL`);
});

afterAll(async () => {
  await setDmsBehaviour({ fullLoadChangeSeq: 'filled' });
  await tw?.stop();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

test('reload-target after an ENUM reorder verifies with LOAD rows that carry no change sequence', async () => {
  // CDC after the ALTER writes wrong labels ('new' is index 3 now; the task decodes index 3 as 'closed').
  await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 1 AND 15`);
  await waitForCdcFile(table, 'a CDC file with the wrong labels');

  const handle = await startRunbook(
    tw.client,
    'fullReload',
    {
      tables: [table],
      reason: 'ENUM reorder',
      checkCurrentFiles: false,
      schemaDrift: scratchEnumReorder(table),
    },
    { taskQueue: tw.taskQueue },
  );
  await waitForGate(handle, 'reload', 60000);
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'reload' });
  await waitForStatus(handle, (s) => s.steps.some((x) => x.id === 'check-cdc' && x.state === 'current'), 90000);
  await sql(`UPDATE ${table} SET state = 'new' WHERE id BETWEEN 16 AND 40`);

  const gate = await waitForGate(handle, 'finalize', 120000);
  expect(gate.pendingGate!.note).not.toContain('Verification FAILED');
  await handle.signal(rejectSignal, { gate: 'finalize', approver: 'dba-oncall', reason: 'test ends here' });
  const result = (await handle.result()) as RunbookResult<FullReloadReport>;
  const report = result.report!;
  expect(report.mode).toBe('task');
  // The files (reloaded LOAD rows plus the CDC before and after the reload, folded) agree with the source.
  expect(report.verification![0]!.matches).toBe(true);
  expect(report.cdcAfterReload![0]).toMatchObject({ verdict: 'matches' });
});
