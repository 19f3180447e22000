import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench [case …]`: every benchmark in turn against the running stack (cases: footers, history, polling,
 * parked, budget, census, reload), each writing bench/results/<name>.json; then one summary table. Timings live here, never in tests.
 */
const cases: Record<string, { file: string; result: string }> = {
  footers: { file: 'footerValidation.ts', result: 'footer-validation.json' },
  history: { file: 'historyGrowth.ts', result: 'history-growth.json' },
  polling: { file: 'sharedPolling.ts', result: 'shared-polling.json' },
  parked: { file: 'parkedRunbooks.ts', result: 'parked-runbooks.json' },
  budget: { file: 'dmsBudget.ts', result: 'dms-budget.json' },
  census: { file: 'censusScale.ts', result: 'census-scale.json' },
  reload: { file: 'reloadScale.ts', result: 'reload-scale.json' },
};
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(cases);
const unknown = chosen.filter((c) => !cases[c]);
if (unknown.length) {
  console.error(`unknown bench case ${unknown.join(', ')}; known: ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}

const results = path.join(__dirname, 'results');
for (const name of chosen) {
  console.log(`\n[bench] ${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, cases[name]!.file)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const read = (file: string) =>
  fs.existsSync(path.join(results, file))
    ? (JSON.parse(fs.readFileSync(path.join(results, file), 'utf8')) as Record<string, any>)
    : undefined;
const rows: Array<[string, string]> = [];
const history = read(cases.history!.result);
if (history) {
  for (const r of history.runbookEvents as Array<{ loadHours: number; events: number }>)
    rows.push([`onboardTable history, ${r.loadHours} h full load`, `${r.events} events`]);
  rows.push([
    `same runbook with a 30 s sleep-and-poll loop, 24 h`,
    `${history.at24h.sameRunbookWithSleepLoop} events (${history.at24h.ratio}x)`,
  ]);
}
const polling = read(cases.polling!.result);
if (polling) {
  rows.push([
    `DMS calls per emulated hour, ${polling.runbooksWaiting} runbooks waiting`,
    `${polling.measuredCallsPerEmulatedHour.all} (baseline ${polling.baselineOneDescribePerRunbookPerPoll}, ${polling.ratio}x fewer)`,
  ]);
}
const parked = read(cases.parked!.result);
if (parked) {
  rows.push([
    `worker RSS, ${parked.runbooks} runbooks parked at a gate`,
    `${parked.workerRssMb.withAllParked} MB (idle ${parked.workerRssMb.idle} MB)`,
  ]);
  rows.push([
    'approval signal → next activity started',
    `p50 ${parked.approvalToNextActivityMs.p50} ms, p95 ${parked.approvalToNextActivityMs.p95} ms`,
  ]);
}
const footers = read(cases.footers!.result);
if (footers) {
  rows.push([
    `footer validation of ${footers.table?.files ?? '?'} Parquet files`,
    `${footers.comparison?.bytesReadRatio}x fewer bytes, ${footers.comparison?.speedup}x faster than downloading`,
  ]);
}
const budget = read(cases.budget!.result);
if (budget) {
  rows.push([
    `DMS calls/s, ${budget.workers} workers, budget ${budget.budgetPerSecond}/s`,
    `mean ${budget.withBudget.meanPerSecond}, max ${budget.withBudget.maxInOneSecond} in 1 s (no budget: mean ${budget.withoutBudget.meanPerSecond}, max ${budget.withoutBudget.maxInOneSecond})`,
  ]);
}
const census = read(cases.census!.result);
if (census) {
  rows.push([
    `doctor validation of ${census.table.files} files: first run / incremental`,
    `${census.firstRun.seconds} s, ${census.firstRun.footersRead} footers / ${census.afterChanges.seconds} s, ${census.afterChanges.footersRead} footers`,
  ]);
}
const reload = read(cases.reload!.result);
if (reload) {
  rows.push([
    `task-mode fullReload of ${reload.tables} tables`,
    `${reload.outcome}; largest execution ${reload.largestExecution.events} events, largest payload ${Math.round(reload.largestPayload.bytes / 1024)} KB, ${reload.wallSeconds} s`,
  ]);
}
const width = Math.max(...rows.map((r) => r[0].length));
console.log('\n[bench] summary');
for (const [what, figure] of rows) console.log(`  ${what.padEnd(width)}  ${figure}`);
