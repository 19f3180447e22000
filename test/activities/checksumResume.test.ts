import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { ScanCheckpoint } from '../../activities/sourceChecksumScan';
import { checksumSpec, ChecksumSpec, TableChecksums } from '../../domain/verification';
import { toTableName } from '../../domain/tableName';
import { activityHarness } from '../support/activityHarness';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sourceSql as sql } from '../support/sourceAdmin';
import { testConfig } from '../support/testConfig';

/**
 * The source side of a checksum reads the table in primary-key chunks and keeps its place in the heartbeat, so a
 * retried attempt resumes after the last chunk (issue 18: "checksums resume from a heartbeat checkpoint") instead of
 * scanning the source again from the first row. Against the stack's MariaDB.
 */

type Harness = Awaited<ReturnType<typeof activityHarness>>;
let whole: Harness;
let chunked: Harness;
const tables: string[] = [];

async function specOf(h: Harness, table: string): Promise<ChecksumSpec> {
  const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: toTableName(table) });
  return checksumSpec(table, facts.primaryKey, facts.columns);
}

/** Runs the source checksum as attempt `attempt` with the heartbeat details a previous attempt left; records beats. */
async function attempt(h: Harness, table: string, spec: ChecksumSpec, heartbeatDetails?: unknown) {
  const beats: Array<{ checkpoint?: ScanCheckpoint }> = [];
  const env = new MockActivityEnvironment({ attempt: heartbeatDetails ? 2 : 1, heartbeatDetails }, { logger: new DefaultLogger('ERROR') });
  env.on('heartbeat', (details: unknown) => beats.push(details as { checkpoint?: ScanCheckpoint }));
  const result: TableChecksums = await env.run(h.activities.sourceTableChecksums, { source: 'shop', table: toTableName(table), spec });
  return { result, checkpoints: beats.flatMap((b) => (b.checkpoint ? [b.checkpoint] : [])) };
}

beforeAll(async () => {
  whole = await activityHarness();
  const config = testConfig();
  config.sources = config.sources.map((s) => ({ ...s, checksumChunkRows: 100 }));
  chunked = await activityHarness(config);
});

afterAll(async () => {
  for (const table of tables) await dropScratchTable(table);
  await whole.close();
  await chunked.close();
});

describe('checksum scans in primary-key chunks', () => {
  test('chunks of 100 rows give the aggregates of one statement, with a checkpoint after each chunk', async () => {
    const table = await createScratchTable(uniqueName('cks'), { rows: 350 });
    tables.push(table);
    const spec = await specOf(whole, table);

    const single = await attempt(whole, table, spec);
    const inChunks = await attempt(chunked, table, spec);

    expect(single.result.rows).toBe(350);
    expect(inChunks.result).toEqual(single.result);
    // 350 rows: three full chunks end at keys 100, 200 and 300, the rest is the last chunk.
    expect(inChunks.checkpoints.map((c) => [c.chunks, c.after])).toEqual([
      [1, [100]],
      [2, [200]],
      [3, [300]],
    ]);
    // One statement has nothing to resume from.
    expect(single.checkpoints).toEqual([]);
  });

  test('a retry resumes after the checkpoint: rows before it are not read again', async () => {
    const table = await createScratchTable(uniqueName('ckr'), { rows: 350 });
    tables.push(table);
    const spec = await specOf(chunked, table);
    const first = await attempt(chunked, table, spec);
    const afterTwoChunks = first.checkpoints.find((c) => c.chunks === 2)!;

    // Rows the first attempt already counted disappear: a resumed scan still counts them (it does not read them
    // again), a scan from the start does not.
    await sql(`DELETE FROM ${table} WHERE id <= 50`);
    const resumed = await attempt(chunked, table, spec, { checkpoint: afterTwoChunks });
    const fromStart = await attempt(chunked, table, spec);

    expect(resumed.result).toEqual(first.result);
    expect(resumed.checkpoints.map((c) => c.chunks)).toEqual([3]);
    expect(fromStart.result.rows).toBe(300);
    expect(fromStart.result.distributions.state!.reduce((n, l) => n + l.rows, 0)).toBe(300);
  });

  test("another scan's checkpoint (another table or spec) is ignored and the scan starts from the first row", async () => {
    const table = await createScratchTable(uniqueName('cko'), { rows: 250 });
    tables.push(table);
    const spec = await specOf(chunked, table);
    const foreign: ScanCheckpoint = { scan: 'another-scan', after: [200], chunks: 2, totals: { n: '9999' }, distributions: {} };
    const run = await attempt(chunked, table, spec, { checkpoint: foreign });
    expect(run.result.rows).toBe(250);
  });

  test('a composite primary key is chunked in its own order', async () => {
    const name = uniqueName('ckc');
    await sql(
      `CREATE TABLE shop.\`${name}\` (region VARCHAR(8) NOT NULL, id INT NOT NULL, state ENUM('a','b') NOT NULL, PRIMARY KEY (region, id)) ENGINE=InnoDB`,
    );
    tables.push(`shop.${name}`);
    await sql(
      `INSERT INTO shop.\`${name}\` SELECT ELT(1 + seq % 3, 'eu', 'us', 'ap'), seq, ELT(1 + seq % 2, 'a', 'b') FROM shop.seq_1_to_330`,
    );
    const spec = await specOf(whole, `shop.${name}`);
    expect(spec.primaryKey.map((c) => c.name)).toEqual(['region', 'id']);

    const single = await attempt(whole, `shop.${name}`, spec);
    const inChunks = await attempt(chunked, `shop.${name}`, spec);
    expect(inChunks.result).toEqual(single.result);
    expect(inChunks.checkpoints).toHaveLength(3);
    // Resumed from the second checkpoint, it still agrees.
    const resumed = await attempt(chunked, `shop.${name}`, spec, { checkpoint: inChunks.checkpoints[1] });
    expect(resumed.result).toEqual(single.result);
  });
});
