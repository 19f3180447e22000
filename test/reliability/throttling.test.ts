import {
  DeleteReplicationTaskCommand,
  DescribeOrderableReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { decide, startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import type { RunbookResult } from '../../workflows/engine/runbook';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import { clearDmsFaults, dmsCalls, resetDmsCalls, setDmsFaults } from '../support/dmsAdmin';
import { dmsClient, eventually } from '../support/dmsEmulatorClient';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

// Deadlines, not timings: 50 runbooks paced at the real DMS rate take about 6.5 min alone on 2 cores, longer when
// the machine is busy (the figures are in the log line below and in docs/performance.md).
jest.setTimeout(1_200_000);

/**
 * DMS throttling at AWS's rate (a bucket of 100 requests refilled at 4 per second) while 50 runbooks wait together:
 * 50 onboardTable runbooks, each creating the task of its own scratch group on shop-repl-1 and waiting for a full
 * load lengthened so the loads overlap. One worker at its default DMS budget (2 requests per second) keeps the
 * account under the limit: every runbook completes and no 60-second window holds more than 240 of their calls. While
 * they start, another client of the same account empties the bucket, so some of their calls are answered
 * ThrottlingException: those are retried, and the runbooks complete all the same. The 50 tasks are stopped and
 * deleted afterwards.
 */

const RUNBOOKS = 50;
const LIMIT_PER_MINUTE = 240;
const SAMPLE_MS = 2000;
/** Emulated seconds added to each full load: 50 s of real time at the sandbox's speed, so the runbooks wait together. */
const LOAD_SECONDS = 3000;
/** The other client's operation: no runbook calls it, so its calls are told apart in the counters. */
const NEIGHBOUR_OPERATION = 'DescribeOrderableReplicationInstances';
const NEIGHBOUR_MS = 15000;

let tw: TestWorker;
const groups: TaskGroupConfig[] = [];
const dms = dmsClient();

beforeAll(async () => {
  const prefix = uniqueName('thr');
  for (let k = 0; k < RUNBOOKS; k += 10) {
    const batch = Array.from({ length: Math.min(10, RUNBOOKS - k) }, (_, i) => `${prefix}x${k + i}`);
    const tables = await Promise.all(batch.map((name) => createScratchTable(name, { rows: 50 })));
    groups.push(...tables.map((table) => scratchGroup(`g-${table.split('.')[1]}`, [table])));
  }
  // The default budget of 2 DMS requests per second; polls every 2 s, shared by every waiting runbook.
  tw = await startTestWorker(
    testConfig({
      taskGroups: [...testConfig().taskGroups, ...groups],
      waits: { pollSeconds: 2, dmsRequestsPerSecond: 2 },
    }),
  );
});

afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  await removeTasks(groups.map((g) => g.taskIdentifier));
  for (const group of groups) await dropScratchTable(group.tables[0]!);
  dms.destroy();
});

/** Stops and deletes the tasks: 50 CDC tasks left running would keep reading the binlog and load the machine. */
async function removeTasks(identifiers: string[]): Promise<void> {
  const found = await dms
    .send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: identifiers }], WithoutSettings: true }))
    .then((r) => r.ReplicationTasks ?? [])
    .catch(() => []);
  const arns = found.map((t) => t.ReplicationTaskArn!);
  const statuses = async () =>
    dms
      .send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: arns }], WithoutSettings: true }))
      .then((r) => r.ReplicationTasks ?? [])
      .catch(() => []);
  if (arns.length === 0) return;
  await eventually(
    statuses,
    (tasks) => tasks.every((t) => !['creating', 'starting', 'modifying'].includes(t.Status ?? '')),
    120000,
    'tasks settled',
  );
  for (const task of await statuses())
    if (task.Status === 'running') await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: task.ReplicationTaskArn }));
  // Not "no longer stopping": right after the stops, Describe may still show them running (describeLag).
  await eventually(statuses, (tasks) => tasks.every((t) => !['running', 'stopping'].includes(t.Status ?? '')), 120000, 'tasks stopped');
  for (const task of await statuses())
    if (task.Status !== 'deleting') await dms.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: task.ReplicationTaskArn }));
  await eventually(statuses, (tasks) => tasks.length === 0, 120000, 'tasks deleted');
}

interface Sample {
  at: number;
  /** The runbooks' calls so far (the other client's apart), and how many were answered ThrottlingException. */
  all: number;
  throttled: number;
  neighbour: number;
  neighbourThrottled: number;
}

