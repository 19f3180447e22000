import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetMetadata } from 'hyparquet';
import { readExactRows } from '../../activities/parquetExactRows';
import type { LakeChecksums } from '../../activities/tableChecksums';
import { checksumSpec, type ChecksumSpec, compareChecksums, type TableChecksums } from '../../domain/verification';
import { tablePrefix } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { activityHarness } from '../support/activityHarness';
import { setDmsBehaviour } from '../support/dmsAdmin';
import { eventually } from '../support/dmsEmulatorClient';
import { objectsUnder, removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup } from '../support/runbooks';
import { fetchParquet, s3 } from '../support/s3Parquet';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceSql as sql } from '../support/sourceAdmin';

jest.setTimeout(240000);

/**
 * Parquet types as DMS documents them ("Target data types for S3 Parquet"), written by the emulator and read back
 * exactly: a DECIMAL(30,10) and BIGINT UNSIGNED key whose values differ only beyond a float64's 53 bits, checked
 * source against files. And the folding of CDC into full-load rows under both `fullLoadChangeSeq` settings.
 */

let h: Awaited<ReturnType<typeof activityHarness>>;
const tasks: string[] = [];
const tables: string[] = [];

async function both(table: string, spec: ChecksumSpec): Promise<{ source: TableChecksums; lake: LakeChecksums }> {
  const name = toTableName(table);
  const [source, lake] = await Promise.all([
    h.run(h.activities.sourceTableChecksums, { source: 'shop', table: name, spec }),
    h.run(h.activities.lakeTableChecksums, { prefix: tablePrefix(h.deps.config.target.folder, name), spec }),
  ]);
  return { source, lake };
}

async function loadFile(table: string): Promise<ArrayBuffer> {
  const key = (await objectsUnder(tablePrefix(h.deps.config.target.folder, toTableName(table)))).find((o) =>
    /\/LOAD[^/]*\.parquet$/.test(o.key),
  )!.key;
  return fetchParquet(s3(), h.deps.config.target.bucket, key);
}

beforeAll(async () => {
  h = await activityHarness();
});

afterAll(async () => {
  await setDmsBehaviour({ fullLoadChangeSeq: 'filled' });
  for (const task of tasks) await removeTask(task);
  for (const table of tables) await dropScratchTable(table);
  await h.close();
});

describe('Parquet types', () => {
  test('DECIMAL, UINT64, BOOLEAN, UINT8 and TIMESTAMP_MICROS as written; keys beyond 2^53 checksum exactly', async () => {
    const name = uniqueName('pt');
    const table = `shop.${name}`;
    tables.push(table);
    await sql(
      `CREATE TABLE ${table} (
         amount DECIMAL(30,10) NOT NULL,
         big BIGINT UNSIGNED NOT NULL,
         flag BIT(1) NULL,
         small TINYINT UNSIGNED NULL,
         happened DATETIME(6) NULL,
         state ENUM('new','active','closed') NOT NULL,
         PRIMARY KEY (amount, big)
       ) ENGINE=InnoDB`,
    );
    // Pairs that a float64 cannot tell apart: ...891/...892 (31 significant digits), 2^64-1/2^64-2, 2^53+1/2^53.
    await sql(
      `INSERT INTO ${table} VALUES
         ('12345678901234567890.1234567891', 18446744073709551615, b'1', 255, '2026-06-01 10:00:00.123456', 'new'),
         ('12345678901234567890.1234567892', 18446744073709551614, b'0', 0, NULL, 'active'),
         ('-0.0000000001', 9007199254740993, NULL, NULL, '1999-12-31 23:59:59.999999', 'closed'),
         ('-0.0000000001', 9007199254740992, b'1', 7, '2026-06-01 10:00:00', 'new')`,
    );
    tasks.push(await replicateGroup(scratchGroup(`g-${name}`, [table])));

    const file = await loadFile(table);
    const elements = Object.fromEntries(parquetMetadata(file).schema.map((e) => [e.name, e]));
    expect(elements.amount).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', converted_type: 'DECIMAL', precision: 30, scale: 10 });
    expect(elements.big).toMatchObject({ type: 'INT64', converted_type: 'UINT_64' });
    expect(elements.flag).toMatchObject({ type: 'BOOLEAN' });
    expect(elements.small).toMatchObject({ type: 'INT32', converted_type: 'UINT_8' });
    expect(elements.happened).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MICROS' });
    // TimestampColumnName is a STRING column, `yyyy-MM-dd HH:mm:ss.SSSSSS`.
    expect(elements.dms_commit_ts).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });

    const rows = await readExactRows({ file, metadata: parquetMetadata(file) });
    const byKey = new Map(rows.map((r) => [`${String(r.amount)}|${String(r.big)}`, r]));
    expect(byKey.get('12345678901234567890.1234567891|18446744073709551615')).toMatchObject({ flag: true, small: 255, state: 'new' });
    expect(byKey.get('12345678901234567890.1234567892|18446744073709551614')).toMatchObject({ flag: false, small: 0, happened: null });
    expect(byKey.get('-0.0000000001|9007199254740993')).toMatchObject({ flag: null, small: null });
    expect(byKey.size).toBe(4);
    expect(String(rows[0]!.dms_commit_ts)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    // Microseconds kept in the file (hyparquet's own reader rounds them to a Date's milliseconds).
    const { parquetReadObjects } = await import('hyparquet');
    const micros = await parquetReadObjects({
      file,
      columns: ['happened'],
      parsers: { timestampFromMicroseconds: (us: bigint) => us as never },
    });
    expect(micros.map((r) => r.happened)).toContain(BigInt(Date.UTC(2026, 5, 1, 10)) * 1000n + 123456n);

    const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: toTableName(table) });
    const spec = checksumSpec(table, facts.primaryKey, facts.columns);
    expect(spec.primaryKey).toEqual([
      { name: 'amount', kind: 'decimal', scale: 10 },
      { name: 'big', kind: 'integer' },
    ]);
    const { source, lake } = await both(table, spec);
    expect(lake).toMatchObject({ rows: 4, problems: [] });
    expect(compareChecksums(table, source, lake)).toMatchObject({ matches: true, findings: [] });

    // CDC carries the same types: an update and a delete of keys a float64 would confuse, folded by exact key.
    await sql(`UPDATE ${table} SET state = 'closed' WHERE amount = '12345678901234567890.1234567892' AND big = 18446744073709551614`);
    await sql(`DELETE FROM ${table} WHERE amount = '-0.0000000001' AND big = 9007199254740993`);
    const after = await eventually(
      () => both(table, spec),
      ({ lake }) => lake.files.cdc > 0 && lake.rows === 3,
      90000,
      'CDC files with the update and the delete',
    );
    expect(after.source.rows).toBe(3);
    expect(compareChecksums(table, after.source, after.lake)).toMatchObject({ matches: true, findings: [] });
  });
});

