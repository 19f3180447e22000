import { WorkflowFailedError } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import { TABLES_MAX_BYTES, TARGET_MAX_BYTES } from '../../domain/searchAttributeValues';
import { statusQuery } from '../../contracts/handlers';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * A fullReload of 100 tables with long names publishes bounded search attributes: the server's 2 KB per value
 * (frontend.searchAttributesSizeOfValueLimit) would otherwise fail every workflow task of the run.
 */

let tw: TestWorker;
beforeAll(async () => {
  tw = await startTestWorker();
});
afterAll(async () => {
  await tw?.stop();
});

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

test('a fullReload of 100 tables with long names runs to its own answer, its search attributes within limits', async () => {
  const tables = Array.from(
    { length: 100 },
    (_, k) => `shop.sa_${process.pid}_${'long_table_name_'.repeat(3)}${String(k).padStart(3, '0')}`,
  );
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables, reason: 'search attribute limits', dryRun: true },
    { taskQueue: tw.taskQueue },
  );
  // The tables are in no task: the runbook refuses them at its first step, after publishing its attributes.
  const error = await handle.result().then(
    (r) => new Error(`expected a refusal, got ${r.outcome}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(String((error as WorkflowFailedError).cause?.message)).toContain('fullReload');
  const described = await handle.describe();
  expect(described.status.name).toBe('FAILED');

  const target = described.typedSearchAttributes.get({ name: 'RunbookTarget', type: 'KEYWORD' }) as string;
  expect(bytes(target)).toBeLessThanOrEqual(TARGET_MAX_BYTES);
  expect(target).toMatch(/^100 tables: /);
  const listed = described.typedSearchAttributes.get({ name: 'RunbookTables', type: 'KEYWORD_LIST' }) as string[];
  expect(listed.length).toBeGreaterThan(0);
  expect(bytes(JSON.stringify(listed))).toBeLessThanOrEqual(TABLES_MAX_BYTES);
  expect(listed).toEqual(tables.slice(0, listed.length));
  // The status query keeps the whole list.
  expect((await handle.query(statusQuery)).target).toBe(tables.join(','));

  // RunbookTables finds the run by any table it lists.
  const query = `RunbookTables = "${tables[0]}" AND RunbookKind = "fullReload"`;
  const deadline = Date.now() + 30_000;
  let found: string[] = [];
  while (Date.now() < deadline && !found.includes(handle.workflowId)) {
    found = [];
    for await (const execution of tw.client.workflow.list({ query })) found.push(execution.workflowId);
    if (!found.includes(handle.workflowId)) await new Promise((r) => setTimeout(r, 500));
  }
  expect(found).toContain(handle.workflowId);
});