async function sample(): Promise<Sample> {
  const { operations, totals } = await dmsCalls();
  const neighbour = operations[NEIGHBOUR_OPERATION] ?? { count: 0, throttled: 0 };
  return {
    at: Date.now(),
    all: totals.all - neighbour.count,
    throttled: totals.throttled - (neighbour.throttled ?? 0),
    neighbour: neighbour.count,
    neighbourThrottled: neighbour.throttled ?? 0,
  };
}

/** The emulator's call counters, sampled every few seconds. */
function sampleCalls() {
  const samples: Sample[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      samples.push(await sample());
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await done;
      samples.push(await sample());
    },
  };
}

/** Another client of the same account: empties the bucket, then keeps calling faster than it refills, for a while. */
async function noisyNeighbour(ms: number): Promise<void> {
  const client = dmsClient();
  const call = () => client.send(new DescribeOrderableReplicationInstancesCommand({})).catch(() => undefined);
  try {
    const until = Date.now() + ms;
    await Promise.all(Array.from({ length: 100 }, call));
    while (Date.now() < until) {
      await call();
      await new Promise((r) => setTimeout(r, 150));
    }
  } finally {
    client.destroy();
  }
}

/**
 * The most calls in any window of the samples at most 60 s + two sample periods long: every real 60-s window lies
 * inside one of them, so this bounds the calls of any 60-s window from above.
 */
function busiestMinute(samples: Array<{ at: number; all: number }>): number {
  let most = 0;
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length && samples[j]!.at - samples[i]!.at <= 60000 + 2 * SAMPLE_MS; j++)
      most = Math.max(most, samples[j]!.all - samples[i]!.all);
  }
  return most;
}

test('50 runbooks waiting together under DMS throttling at the real rate: all complete, the calls stay under the limit', async () => {
  await setDmsFaults({
    throttling: { enabled: true, capacity: 100, refillPerSecond: 4 },
    extraFullLoadSeconds: Object.fromEntries(groups.map((g) => [g.taskIdentifier, LOAD_SECONDS])),
  });
  await resetDmsCalls();
  const sampler = sampleCalls();
  const started = Date.now();
  const neighbour = noisyNeighbour(NEIGHBOUR_MS);
  const handles = await Promise.all(
    groups.map((g) => startRunbook(tw.client, 'onboardTable', { table: g.tables[0]! }, { taskQueue: tw.taskQueue })),
  );
  // Every plan shown first, then every approval at once (updates): the 50 applies and loads run together.
  await Promise.all(handles.map((handle) => waitForGate(handle, 'apply-mapping', 600_000)));
  const gatesOpen = Date.now();
  await Promise.all(
    handles.map((handle) =>
      decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'throttling drill', decision: 'approve' }),
    ),
  );
  const results = (await Promise.all(handles.map((h) => h.result()))) as Array<RunbookResult<OnboardTableReport>>;
  await neighbour;
  await sampler.stop();
  await clearDmsFaults();

  const { samples } = sampler;
  const total = samples.at(-1)!;
  const busiest = busiestMinute(samples);
  const loads = results.map((r) => r.steps.find((s) => s.id === 'load')!);
  const spans = loads.map((s) => [Date.parse(s.startedAt!), Date.parse(s.finishedAt!)] as const);
  const together = Math.max(...spans.map(([at]) => spans.filter(([from, to]) => from <= at && at < to).length));
  console.log(
    `throttling: ${RUNBOOKS} runbooks in ${Math.round((Date.now() - started) / 1000)} s (all plans shown after ` +
      `${Math.round((gatesOpen - started) / 1000)} s), up to ${together} waiting on their loads at once; ${total.all} DMS calls ` +
      `of theirs, ${total.throttled} answered ThrottlingException; busiest minute ${busiest} calls (limit ${LIMIT_PER_MINUTE}); ` +
      `the other client: ${total.neighbour} calls, ${total.neighbourThrottled} throttled`,
  );

  expect(results.map((r) => r.outcome)).toEqual(Array(RUNBOOKS).fill('succeeded'));
  expect(results.every((r) => r.report!.verification.matches && r.report!.verification.sourceRows === 50)).toBe(true);
  expect(results.map((r) => r.audit.calls.map((c) => `${c.operation}:${c.outcome}`))).toEqual(
    Array(RUNBOOKS).fill(['CreateReplicationTask:done', 'StartReplicationTask:done']),
  );
  // They waited together: at one moment (nearly) every runbook was waiting on its full load.
  expect(together).toBeGreaterThanOrEqual(RUNBOOKS * 0.9);
  expect(busiest).toBeLessThanOrEqual(LIMIT_PER_MINUTE);
  // The other client emptied the bucket: some of the runbooks' calls were throttled, retried, and they still completed.
  expect(total.neighbourThrottled).toBeGreaterThan(0);
  expect(total.throttled).toBeGreaterThan(0);
});