describe('full-load rows and the change sequence', () => {
  test('fullLoadChangeSeq empty: LOAD rows carry an empty sequence, CDC still folds in and the files agree with the source', async () => {
    await setDmsBehaviour({ fullLoadChangeSeq: 'empty' });
    const name = uniqueName('es');
    const table = await createScratchTable(name, { rows: 60 });
    tables.push(table);
    tasks.push(await replicateGroup(scratchGroup(`g-${name}`, [table])));
    await setDmsBehaviour({ fullLoadChangeSeq: 'filled' });
    const file = await loadFile(table);
    const loaded = await readExactRows({ file, metadata: parquetMetadata(file), columns: ['id', 'ar_h_change_seq'] });
    expect(new Set(loaded.map((r) => r.ar_h_change_seq))).toEqual(new Set(['']));

    const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: toTableName(table) });
    const spec = checksumSpec(table, facts.primaryKey, facts.columns);
    await sql(`UPDATE ${table} SET state = 'closed' WHERE id <= 10`);
    await sql(`DELETE FROM ${table} WHERE id BETWEEN 11 AND 15`);
    await sql(`INSERT INTO ${table} SELECT seq, 1, 'active', 1.00, '2026-07-01' FROM shop.seq_1001_to_1010`);
    const { source, lake } = await eventually(
      () => both(table, spec),
      ({ source, lake }) => lake.files.cdc > 0 && lake.rows === source.rows,
      90000,
      'CDC files',
    );
    expect(source.rows).toBe(65);
    expect(compareChecksums(table, source, lake)).toMatchObject({ matches: true, findings: [] });
  });

  /**
   * The reload case: CDC written before a reload carries a stale label for key 1; the reloaded LOAD rows are right.
   * Key 2 changed during the load (its CDC file written after the load: the change wins), key 3 deleted and key 4
   * inserted after it. The files' names carry when they were written.
   */
  test.each([
    ['filled', ['500', '501', '502']],
    ['empty', ['', '', '']],
  ])('folding is right with full-load sequences %s', async (_setting, loadSeqs) => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const prefix = `tests/fold-seq/${uniqueName('f')}/shop/t/`;
    const file = (columns: Record<string, unknown[]>) =>
      parquetWriteBuffer({
        columnData: Object.entries(columns).map(
          ([name, data]) => ({ name, data, type: name === 'id' ? 'INT32' : name === 'ar_h_timestamp' ? 'TIMESTAMP' : 'STRING' }) as never,
        ),
      });
    const put = (key: string, body: ArrayBuffer) =>
      h.deps.s3.send(new PutObjectCommand({ Bucket: h.deps.config.target.bucket, Key: `${prefix}${key}`, Body: new Uint8Array(body) }));
    const at = (s: string) => new Date(`2026-06-01T10:${s}Z`);
    await put(
      '20260601/20260601-100000000.parquet',
      file({ Op: ['U'], id: [1], state: ['closed'], ar_h_change_seq: ['100'], ar_h_timestamp: [at('00:00.000')] }),
    );
    await put(
      '20260601/LOAD00000001.parquet',
      file({
        Op: ['I', 'I', 'I'],
        id: [1, 2, 3],
        state: ['new', 'new', 'new'],
        ar_h_change_seq: loadSeqs,
        ar_h_timestamp: [at('05:00.400'), at('05:00.400'), at('05:00.400')],
      }),
    );
    await put(
      '20260601/20260601-100600000.parquet',
      file({
        Op: ['U', 'D', 'I'],
        id: [2, 3, 4],
        state: ['active', 'new', 'active'],
        ar_h_change_seq: ['503', '600', '601'],
        ar_h_timestamp: [at('05:00.000'), at('06:00.000'), at('06:00.000')],
      }),
    );
    const spec: ChecksumSpec = {
      table: 'shop.t',
      primaryKey: [{ name: 'id', kind: 'integer' }],
      categorical: [{ name: 'state', type: 'enum', labels: ['new', 'active', 'closed'] }],
    };
    const lake = await h.run(h.activities.lakeTableChecksums, { prefix, spec });
    expect(lake).toMatchObject({ rows: 3, files: { load: 1, cdc: 2 }, problems: [] });
    // 1 → new (the reload, not the stale CDC before it), 2 → active (changed during the load), 4 → active.
    expect(lake.distributions.state).toEqual([
      { label: 'active', rows: 2 },
      { label: 'new', rows: 1 },
    ]);
  });
});
