import { burstBundle, dmsBurst } from '../test/support/dmsBudgetBurst';
import { testConfig } from '../test/support/testConfig';
import { benchEnv, temporalClient, writeResult } from './benchSupport';

/**
 * Three workers under one DMS budget (`dms.callBudget`): calls per second at the DMS emulator, mean and most in any
 * one second, for a burst of DMS reads from several runs; then the same burst without the budget, where each
 * worker keeps only its own `waits.dmsRequestsPerSecond`. The three workers share this process; the budget is the
 * server's, so separate processes see the same dispatch rate.
 */
const BUDGET = Number(process.env.BENCH_DMS_BUDGET ?? 3);
const shape = { workers: 3, runs: Number(process.env.BENCH_RUNS ?? 5), callsPerRun: Number(process.env.BENCH_CALLS_PER_RUN ?? 40) };

async function main(): Promise<void> {
  benchEnv();
  const { client, close } = await temporalClient();
  try {
    const bundlePath = await burstBundle();
    const budgeted = testConfig();
    budgeted.dms.callBudget = { activitiesPerSecond: BUDGET };
    const perWorker = budgeted.waits.dmsRequestsPerSecond;
    const withBudget = await dmsBurst({ client, bundlePath, config: budgeted, label: 'bench-on', ...shape });
    const withoutBudget = await dmsBurst({ client, bundlePath, config: testConfig(), label: 'bench-off', ...shape });
    const round = (n: number) => Math.round(n * 100) / 100;
    const figures = (r: typeof withBudget) => ({
      calls: r.calls,
      seconds: round(((r.lastAt ?? 0) - (r.firstAt ?? 0)) / 1000),
      meanPerSecond: round(r.meanPerSecond),
      maxInOneSecond: r.maxInOneSecond,
    });
    const file = writeResult('dms-budget', {
      budgetPerSecond: BUDGET,
      perWorkerLimit: perWorker,
      ...shape,
      withBudget: figures(withBudget),
      withoutBudget: figures(withoutBudget),
    });
    console.log(`[bench] dms budget: ${file}`);
  } finally {
    await close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
