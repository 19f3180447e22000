import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { NativeConnection, Worker } from '@temporalio/worker';
import { runbookStatus, startRunbook } from '../../client/runbooks';
import { runbookPipelineKey } from '../../contracts/searchAttributes';
import type { DoctorReport } from '../../domain/doctor/doctorReport';
import type { PipelineDoctorInput } from '../../domain/inputs/pipelineDoctor';
import {
  createTestInstance,
  createTestS3Endpoint,
  deleteReplicatedGroups,
  ReplicatedGroup,
  replicatedGroup,
} from '../support/replicatedGroups';
import { captureHistory } from '../support/histories';
import { scratchGroup } from '../support/runbooks';
import { fetchParquet, listObjects, s3 } from '../support/s3Parquet';
import { uniqueName } from '../support/scratchTables';
import { sourceAdmin } from '../support/sourceAdmin';
import { eventually } from '../support/dmsEmulatorClient';
import { requireEnv } from '../support/stackEnv';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * pipelineDoctor's S3 side against the stack: a prefix of small files, a missing Parquet file, corrupt and
 * truncated files (reported with their keys, never a crash), and the last schemaDriftWatch result.
 */

let tw: TestWorker;
const bucket = requireEnv('STACK_BUCKET');
const client = s3();
const g: Record<'small' | 'missing' | 'corrupt' | 'truncated', ReplicatedGroup> = {} as never;
let smallEndpoint: { identifier: string; arn: string };
const driftTable = `shop.${uniqueName('docdrift')}`;
const driftGroup = scratchGroup(uniqueName('g-docdrift'), [driftTable]);

const prefixOf = (table: string) => `dms/${table.replace('.', '/')}/`;

beforeAll(async () => {
  const instance = await createTestInstance('doclake', 'dms.r5.large', ['dms.r5.large']);
  // Full-load files split at 16 KB: the endpoint setting that makes a table of small files.
  smallEndpoint = await createTestS3Endpoint('docsmall', { MaxFileSize: 16, CdcMinFileSize: 16, CdcMaxBatchInterval: 60 });
  g.small = await replicatedGroup('docsmall', instance, { rows: 20000, targetEndpoint: smallEndpoint });
  g.missing = await replicatedGroup('docmissing', instance, { rows: 1000, targetEndpoint: smallEndpoint });
  g.corrupt = await replicatedGroup('doccorrupt', instance, { rows: 1000 });
  g.truncated = await replicatedGroup('doctrunc', instance, { rows: 300 });
  const base = testConfig();
  tw = await startTestWorker(
    testConfig({
      taskGroups: [...base.taskGroups, ...Object.values(g).map((r) => r.group), driftGroup],
      dms: { replicationInstances: [...base.dms.replicationInstances, instance.config] },
    }),
  );
});

afterAll(async () => {
  await tw?.stop();
  await deleteReplicatedGroups();
});

async function doctor(input: PipelineDoctorInput) {
  const handle = await startRunbook(tw.client, 'pipelineDoctor', input, { taskQueue: tw.taskQueue });
  const result = await handle.result();
  return { handle, result, report: result.report as DoctorReport };
}

