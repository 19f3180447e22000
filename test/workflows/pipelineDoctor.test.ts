import type { Connection } from 'mysql2/promise';
import { runbookStatus, startRunbook } from '../../client/runbooks';
import type { DoctorReport } from '../../domain/doctor/doctorReport';
import type { PipelineDoctorInput } from '../../domain/inputs/pipelineDoctor';
import { putDmsMetric, taskDimensions, waitForDatapoint } from '../support/cloudwatchMetrics';
import { DescribeTableStatisticsCommand, StartReplicationTaskCommand } from '@aws-sdk/client-database-migration-service';
import { setDmsBehaviour, setDmsFaults } from '../support/dmsAdmin';
import { describeTask, dmsClient, eventually } from '../support/dmsEmulatorClient';
import { captureHistory } from '../support/histories';
import { createTestInstance, deleteReplicatedGroups, ReplicatedGroup, replicatedGroup, stopTask } from '../support/replicatedGroups';
import { sourceAdmin } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { startWebhookReceiver } from '../support/webhookReceiver';

/**
 * pipelineDoctor against the stack: a healthy pipeline gives a clean report; each DMS- and source-side finding
 * comes from setting up its cause (a failed task, a table in error, CloudWatch latency, short binlog retention).
 * Every test scopes the doctor to task groups of its own, so other suites' state cannot pollute it.
 */

let tw: TestWorker;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let admin: Connection;
const g: Record<'healthy' | 'failed' | 'tableError' | 'latency' | 'lag' | 'lob' | 'resumed', ReplicatedGroup> = {} as never;
let healthyInstance: string;
let faultInstance: string;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  admin = await sourceAdmin();
  // The healthy group has an instance to itself, sized as small as its allowed classes go: nothing to report.
  const quiet = await createTestInstance('dochealthy', 'dms.t3.medium', ['dms.t3.medium']);
  const busy = await createTestInstance('docfaults', 'dms.r5.large', ['dms.r5.large', 'dms.r5.xlarge']);
  healthyInstance = quiet.config.identifier;
  faultInstance = busy.config.identifier;
  g.healthy = await replicatedGroup('dochealthy', quiet);
  g.failed = await replicatedGroup('docfailed', busy, {
    expectFailure: true,
    beforeStart: (task) =>
      setDmsFaults({ taskFailures: { [task]: { atPercent: 50, message: 'Lost connection to MySQL server during query' } } }),
  });
  g.tableError = await replicatedGroup('doctable', busy, {
    beforeStart: (task, table) =>
      setDmsFaults({
        tableErrors: { [task]: { schema: 'shop', table: table.split('.')[1], message: 'Out of memory while converting rows' } },
      }),
  });
  // One LONGTEXT value of 40000 bytes, loaded by a task at DMS's default LobMaxSize of 32 KB: DMS cuts it silently.
  g.lob = await replicatedGroup('doclob', busy, {
    rows: 20,
    beforeStart: async (_task, table) => {
      await admin.query(`ALTER TABLE ${table} ADD COLUMN body LONGTEXT`);
      await admin.query(`UPDATE ${table} SET body = REPEAT('x', 40000) WHERE id = (SELECT MIN(id) FROM (SELECT id FROM ${table}) AS t)`);
    },
  });
  g.resumed = await replicatedGroup('docresumed', busy, { rows: 20 });
  g.latency = await replicatedGroup('doclatency', busy);
  g.lag = await replicatedGroup('doclag', busy);
  const base = testConfig();
  tw = await startTestWorker(
    testConfig({
      taskGroups: [...base.taskGroups, ...Object.values(g).map((r) => r.group)],
      dms: { replicationInstances: [...base.dms.replicationInstances, quiet.config, busy.config] },
      notifications: { webhookUrl: webhook.url },
    }),
  );
});

