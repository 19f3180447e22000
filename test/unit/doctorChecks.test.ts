import { binlogMargin, BinlogMarginFacts, evaluateBinlogMargin, latestDmsTime, stoppedForSeconds } from '../../domain/doctor/binlogMargin';
import { largerClass, smallerClass } from '../../domain/doctor/instanceClassChoice';
import { evaluateInstanceHealth, InstanceHealthFacts, storageToRestore } from '../../domain/doctor/instanceHealth';
import { evaluateSchemaDrift, readDriftChanges } from '../../domain/doctor/schemaDrift';
import { evaluateTaskHealth, TaskHealthFacts } from '../../domain/doctor/taskHealth';
import type { TaskSnapshot } from '../../domain/dmsStates';

/** The doctor's pure evaluations: facts in, findings with evidence and commands out. */

const at = '2026-06-01T12:00:00.000Z';
const GIB = 1024 ** 3;
const thresholds = { freeStoragePercentMin: 15, cpuPercentMax: 85, freeableMemoryMbMin: 512, cdcCpuPercentLow: 20 };

const task = (patch: Partial<TaskSnapshot>): TaskSnapshot => ({
  arn: 'arn:aws:dms:us-east-1:123456789012:task:ABC',
  identifier: 'shop-core',
  status: 'running',
  migrationType: 'full-load-and-cdc',
  fullLoadProgressPercent: 100,
  tablesLoading: 0,
  tablesQueued: 0,
  ...patch,
});

function instanceFacts(
  patch: Partial<InstanceHealthFacts> = {},
  metrics: Partial<InstanceHealthFacts['metrics']> = {},
): InstanceHealthFacts {
  return {
    identifier: 'shop-repl-1',
    instance: {
      arn: 'arn:ri',
      identifier: 'shop-repl-1',
      status: 'available',
      instanceClass: 'dms.r5.4xlarge',
      allocatedStorageGb: 100,
      pending: {},
    },
    allowedClasses: ['dms.r5.large', 'dms.r5.xlarge', 'dms.r5.4xlarge'],
    hourlyPrices: { 'dms.r5.4xlarge': 1.68, 'dms.r5.xlarge': 0.42 },
    tasks: [{ identifier: 'shop-core', status: 'running', inCdc: true }],
    metrics: {
      windowMinutes: 15,
      points: 30,
      freeStorageBytesLatest: 80 * GIB,
      cpuPercentMax: 9,
      freeableMemoryBytesMin: 100 * GIB,
      ...metrics,
    },
    ...patch,
  };
}

describe('instance health', () => {
  test('an instance larger than CDC needs points at resizeInstance down, with the monthly saving', () => {
    const result = evaluateInstanceHealth([instanceFacts()], thresholds, at);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ severity: 'info', evidence: { smallerClass: 'dms.r5.xlarge', monthlySavingUsd: 920 } });
    expect(result.findings[0]!.remedy!.command).toBe(
      `npx dms-runbooks start resizeInstance --workflow-id resizeInstance-shop-repl-1-doctor-20260601T120000 --input '{"instance":"shop-repl-1","targetClass":"dms.r5.xlarge"}'`,
    );
  });

  test('not while a full load runs, nor when CPU is busy', () => {
    const loading = instanceFacts({ tasks: [{ identifier: 'shop-core', status: 'running', inCdc: false }] });
    expect(evaluateInstanceHealth([loading], thresholds, at).findings).toEqual([]);
    expect(evaluateInstanceHealth([instanceFacts({}, { cpuPercentMax: 40 })], thresholds, at).findings).toEqual([]);
  });

  test('low free storage: grow it to twice the minimum share; CPU and memory: the next class up', () => {
    const result = evaluateInstanceHealth(
      [instanceFacts({}, { freeStorageBytesLatest: 10 * GIB, cpuPercentMax: 97, freeableMemoryBytesMin: 300 * 1024 ** 2 })],
      thresholds,
      at,
    );
    expect(result.findings.map((f) => [f.severity, f.title.split(' ').slice(0, 3).join(' ')])).toEqual([
      ['warning', 'replication instance shop-repl-1'],
      ['warning', 'CPU of shop-repl-1'],
      ['warning', 'freeable memory of'],
    ]);
    // 90 GB used must be at most 70% of the disk: 130 GB.
    expect(storageToRestore(100, 10 * GIB, 15)).toBe(130);
    expect(result.findings[0]!.remedy!.command).toContain('"allocatedStorageGb":130');
    expect(result.findings[1]!.remedy!.summary).toContain('no larger class is allowed');
  });

  test('class choice stays in the family when it can', () => {
    expect(largerClass(['dms.c5.xlarge', 'dms.r5.xlarge', 'dms.r5.2xlarge'], 'dms.r5.large')).toBe('dms.r5.xlarge');
    expect(smallerClass(['dms.t3.medium', 'dms.r5.large', 'dms.r5.4xlarge'], 'dms.r5.4xlarge')).toBe('dms.r5.large');
    expect(smallerClass(['dms.r5.large'], 'dms.r5.large')).toBeUndefined();
  });
});