describe('pipelineDoctor on the lake', () => {
  test('a prefix of small files: counts, size distribution, and the endpoint settings to change', async () => {
    const objects = await listObjects(client, bucket, prefixOf(g.small.table));
    expect(objects.length).toBeGreaterThan(25);
    const { report } = await doctor({ taskGroups: [g.small.group.name], checks: ['smallFiles'] });
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({
      check: 'smallFiles',
      severity: 'warning',
      subject: `table ${g.small.table}`,
      evidence: {
        objects: objects.length,
        loadFiles: objects.length,
        excessFiles: objects.length - 1,
        smallBytesPercent: 100,
        currentMaxFileSize: 16,
        recommendedMaxFileSize: 131072,
        recommendedCdcMinFileSize: 131072,
        recommendedCdcMaxBatchInterval: 3600,
      },
    });
    expect(finding!.remedy!.command).toBe(
      `aws dms modify-endpoint --endpoint-arn ${smallEndpoint.arn} --s3-settings '{"CdcMaxBatchInterval":3600,"CdcMinFileSize":131072,"MaxFileSize":131072}'`,
    );
    // ModifyEndpoint is refused while a task using the endpoint runs: stop both tasks on it, then resume them.
    const steps = finding!.remedy!.steps!;
    expect(steps.filter((s) => s.startsWith('before: aws dms stop-replication-task'))).toHaveLength(2);
    expect(steps).toContain(
      `after: aws dms start-replication-task --replication-task-arn ${g.small.taskArn} --start-replication-task-type resume-processing`,
    );
    const table = (report.figures.smallFiles!.tables as Array<Record<string, any>>)[0]!;
    expect(table.partitionCount).toBe(1);
    expect(table.partitions[0]).toMatchObject({ objects: objects.length, smallObjects: objects.length });
    expect(table.buckets[0]).toMatchObject({ label: '< 1 MB', objects: objects.length });
  });

  test('a missing Parquet file: the counts differ, critical, with a fullReload of the table', async () => {
    const loads = (await listObjects(client, bucket, prefixOf(g.missing.table))).filter((o) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(o.key));
    expect(loads.length).toBeGreaterThan(1);
    const gone = loads[1]!;
    const goneRows = Number((await import('hyparquet')).parquetMetadata(await fetchParquet(client, bucket, gone.key)).num_rows);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: gone.key }));

    const { report } = await doctor({ taskGroups: [g.missing.group.name], checks: ['validation'] });
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({
      check: 'validation',
      severity: 'critical',
      evidence: { sourceRows: 1000, dmsFullLoadRows: 1000, s3LoadRows: 1000 - goneRows, s3Files: loads.length - 1, unreadableFiles: 0 },
      remedy: { runbook: 'fullReload' },
    });
    expect(finding!.title).toContain(
      `LOAD files hold ${1000 - goneRows} rows in ${loads.length - 1} file(s), DMS loaded 1000 (-${goneRows})`,
    );
    expect(finding!.remedy!.command).toContain(`"tables":["${g.missing.table}"]`);
  });

  test('a table truncated on the source: DMS removed its files (HandleSourceTableTruncated), reported as such, not as lost rows', async () => {
    const prefix = prefixOf(g.truncated.table);
    expect((await listObjects(client, bucket, prefix)).length).toBeGreaterThan(0);
    const admin = await sourceAdmin();
    try {
      await admin.query(`TRUNCATE TABLE ${g.truncated.table}`);
    } finally {
      await admin.end();
    }
    await eventually(
      () => listObjects(client, bucket, prefix),
      (o) => o.length === 0,
      60000,
      'DMS to remove the truncated table files',
    );

    const { report } = await doctor({ taskGroups: [g.truncated.group.name], checks: ['validation'] });
    expect(report.findings.map((f) => f.severity)).toEqual(['warning']);
    expect(report.findings[0]).toMatchObject({
      check: 'validation',
      subject: `table ${g.truncated.table}`,
      evidence: { sourceRows: 0, dmsFullLoadRows: 300, s3LoadRows: 0, s3Files: 0, dmsDdls: 1 },
    });
    expect(report.findings[0]!.title).toContain('the table was most likely truncated (or dropped) on the source');
  });

  test('corrupt and truncated Parquet files are reported with their keys; the doctor completes every check', async () => {
    const prefix = prefixOf(g.corrupt.table);
    const [good] = await listObjects(client, bucket, prefix);
    const bytes = new Uint8Array(await fetchParquet(client, bucket, good!.key));
    const folder = good!.key.slice(0, good!.key.lastIndexOf('/') + 1);
    const truncatedKey = `${folder}LOAD00000002.parquet`;
    const corruptKey = `${folder}LOAD00000003.parquet`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: truncatedKey, Body: bytes.subarray(0, Math.floor(bytes.length / 2)) }));
    const garbage = bytes.slice();
    garbage.fill(7, garbage.length - 300, garbage.length - 4); // the footer's bytes, PAR1 kept: a corrupt footer
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: corruptKey, Body: garbage }));

    const { result, report } = await doctor({ taskGroups: [g.corrupt.group.name] });
    expect(result.outcome).toBe('succeeded');
    expect(report.checks.map((c) => c.status)).not.toContain('error');
    const finding = report.findings.find((f) => f.check === 'validation' && f.severity === 'critical')!;
    expect(finding.title).toContain(`2 unreadable Parquet file(s) under ${prefix}`);
    expect(finding.title).toContain(`${truncatedKey} (not a Parquet file or truncated`);
    expect(finding.title).toContain(`${corruptKey} (`);
    expect(finding.evidence).toMatchObject({ unreadableFiles: 2, s3LoadRows: 1000, dmsFullLoadRows: 1000 });
    expect(finding.remedy).toMatchObject({ runbook: 'fullReload' });
    // The good file's rows still count: no count mismatch on top of the unreadable files.
    expect(report.findings.filter((f) => f.check === 'validation' && f.title.includes('LOAD files hold'))).toEqual([]);
  });

  test('a check that cannot run (source unreachable) is a warning finding; the other checks still report', async () => {
    const base = testConfig();
    const unreachable = await startTestWorker(
      testConfig({
        sources: [{ ...base.sources[0]!, port: 1 }],
        taskGroups: [...base.taskGroups, g.corrupt.group],
        dms: { replicationInstances: tw.config.dms.replicationInstances },
      }),
    );
    try {
      const handle = await startRunbook(
        unreachable.client,
        'pipelineDoctor',
        { taskGroups: [g.corrupt.group.name], checks: ['taskHealth', 'binlogMargin'] },
        { taskQueue: unreachable.taskQueue },
      );
      const result = await handle.result();
      const report = result.report as DoctorReport;
      expect(result.outcome).toBe('succeeded');
      expect(report.checks.map((c) => [c.check, c.status])).toEqual([
        ['taskHealth', 'ok'],
        ['binlogMargin', 'error'],
      ]);
      expect(report.findings).toHaveLength(1);
      expect(report.findings[0]).toMatchObject({ check: 'binlogMargin', severity: 'warning' });
      expect(report.findings[0]!.title).toContain(
        'the doctor could not run the binlogMargin check: reading binlog retention on source shop (127.0.0.1:1) failed:',
      );
      expect(report.healthy).toBe(false);
      const status = await runbookStatus(handle);
      expect(status.steps.find((s) => s.id === 'binlogMargin')!.state).toBe('failed');
      expect(status.steps.find((s) => s.id === 'report')!.state).toBe('done');
      await captureHistory(handle, 'pipelineDoctor', 'check-cannot-run');
    } finally {
      await unreachable.stop();
    }
  });

  test('the last schemaDriftWatch result: an unsafe change in scope is critical and points at fullReload; others are ignored', async () => {
    const taskQueue = uniqueName('fake-drift');
    const connection = await NativeConnection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
    const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('../support/fakeSchemaDriftWatch') });
    const changes = {
      report: {
        changes: [
          { table: driftTable, column: 'state', classification: 'unsafe: ENUM values reordered' },
          { table: driftTable, column: 'note', classification: 'safe: ENUM value appended' },
          { table: 'shop.not_in_scope', column: 'x', classification: 'unsafe: ENUM value removed' },
        ],
      },
    };
    // On a queue of its own: it carries this pipeline's RunbookPipeline, as the pipeline's own watch does.
    const typedSearchAttributes = [{ key: runbookPipelineKey, value: tw.config.name }];
    await worker.runUntil(
      tw.client.workflow.execute('schemaDriftWatch', {
        taskQueue,
        workflowId: uniqueName('drift'),
        args: [changes],
        typedSearchAttributes,
      }),
    );
    await connection.close();

    const { report } = await doctor({ taskGroups: [driftGroup.name], checks: ['schemaDrift'] });
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({
      check: 'schemaDrift',
      severity: 'critical',
      subject: `table ${driftTable}`,
      remedy: { runbook: 'fullReload' },
    });
    expect(finding!.title).toContain('state: unsafe: ENUM values reordered');
    expect(finding!.remedy!.command).toContain(`"tables":["${driftTable}"]`);
    // ReloadTables would keep the old definition: the remedy restarts the task with reload-target.
    expect(finding!.remedy!.command).toContain('"mode":"task"');
    expect(report.checks[0]!.summary).toContain('1 table(s) with unsafe changes, 1 safe change(s) in scope');
  });
});
