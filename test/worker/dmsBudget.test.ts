import { Client, Connection } from '@temporalio/client';
import { burstBundle, dmsBurst } from '../support/dmsBudgetBurst';
import { testConfig } from '../support/testConfig';

/**
 * `dms.callBudget`: three workers together stay under one DMS budget, because the DMS activities run on a task
 * queue whose dispatch rate the Temporal server enforces (maxTaskQueueActivitiesPerSecond). Without it each worker
 * only keeps its own limit, and the same burst lands several times faster. Rates are measured where the calls
 * land, at the DMS emulator (`GET /_admin/calls/rate`). The figures at scale are `npm run bench -- budget`.
 */

const BUDGET = 2;
const shape = { workers: 3, runs: 3, callsPerRun: 12 };
let bundlePath: string;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  bundlePath = await burstBundle();
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  await connection.close();
});

test('three workers under one budget stay under it; without it the same burst runs several times faster', async () => {
  const budgeted = testConfig();
  budgeted.dms.callBudget = { activitiesPerSecond: BUDGET };
  const withBudget = await dmsBurst({ client, bundlePath, config: budgeted, label: 'on', ...shape });
  const withoutBudget = await dmsBurst({ client, bundlePath, config: testConfig(), label: 'off', ...shape });

  const calls = shape.runs * shape.callsPerRun;
  expect(withBudget.calls).toBe(calls);
  expect(withoutBudget.calls).toBe(calls);
  // The mean over the burst is the budget (a little above it at most: the span starts at the first call).
  expect(withBudget.meanPerSecond).toBeLessThanOrEqual(BUDGET * 1.25);
  // Each worker alone allows waits.dmsRequestsPerSecond (4 here): three of them go well past the budget.
  expect(withoutBudget.meanPerSecond).toBeGreaterThan(BUDGET * 2);
});