afterAll(async () => {
  await setDmsFaults({
    taskFailures: { [g.failed?.group.taskIdentifier ?? 'none']: null },
    tableErrors: { [g.tableError?.group.taskIdentifier ?? 'none']: null },
  }).catch(() => undefined);
  await tw?.stop();
  await webhook?.close();
  await admin?.end();
  await deleteReplicatedGroups();
});

async function doctor(input: PipelineDoctorInput, capture?: string) {
  const handle = await startRunbook(tw.client, 'pipelineDoctor', input, { taskQueue: tw.taskQueue });
  const result = await handle.result();
  if (capture) await captureHistory(handle, 'pipelineDoctor', capture);
  return { handle, result, report: result.report as DoctorReport };
}

describe('pipelineDoctor', () => {
  test('a healthy pipeline gives a clean report: Markdown in the status and the notification, JSON in the result', async () => {
    await waitForDatapoint('CPUUtilization', { ReplicationInstanceIdentifier: healthyInstance });
    await waitForDatapoint('CDCLatencySource', taskDimensions(healthyInstance, g.healthy.taskResourceId));
    const { handle, result, report } = await doctor({ taskGroups: [g.healthy.group.name] }, 'healthy');

    expect(result.outcome).toBe('succeeded');
    expect(report.healthy).toBe(true);
    expect(report.counts).toMatchObject({ critical: 0, warning: 0 });
    // Only the schema drift check may speak (no schemaDriftWatch has run, or it found nothing here).
    expect(report.findings.filter((f) => f.check !== 'schemaDrift')).toEqual([]);
    expect(report.checks.map((c) => c.check)).toEqual([
      'taskHealth',
      'instanceHealth',
      'binlogMargin',
      'smallFiles',
      'validation',
      'schemaDrift',
      'leftovers',
      // The sandbox configures a lake consumer (docs/downstream.md); it reads none of this group's tables.
      'consumers',
    ]);
    // Scoped to the group: leftovers of other runs in the namespace are not this group's.
    expect(report.checks.filter((c) => c.check !== 'schemaDrift').map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const validation = (report.figures.validation!.tables as Array<Record<string, number>>)[0]!;
    expect(validation).toMatchObject({ sourceRows: 1000, s3LoadRows: 1000, dmsFullLoadRows: 1000, s3Files: 1, unreadableFiles: 0 });
    expect(validation).toMatchObject({ s3FootersRead: 1 });
    expect(validation.bytesRead).toBeLessThanOrEqual(validation.bytesStored!);
    const instance = (report.figures.instanceHealth!.instances as Array<Record<string, unknown>>)[0]!;
    expect(instance).toMatchObject({ identifier: healthyInstance, status: 'available' });
    expect(instance.cpuPercentMax).toEqual(expect.any(Number));
    const binlog = (report.figures.binlogMargin!.sources as Array<Record<string, unknown>>)[0]!;
    expect(binlog).toMatchObject({ source: 'shop', retentionHours: 168 });

    const status = await runbookStatus(handle);
    expect(status.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done']);
    expect(status.reportMarkdown).toContain('**✅ Healthy**');
    expect(status.reportMarkdown).toContain('| Validation: source rows vs DMS vs Parquet footers | ✅ ok |');
    const described = await handle.describe();
    expect(described.searchAttributes.RunbookKind).toEqual(['pipelineDoctor']);
    const completed = webhook.received.find((n) => n.dms_runbooks.workflowId === handle.workflowId && n.dms_runbooks.event === 'completed');
    expect(completed?.text).toContain('## Pipeline doctor — shop-lake');
    expect(completed?.text).toContain('✅ Healthy');
  });

  test('the next run reads no footer of an unchanged table (the census is kept in the bucket); fullCensus reads them again', async () => {
    const tableOf = (report: DoctorReport) => (report.figures.validation!.tables as Array<Record<string, number>>)[0]!;
    const again = tableOf((await doctor({ taskGroups: [g.healthy.group.name], checks: ['validation'] })).report);
    expect(again).toMatchObject({ s3LoadRows: 1000, s3Files: 1, s3FootersRead: 0, bytesRead: 0 });
    const full = tableOf((await doctor({ taskGroups: [g.healthy.group.name], checks: ['validation'], fullCensus: true })).report);
    expect(full).toMatchObject({ s3LoadRows: 1000, s3Files: 1, s3FootersRead: 1 });
    expect(full.bytesRead).toBeGreaterThan(0);
  });

  test('a failed task: critical, with LastFailureMessage and a fullReload of the whole task', async () => {
    const { report } = await doctor({ taskGroups: [g.failed.group.name], checks: ['taskHealth'] }, 'failed-task-finding');
    expect(report.healthy).toBe(false);
    expect(report.checks.map((c) => c.check)).toEqual(['taskHealth']);
    const [finding] = report.findings;
    expect(report.findings).toHaveLength(1);
    expect(finding).toMatchObject({
      check: 'taskHealth',
      severity: 'critical',
      subject: `task ${g.failed.group.taskIdentifier}`,
      evidence: { status: 'failed', stopReason: 'FATAL_ERROR', lastFailureMessage: 'Lost connection to MySQL server during query' },
      remedy: { runbook: 'fullReload' },
    });
    expect(finding!.title).toContain('Lost connection to MySQL server during query');
    expect(finding!.remedy!.command).toMatch(
      new RegExp(`^npx dms-runbooks start fullReload --workflow-id fullReload-\\S+ --task-queue ${tw.taskQueue} --input '`),
    );
    expect(finding!.remedy!.command).toContain(`"tables":["${g.failed.table}"]`);
    expect(finding!.remedy!.command).toContain('"mode":"task"');
  });

  test('a table in error in a running task: critical, with a fullReload of that table', async () => {
    const { report } = await doctor({ taskGroups: [g.tableError.group.name], checks: ['taskHealth'] });
    const finding = report.findings.find((f) => f.severity === 'critical')!;
    expect(finding.title).toContain(`${g.tableError.table} (Table error)`);
    expect(finding.remedy).toMatchObject({ runbook: 'fullReload' });
    expect(finding.remedy!.command).toContain(`"tables":["${g.tableError.table}"]`);
    expect(finding.remedy!.command).not.toContain('"mode"');
  });

  test("a LOB value longer than the task's LobMaxSize: critical, with table, column, longest length and the fix", async () => {
    const { report } = await doctor({ taskGroups: [g.lob.group.name], checks: ['validation'] });
    const finding = report.findings.find((f) => f.evidence.lobMaxSizeKb !== undefined);
    expect(finding).toMatchObject({
      check: 'validation',
      severity: 'critical',
      subject: `table ${g.lob.table}`,
      evidence: { table: g.lob.table, columns: 'body', longestBytes: 40000, lobMaxSizeKb: 32, neededKb: 40 },
    });
    expect(finding!.remedy!.command).toContain(`modify-replication-task --replication-task-arn`);
    expect(finding!.remedy!.command).toContain('"LobMaxSize":40');
  });

  test('table counters that start again at a resume (statistics.afterResume reset) are not read as lost changes', async () => {
    const dms = dmsClient();
    const { table, taskArn } = g.resumed;
    const inserts = (n: number) =>
      eventually(
        () => dms.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn })).then((r) => r.TableStatistics?.[0]?.Inserts),
        (count) => count === n,
        60000,
        `Inserts ${n} for ${table}`,
      );
    await setDmsBehaviour({ statistics: { afterResume: 'reset' } });
    try {
      await admin.query(
        `INSERT INTO ${table} (id, customer_id, state, amount, created_on) SELECT id + 1000000, customer_id, state, amount, created_on FROM ${table} ORDER BY id LIMIT 2`,
      );
      await inserts(2);
      await stopTask(taskArn);
      await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'resume-processing' }));
      await eventually(
        () => describeTask(dms, taskArn),
        (t) => t.Status === 'running',
        60000,
        'the resume',
      );
      await admin.query(
        `INSERT INTO ${table} (id, customer_id, state, amount, created_on) SELECT id + 2000000, customer_id, state, amount, created_on FROM ${table} ORDER BY id LIMIT 1`,
      );
      // Source 23 rows, DMS FullLoadRows 20 + Inserts 1: "3 changes lost" if the counts were compared.
      await inserts(1);
      const { report } = await doctor({ taskGroups: [g.resumed.group.name], checks: ['validation'] });
      const mine = report.findings.filter((f) => f.subject === `table ${table}`);
      expect(mine.map((f) => f.severity)).toEqual(['info']);
      expect(mine[0]!.title).toContain(`task ${g.resumed.group.taskIdentifier} was resumed at`);
    } finally {
      await setDmsBehaviour({ statistics: { afterResume: 'keep' } });
      dms.destroy();
    }
  });

  test('CDC latency above the threshold (PutMetricData): a warning pointing at resizeInstance', async () => {
    const dims = taskDimensions(faultInstance, g.latency.taskResourceId);
    await putDmsMetric('CDCLatencySource', dims, 40);
    await putDmsMetric('CDCLatencyTarget', dims, 950);
    const { report } = await doctor({ taskGroups: [g.latency.group.name], checks: ['taskHealth'] });
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({
      severity: 'warning',
      evidence: { cdcLatencyTargetMaxSeconds: 950, thresholdSeconds: 300 },
      remedy: { runbook: 'resizeInstance' },
    });
    expect(finding!.title).toContain('target (writing to S3)');
    expect(finding!.remedy!.command).toContain(`"instance":"${faultInstance}","targetClass":"dms.r5.xlarge"`);
  });

  test('a binlog retention under the minimum (MariaDB): critical, with the SQL that fixes it; restored after', async () => {
    const [[before]] = (await admin.query('SELECT @@global.binlog_expire_logs_seconds AS s')) as unknown as [[{ s: number }]];
    await admin.query('SET GLOBAL binlog_expire_logs_seconds = 86400');
    try {
      const { report } = await doctor({ taskGroups: [g.healthy.group.name], checks: ['binlogMargin'] });
      expect(report.findings).toHaveLength(1);
      const [finding] = report.findings;
      expect(finding).toMatchObject({
        check: 'binlogMargin',
        severity: 'critical',
        subject: 'source shop',
        evidence: { retentionHours: 24, minimumHours: 168, retentionVia: 'binlog_expire_logs_seconds' },
      });
      expect(finding!.title).toContain('is 1 days, under the pipeline');
      expect(finding!.remedy!.command).toContain('SET GLOBAL binlog_expire_logs_seconds = 604800;');
      expect(finding!.remedy!.steps![0]).toMatch(/npx dms-runbooks start checkSourceReadiness --workflow-id \S+ --task-queue test-/);
    } finally {
      await admin.query(`SET GLOBAL binlog_expire_logs_seconds = ${Number(before.s)}`);
    }
  });

  test('a CDC lag longer than the retention seen in CloudWatch: one more such outage would lose events', async () => {
    // A task that came back from an 8-day outage reports it as its source latency; 40 minutes ago, out of the latency window.
    const eightDays = 8 * 24 * 3600;
    await putDmsMetric(
      'CDCLatencySource',
      taskDimensions(faultInstance, g.lag.taskResourceId),
      eightDays,
      new Date(Date.now() - 40 * 60_000),
    );
    const { report } = await doctor({ taskGroups: [g.lag.group.name], checks: ['binlogMargin'] });
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({
      severity: 'warning',
      evidence: { retentionHours: 168, longestLagHours: 192, longestLagTask: g.lag.group.taskIdentifier },
    });
    expect(finding!.title).toContain('one more outage as long as the longest seen (192 h');
    expect(finding!.remedy!.command).toContain(`SET GLOBAL binlog_expire_logs_seconds = ${384 * 3600};`);
  });
});
