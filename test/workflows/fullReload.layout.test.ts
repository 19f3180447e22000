import { DescribeReplicationInstancesCommand } from '@aws-sdk/client-database-migration-service';
import { decide, startRunbook } from '../../client/runbooks';
import { quarantineRoot } from '../../domain/quarantineLayout';
import type { FullReloadReport } from '../../workflows/fullReload';
import { dmsClient } from '../support/dmsEmulatorClient';
import { createTestS3Endpoint, deleteReplicatedGroups, type ReplicatedGroup, replicatedGroup } from '../support/replicatedGroups';
import { objectsUnder, tableStatistics } from '../support/replicatedTables';
import { waitForGate } from '../support/runbooks';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * fullReload on the S3 layout DMS writes ("Using Amazon S3 as a target for AWS DMS"): full-load files numbered with a
 * hexadecimal counter (LOAD00000009, LOAD0000000A, …), and no object at all for a table without rows.
 */

jest.setTimeout(300000);

let tw: TestWorker;
let many: ReplicatedGroup;
let empty: ReplicatedGroup;
const prefixOf = (table: string) => `dms/${table.replace('.', '/')}/`;
const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

beforeAll(async () => {
  const client = dmsClient();
  const sandbox = (
    await client.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: ['shop-repl-1'] }] }))
  ).ReplicationInstances![0]!;
  client.destroy();
  const instance = { arn: sandbox.ReplicationInstanceArn!, config: { identifier: 'shop-repl-1' } };
  // 4 KB files: a 2000-row table is written as more than 16 full-load files.
  const smallFiles = await createTestS3Endpoint('frhex', { MaxFileSize: 4 });
  many = await replicatedGroup('frhex', instance, { rows: 2000, targetEndpoint: smallFiles });
  empty = await replicatedGroup('frempty', instance, { rows: 0 });
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, many.group, empty.group] }));
});

afterAll(async () => {
  await tw?.stop();
  await deleteReplicatedGroups();
});

const start = (input: Record<string, unknown>) => startRunbook(tw.client, 'fullReload', input as never, { taskQueue: tw.taskQueue });

test('more than 16 LOAD files, numbered in hexadecimal: counted, verified, quarantined and deleted', async () => {
  const before = await objectsUnder(prefixOf(many.table));
  const names = before.map((o) => fileName(o.key));
  expect(names.length).toBeGreaterThan(16);
  expect(names).toContain('LOAD00000009.parquet');
  expect(names).toContain('LOAD0000000A.parquet');
  expect(names).toContain('LOAD00000010.parquet');
  expect(names.every((n) => /^LOAD[0-9A-F]{8}\.parquet$/.test(n))).toBe(true);

  const handle = await start({ tables: [many.table], reason: 'hex-numbered files' });
  const gate = await waitForGate(handle, 'reload');
  expect(gate.pendingGate!.note).toContain(`Affected: ${before.length} files`);
  await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  const finalize = await waitForGate(handle, 'finalize', 120000);
  expect(finalize.pendingGate!.note).toContain('Verification passed for 1 table(s)');
  const root = quarantineRoot(handle.workflowId);
  expect((await objectsUnder(`${root}dms/`)).map((o) => o.key.slice(root.length))).toEqual(before.map((o) => o.key));
  await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'numbers match', decision: 'approve' });

  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  const report = result.report as FullReloadReport;
  expect(report.verification).toMatchObject([
    { table: many.table, sourceRows: 2000, dmsFullLoadRows: 2000, parquetLoadRows: 2000, matches: true },
  ]);
  expect(report.verification![0]!.comparison.checked).toContain('row-hash');
  const after = (await objectsUnder(prefixOf(many.table))).map((o) => fileName(o.key)).filter((n) => n.startsWith('LOAD'));
  expect(after.length).toBeGreaterThan(16);
  expect(after).toContain('LOAD0000000F.parquet');
  expect(await objectsUnder(root)).toEqual([]);
});

test('a table without rows has no files: 0 rows in 0 files verifies, and the reload writes none', async () => {
  expect(await objectsUnder(prefixOf(empty.table))).toEqual([]);
  expect((await tableStatistics(empty.taskArn))[0]).toMatchObject({ TableState: 'Table completed', FullLoadRows: 0 });

  const handle = await start({ tables: [empty.table], reason: 'empty table' });
  const gate = await waitForGate(handle, 'reload');
  expect(gate.pendingGate!.note).toContain('Affected: 0 files');
  await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  const finalize = await waitForGate(handle, 'finalize', 120000);
  expect(finalize.pendingGate!.note).toContain('Verification passed for 1 table(s)');
  await decide(handle, { gate: 'finalize', approver: 'data-platform-lead', reason: 'empty stays empty', decision: 'approve' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  const report = result.report as FullReloadReport;
  expect(report.verification).toMatchObject([
    { table: empty.table, sourceRows: 0, dmsFullLoadRows: 0, parquetLoadRows: 0, parquetLoadFiles: 0, matches: true },
  ]);
  expect(await objectsUnder(prefixOf(empty.table))).toEqual([]);
});