describe('task health', () => {
  const facts = (t: TaskSnapshot | null, patch: Partial<TaskHealthFacts> = {}): TaskHealthFacts => ({
    group: 'core',
    taskIdentifier: 'shop-core',
    firstTable: 'shop.customers',
    task: t,
    tables: ['shop.customers', 'shop.orders'],
    erroredTables: [],
    instance: { identifier: 'shop-repl-1', instanceClass: 'dms.r5.large', allocatedStorageGb: 100, allowedClasses: ['dms.r5.large'] },
    ...patch,
  });

  test('stopped for low disk: grow storage, then resume', () => {
    const result = evaluateTaskHealth(
      [facts(task({ status: 'stopped', stopReason: 'Stop Reason STOPPED_DUE_TO_LOW_DISK' }))],
      { cdcLatencySecondsMax: 300 },
      at,
    );
    expect(result.findings[0]).toMatchObject({ severity: 'critical', remedy: { runbook: 'resizeInstance' } });
    expect(result.findings[0]!.remedy!.command).toContain('"targetClass":"dms.r5.large","allocatedStorageGb":200');
    expect(result.findings[0]!.remedy!.steps![0]).toContain('--start-replication-task-type resume-processing');
  });

  test('a full-load-and-cdc task stopped after its full load names the setting to clear before the resume', () => {
    const result = evaluateTaskHealth(
      [facts(task({ status: 'stopped', migrationType: 'full-load-and-cdc', stopReason: 'Stop Reason STOPPED_AFTER_FULL_LOAD' }))],
      { cdcLatencySecondsMax: 300 },
      at,
    );
    expect(result.findings[0]!.title).toContain('StopTaskCachedChangesNotApplied is true');
    expect(result.findings[0]!.remedy!.command).toContain('resume-processing');
  });

  test('a ready task that never ran is started with start-replication; one that ran (modified since) is resumed', () => {
    const result = evaluateTaskHealth(
      [facts(task({ status: 'ready', startDate: undefined, stopDate: undefined })), facts(task({ status: 'ready', stopDate: at }))],
      { cdcLatencySecondsMax: 300 },
      at,
    );
    expect(result.findings.map((f) => f.remedy!.command.split(' ').pop())).toEqual(['start-replication', 'resume-processing']);
  });

  test('a CDC task stopped normally is a warning with the resume command; a missing task suggests onboarding', () => {
    const result = evaluateTaskHealth(
      [
        facts(task({ status: 'stopped', stopReason: 'Stop Reason NORMAL' })),
        facts(null, { group: 'marketing', taskIdentifier: 'shop-marketing' }),
      ],
      { cdcLatencySecondsMax: 300 },
      at,
    );
    expect(result.findings.map((f) => f.severity)).toEqual(['warning', 'info']);
    expect(result.findings[0]!.remedy!.command).toBe(
      'aws dms start-replication-task --replication-task-arn arn:aws:dms:us-east-1:123456789012:task:ABC --start-replication-task-type resume-processing',
    );
    expect(result.findings[1]!.remedy).toMatchObject({ runbook: 'onboardTable' });
    expect(result.summary).toBe('2 task(s): 1 stopped, 1 missing');
  });

  test('latency is judged only past the full load; no datapoints is said, not hidden', () => {
    const loading = task({ fullLoadProgressPercent: 40, tablesLoading: 1 });
    const quiet = { sourceMax: undefined, targetMax: undefined, points: 0, windowMinutes: 15 };
    expect(evaluateTaskHealth([facts(loading, { latency: quiet })], { cdcLatencySecondsMax: 300 }, at).findings).toEqual([]);
    const silent = evaluateTaskHealth([facts(task({}), { latency: quiet })], { cdcLatencySecondsMax: 300 }, at);
    expect(silent.findings[0]).toMatchObject({ severity: 'info' });
    const slow = evaluateTaskHealth(
      [facts(task({}), { latency: { sourceMax: 4000, targetMax: 10, points: 4, windowMinutes: 15 } })],
      { cdcLatencySecondsMax: 300 },
      at,
    );
    expect(slow.findings[0]).toMatchObject({ severity: 'critical' });
    expect(slow.findings[0]!.title).toContain('source (reading the binlog)');
  });
});

