import { WorkflowFailedError } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { createLobScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * backfillPartitions' temporary tasks get explicit task settings too: a table whose LOB values exceed LobMaxSize is
 * refused before any change (no temporary endpoint or task), as onboardTable refuses it.
 */

let tw: TestWorker;
let table: string;

beforeAll(async () => {
  table = await createLobScratchTable(uniqueName('lobbf'), [40_000, 100, 100]);
  tw = await startTestWorker(testConfig());
});

afterAll(async () => {
  await tw?.stop();
  await dropScratchTable(table);
});

test('a LOB value longer than LobMaxSize refuses the backfill before any change', async () => {
  await resetDmsCalls();
  const handle = await startRunbook(
    tw.client,
    'backfillPartitions',
    { table, dateColumn: 'created_on', from: '20260601', to: '20260603' },
    { taskQueue: tw.taskQueue },
  );
  const error = await handle.result().then(
    (r) => new Error(`expected a refusal, got ${r.outcome}: ${r.message}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const message = String((error as WorkflowFailedError).cause?.message);
  expect(message).toContain(`${table} has LOB values longer than the LobMaxSize of the temporary backfill tasks, 32 KB`);
  expect(message).toContain('body (longtext) 40000 bytes');
  expect(message).toContain('then run backfillPartitions again');
  expect(await mutatingCalls()).toEqual({});
});
