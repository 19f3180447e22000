import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LakeChecksums } from '../../activities/tableChecksums';
import { checksumSpec, ChecksumSpec, compareChecksums, TableChecksums } from '../../domain/verification';
import { tablePrefix } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { activityHarness } from '../support/activityHarness';
import { eventually } from '../support/dmsEmulatorClient';
import { removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceSql as sql } from '../support/sourceAdmin';

/**
 * Table checksums against the real stack: the source computes them in SQL, the files side reads the key and ENUM
 * columns of the Parquet files DMS (the emulator) wrote, with CDC changes folded in. They agree on a healthy table,
 * and the ENUM reorder bug shows as a distribution and row-hash difference.
 */

let h: Awaited<ReturnType<typeof activityHarness>>;
let table: string;
let taskArn: string | undefined;
let spec: ChecksumSpec;

async function both(): Promise<{ source: TableChecksums; lake: LakeChecksums }> {
  const name = toTableName(table);
  const [source, lake] = await Promise.all([
    h.run(h.activities.sourceTableChecksums, { source: 'shop', table: name, spec }),
    h.run(h.activities.lakeTableChecksums, { prefix: tablePrefix(h.deps.config.target.folder, name), spec }),
  ]);
  return { source, lake };
}

beforeAll(async () => {
  h = await activityHarness();
  const name = uniqueName('ck');
  table = await createScratchTable(name, { rows: 300 });
  taskArn = await replicateGroup(scratchGroup(`g-${name}`, [table]));
  const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: toTableName(table) });
  spec = checksumSpec(table, facts.primaryKey, facts.columns);
});

afterAll(async () => {
  await removeTask(taskArn);
  await dropScratchTable(table);
  await h.close();
});

describe('table checksums', () => {
  test('after the full load, source and files agree on rows, key checksum, row hash and the ENUM distribution', async () => {
    expect(spec.primaryKey).toEqual([{ name: 'id', kind: 'integer' }]);
    expect(spec.categorical.map((c) => c.name)).toEqual(['state']);
    const { source, lake } = await both();
    expect(source.rows).toBe(300);
    expect(source.distributions.state).toEqual([
      { label: 'active', rows: 100 },
      { label: 'closed', rows: 100 },
      { label: 'new', rows: 100 },
    ]);
    expect(lake).toMatchObject({ rows: 300, files: { load: 1, cdc: 0 }, problems: [] });
    expect(lake.primaryKey).toEqual(source.primaryKey);
    expect(lake.rowHash).toEqual(source.rowHash);
    expect(compareChecksums(table, source, lake)).toMatchObject({ matches: true, findings: [] });
  });

  test('inserts, updates and deletes carried by CDC are folded in: the files still agree with the source', async () => {
    await sql(`INSERT INTO ${table} SELECT seq, 1, 'closed', 1.00, '2026-07-01' FROM shop.seq_1001_to_1010`);
    await sql(`UPDATE ${table} SET state = 'active' WHERE id <= 5`);
    await sql(`DELETE FROM ${table} WHERE id BETWEEN 6 AND 8`);
    const { source, lake } = await eventually(
      both,
      ({ source, lake }) => lake.files.cdc > 0 && lake.rows === source.rows,
      60000,
      'CDC files',
    );
    expect(source.rows).toBe(307);
    expect(compareChecksums(table, source, lake)).toMatchObject({ matches: true, findings: [] });
    // Without the CDC files, the full-load files alone are behind the source.
    const loadOnly = await h.run(h.activities.lakeTableChecksums, {
      prefix: tablePrefix('dms', toTableName(table)),
      spec,
      loadFilesOnly: true,
    });
    expect(compareChecksums(table, source, loadOnly).matches).toBe(false);
  });

  test('after an ENUM reorder, rows written by CDC carry wrong labels: distribution and row hash differ, keys agree', async () => {
    await sql(`ALTER TABLE ${table} MODIFY state ENUM('closed','active','new') NOT NULL`);
    await sql(`INSERT INTO ${table} SELECT seq, 1, 'new', 2.00, '2026-07-02' FROM shop.seq_2001_to_2020`);
    const { source, lake } = await eventually(both, ({ source, lake }) => lake.rows === source.rows, 60000, 'CDC after the ALTER');
    const comparison = compareChecksums(table, source, lake);
    expect(comparison.matches).toBe(false);
    expect(comparison.findings.map((f) => f.check)).toEqual(['row-hash', 'distribution']);
    // 'new' is index 3 after the ALTER; the task still holds ('new','active','closed'): index 3 reads 'closed'.
    expect(comparison.findings[1]!.detail).toBe("state: 'closed' source 107, files 127; 'new' source 118, files 98");
    expect(lake.primaryKey).toEqual(source.primaryKey);
  });
});

describe('folding CDC changes into full-load rows', () => {
  test('by change sequence: a later change replaces the row, a delete removes it, an earlier change loses to the load', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const prefix = `tests/fold/${uniqueName('f')}/shop/t/`;
    const file = (columns: Record<string, unknown[]>) =>
      parquetWriteBuffer({
        columnData: Object.entries(columns).map(([name, data]) => ({ name, data, type: name === 'id' ? 'INT32' : 'STRING' }) as never),
      });
    const put = (key: string, body: ArrayBuffer) =>
      h.deps.s3.send(new PutObjectCommand({ Bucket: h.deps.config.target.bucket, Key: `${prefix}${key}`, Body: new Uint8Array(body) }));
    // Full load: 1, 2, 3 read at sequence 100…102. CDC: 2 updated at 50 (cached before the load read it), 3 deleted at
    // 200, 4 inserted at 150, 1 updated twice (at 300, then 250: the later sequence wins whatever the file order).
    await put(
      '20260601/LOAD00000001.parquet',
      file({ Op: ['I', 'I', 'I'], id: [1, 2, 3], state: ['new', 'new', 'new'], ar_h_change_seq: ['100', '101', '102'] }),
    );
    await put(
      '20260601/20260601-000000001.parquet',
      file({ Op: ['U', 'D', 'I'], id: [2, 3, 4], state: ['closed', 'new', 'active'], ar_h_change_seq: ['050', '200', '150'] }),
    );
    await put(
      '20260601/20260601-000000002.parquet',
      file({ Op: ['U', 'U'], id: [1, 1], state: ['active', 'closed'], ar_h_change_seq: ['300', '250'] }),
    );
    const foldSpec: ChecksumSpec = {
      table: 'shop.t',
      primaryKey: [{ name: 'id', kind: 'integer' }],
      categorical: [{ name: 'state', type: 'enum', labels: ['new', 'active', 'closed'] }],
    };
    const lake = await h.run(h.activities.lakeTableChecksums, { prefix, spec: foldSpec });
    expect(lake).toMatchObject({ rows: 3, files: { load: 1, cdc: 2 }, rowsRead: 8, problems: [] });
    // 1 → active (sequence 300), 2 → new (the load, read after the change at 50), 4 → active.
    expect(lake.distributions.state).toEqual([
      { label: 'active', rows: 2 },
      { label: 'new', rows: 1 },
    ]);
  });
});
