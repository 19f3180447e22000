import { lobColumns } from '../../domain/taskSettings';
import { toTableName } from '../../domain/tableName';
import { activityHarness } from '../support/activityHarness';
import { createLobScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';

/**
 * The plan's LOB measurement against the sandbox MariaDB: the longest value of each LOB column in bytes, and a scan
 * cut off by its server-side time bound reported as such (the plan then refuses), never as a guess.
 */

let h: Awaited<ReturnType<typeof activityHarness>>;
let table: string;

beforeAll(async () => {
  h = await activityHarness();
  table = await createLobScratchTable(uniqueName('lobm'), [40_000, 100]);
});

afterAll(async () => {
  await h?.close();
  await dropScratchTable(table);
});

test('measures the longest value of each LOB column in bytes', async () => {
  const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: toTableName(table) });
  const columns = lobColumns(facts.columns);
  expect(columns.map((c) => c.name)).toEqual(['doc', 'body']);
  const measured = await h.run(h.activities.measureLobColumns, { source: 'shop', table: toTableName(table), columns, timeoutSeconds: 60 });
  expect(measured.timedOut).toBe(false);
  expect(measured.columns).toEqual([
    { name: 'doc', dataType: 'longtext', maxBytes: expect.any(Number) },
    { name: 'body', dataType: 'longtext', maxBytes: 40_000 },
  ]);
  expect(measured.columns[0]!.maxBytes).toBeGreaterThan(39_990);
});

test('a scan past its time bound is reported as timed out, with no lengths', async () => {
  // 120,000 rows of shop.page_views take longer than a millisecond to scan.
  const measured = await h.run(h.activities.measureLobColumns, {
    source: 'shop',
    table: toTableName('shop.page_views'),
    columns: [{ name: 'device', dataType: 'text', kind: 'clob' }],
    timeoutSeconds: 0.001,
  });
  expect(measured).toMatchObject({ timedOut: true, columns: [{ name: 'device', maxBytes: null }] });
});
