import { WorkflowFailedError } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { rejectSignal } from '../../contracts/handlers';
import { captureHistory } from '../support/histories';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * onboardTable refuses, before any change, what would break the pipeline's rules.
 * Malformed inputs: test/reliability/badInputs.test.ts.
 */

let tw: TestWorker;
const tables: Record<string, string> = {};
const groups: TaskGroupConfig[] = [];

beforeAll(async () => {
  const make = async (key: string, options: Parameters<typeof createScratchTable>[1]) => {
    const name = uniqueName(`rf${key}`);
    tables[key] = await createScratchTable(name, options);
    groups.push(scratchGroup(`g-${name}`, [tables[key]]));
  };
  await make('nopk', { rows: 10, primaryKey: false });
  await make('fk', { rows: 10, referencesCustomers: true });
  await make('busy', { rows: 10 });
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, ...groups] }));
});

afterAll(async () => {
  await tw?.stop();
  for (const table of Object.values(tables)) await dropScratchTable(table);
});

async function failure(input: Record<string, unknown>): Promise<{ message: string; handle: Awaited<ReturnType<typeof startRunbook>> }> {
  const handle = await startRunbook(tw.client, 'onboardTable', input as never, { taskQueue: tw.taskQueue });
  const error = await handle.result().then(
    (r) => new Error(`expected a failure, got ${r.outcome}: ${r.message}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return { message: String((error as WorkflowFailedError).cause?.message), handle };
}

describe('onboardTable refusals', () => {
  beforeEach(() => resetDmsCalls());

  test('a table without a primary key is refused with nothing changed', async () => {
    const { message } = await failure({ table: tables.nopk });
    expect(message).toContain(`table ${tables.nopk} has no primary key`);
    expect(await mutatingCalls()).toEqual({});
  });

  test('a table linked by a foreign key to a table of another task is refused, naming the links and their task', async () => {
    const { message, handle } = await failure({ table: tables.fk });
    await captureHistory(handle, 'onboardTable', 'refused-fk-link');
    expect(message).toContain('linked by foreign keys to tables replicated by another task');
    expect(message).toContain(`shop.customers (references ${tables.fk}) in task shop-core`);
    expect(message).toContain('onboard it into group core');
    expect(await mutatingCalls()).toEqual({});
  });

  test('a table already replicated is refused, naming its task', async () => {
    const { message } = await failure({ table: 'shop.orders' });
    expect(message).toContain('shop.orders is already replicated by task shop-core (group core)');
    expect(await mutatingCalls()).toEqual({});
  });

  test('a second runbook on the same table while the first runs is refused with the id of the first', async () => {
    const first = await startRunbook(tw.client, 'onboardTable', { table: tables.busy! }, { taskQueue: tw.taskQueue });
    await waitForGate(first, 'apply-mapping');
    const { message } = await failure({ table: tables.busy! });
    expect(message).toContain(`table:${tables.busy} is busy: runbook onboardTable (workflow id ${first.workflowId})`);
    await first.signal(rejectSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'test over' });
    expect((await first.result()).outcome).toBe('rejected');
    // The lock is released with the first runbook: a dry run of the same table now goes through.
    const again = await startRunbook(tw.client, 'onboardTable', { table: tables.busy!, dryRun: true }, { taskQueue: tw.taskQueue });
    expect((await again.result()).outcome).toBe('dry-run');
    expect(await mutatingCalls()).toEqual({});
  });

  test('an unknown task group is refused with the known ones', async () => {
    const { message } = await failure({ table: tables.busy, taskGroup: 'nosuchgroup' });
    expect(message).toContain('task group "nosuchgroup" is not in the pipeline configuration (known: core, events, marketing');
  });
});