describe('binlog margin', () => {
  const facts = (patch: Partial<BinlogMarginFacts>): BinlogMarginFacts => ({
    source: 'shop',
    retention: { hours: 168, via: 'binlog_expire_logs_seconds' },
    onRds: false,
    minimumHours: 168,
    lookbackHours: 168,
    tasks: [],
    ...patch,
  });

  test('margin = retention − current lag − longest lag', () => {
    const m = binlogMargin(
      facts({
        tasks: [
          { identifier: 'a', status: 'running', tables: [], latencyMaxSeconds: 36 * 3600, latencyLatestSeconds: 3600 },
          { identifier: 'b', status: 'stopped', tables: [], stoppedForSecondsAtLeast: 10 * 3600 },
        ],
      }),
    );
    expect(m).toEqual({ retentionHours: 168, longestLagHours: 36, longestLagTask: 'a', currentLagHours: 10, marginHours: 122 });
  });

  test('a current lag beyond the retention is critical: events may already be lost', () => {
    const result = evaluateBinlogMargin(
      [
        facts({
          retention: { hours: 24, via: 'binlog_expire_logs_seconds' },
          tasks: [{ identifier: 'b', status: 'stopped', tables: ['shop.orders'], stoppedForSecondsAtLeast: 30 * 3600 }],
        }),
      ],
      at,
    );
    expect(result.findings.map((f) => f.severity)).toEqual(['critical', 'critical']);
    expect(result.findings[1]!.remedy!.command).toContain('"tables":["shop.orders"]');
  });

  test('on RDS the fix is the stored procedure; unlimited retention is only noted', () => {
    const rds = evaluateBinlogMargin([facts({ onRds: true, retention: { hours: 24, via: 'rds' } })], at);
    expect(rds.findings[0]!.remedy!.command).toBe("CALL mysql.rds_set_configuration('binlog retention hours', 168);");
    const unlimited = evaluateBinlogMargin([facts({ retention: { hours: undefined, via: 'binlog_expire_logs_seconds = 0' } })], at);
    expect(unlimited.findings.map((f) => f.severity)).toEqual(['info']);
  });

  test('how long a task has been stopped comes from DMS timestamps only', () => {
    const stopped = task({
      identifier: 'b',
      status: 'stopped',
      stopDate: '2026-06-03T10:00:00.000Z',
      startDate: '2026-06-01T00:00:00.000Z',
    });
    const other = task({ identifier: 'a', startDate: '2026-06-02T00:00:00.000Z' });
    const now = latestDmsTime(
      [stopped, other],
      [
        {
          schema: 'shop',
          table: 'orders',
          state: 'Table completed',
          fullLoadRows: 1,
          inserts: 0,
          updates: 0,
          deletes: 0,
          ddls: 0,
          lastUpdateTime: '2026-06-03T13:30:00.000Z',
        },
      ],
    );
    expect(stoppedForSeconds(stopped, now)).toBe(3.5 * 3600);
    expect(stoppedForSeconds(other, now)).toBeUndefined();
    expect(stoppedForSeconds(stopped, latestDmsTime([stopped], []))).toBe(0);
  });
});

describe('schema drift result (opaque JSON, best effort)', () => {
  test('lists named unsafe, or changes marked unsafe, at the top or under report', () => {
    expect(readDriftChanges({ unsafe: [{ table: 'shop.orders', column: 'state', kind: 'enum-reorder' }] }).changes).toEqual([
      { table: 'shop.orders', column: 'state', change: 'enum-reorder', unsafe: true },
    ]);
    const nested = readDriftChanges({
      report: {
        changes: [
          { table: { schema: 'shop', table: 'orders' }, column: 'state', safe: false, description: 'ENUM value removed' },
          { schema: 'shop', table: 'reviews', column: 'stars', classification: 'safe-append' },
        ],
      },
    });
    expect(nested.changes.map((c) => [c.table, c.unsafe])).toEqual([
      ['shop.orders', true],
      ['shop.reviews', false],
    ]);
    expect(readDriftChanges({ message: 'ok' }).recognised).toBe(false);
    expect(readDriftChanges(null).recognised).toBe(false);
  });

  test('not running is an info finding with the schedule command; an unreadable result is said', () => {
    const none = evaluateSchemaDrift(null, () => true, at);
    expect(none.findings[0]!.remedy!.command).toBe(
      'temporal schedule create --schedule-id schema-drift-watch --interval 15m --run-timeout 15m --type schemaDriftWatch --task-queue dms-runbooks --workflow-id schemaDriftWatch --overlap-policy Skip --catchup-window 1h --input \'{"requestedBy":"schedule"}\'',
    );
    expect(evaluateSchemaDrift(null, () => true, at, 'schemaDriftWatch-hourly').findings[0]!.title).toContain(
      'schemaDriftWatch is running (schemaDriftWatch-hourly) but no run has completed yet',
    );
    const odd = evaluateSchemaDrift({ workflowId: 'w', runId: 'r', result: 'fine' }, () => true, at);
    expect(odd.findings[0]!.title).toContain('without a changes/unsafe list');
  });
});
