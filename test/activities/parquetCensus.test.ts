import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ledgeredCensus } from '../../activities/doctor/ledgeredCensus';
import { parquetCensus } from '../../activities/doctor/parquetCensus';
import { putJsonObject, readJsonObject } from '../../activities/s3Objects';
import { CensusEntry, CensusLedger, censusLedgerKey, previousEntries } from '../../domain/doctor/censusLedger';
import { activityHarness } from '../support/activityHarness';
import { uniqueName } from '../support/scratchTables';

/** The doctor's footer census against moto's S3: read once, then only what changed; the ledger kept between runs. */

let h: Awaited<ReturnType<typeof activityHarness>>;
beforeAll(async () => {
  h = await activityHarness();
});
afterAll(() => h.close());

const bucket = () => h.deps.config.target.bucket;

async function putParquet(key: string, rows: number): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const ids = Array.from({ length: rows }, (_, i) => BigInt(i));
  const body = parquetWriteBuffer({ columnData: [{ name: 'id', data: ids, type: 'INT64' }] });
  await h.deps.s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: new Uint8Array(body) }));
}

async function census(prefix: string, previous?: Map<string, CensusEntry>) {
  const entries: CensusEntry[] = [];
  const result = await parquetCensus(h.deps.s3, bucket(), prefix, { previous, entries });
  return { result, entries, next: previousEntries({ version: 1, prefix, at: 'now', entries }, prefix) };
}

describe('parquetCensus with the previous run', () => {
  test('a second run reads no footer and counts the same; new, rewritten and deleted files are accounted for', async () => {
    const prefix = `tests/census/${uniqueName('c')}/dms/shop/orders/`;
    await putParquet(`${prefix}20261201/LOAD00000001.parquet`, 10);
    await putParquet(`${prefix}20261201/LOAD00000002.parquet`, 5);
    await putParquet(`${prefix}20261201/20261201-120000000.parquet`, 3);

    const first = await census(prefix);
    expect(first.result).toMatchObject({ files: 3, loadRows: 15, changeRows: 3, filesReused: 0 });
    expect(first.result.bytesRead).toBeGreaterThan(0);

    const second = await census(prefix, first.next);
    expect(second.result).toMatchObject({ files: 3, loadRows: 15, changeRows: 3, filesReused: 3, bytesRead: 0 });

    // A new CDC file, one LOAD file written again with other rows (same key, new ETag), one deleted.
    await putParquet(`${prefix}20261201/20261201-130000000.parquet`, 4);
    await putParquet(`${prefix}20261201/LOAD00000001.parquet`, 7);
    await h.deps.s3.send(new DeleteObjectCommand({ Bucket: bucket(), Key: `${prefix}20261201/LOAD00000002.parquet` }));
    const third = await census(prefix, second.next);
    expect(third.result).toMatchObject({ files: 3, loadRows: 7, changeRows: 7, filesReused: 1 });
    expect(third.result.bytesRead).toBeGreaterThan(0);
    expect(third.entries.map((e) => e.key).sort()).toEqual(
      [
        `${prefix}20261201/20261201-120000000.parquet`,
        `${prefix}20261201/20261201-130000000.parquet`,
        `${prefix}20261201/LOAD00000001.parquet`,
      ].sort(),
    );
  });

  test('a corrupt file is read again next time, and a ledger of another prefix is not used', async () => {
    const prefix = `tests/census/${uniqueName('c')}/dms/shop/items/`;
    await h.deps.s3.send(
      new PutObjectCommand({ Bucket: bucket(), Key: `${prefix}20261201/LOAD00000001.parquet`, Body: 'not parquet at all' }),
    );
    const first = await census(prefix);
    expect(first.result.problems).toHaveLength(1);
    const second = await census(prefix, first.next);
    expect(second.result.filesReused).toBe(0);
    expect(previousEntries({ version: 1, prefix: 'elsewhere/', at: 'now', entries: first.entries }, prefix).size).toBe(0);
    expect(previousEntries(undefined, prefix).size).toBe(0);
  });
});

describe('checkRowCounts keeps a ledger per table in the bucket', () => {
  test('the ledger key is outside the table folders', () => {
    expect(censusLedgerKey('shop', 'orders')).toBe('_doctor/census/shop.orders.json');
    expect(censusLedgerKey('shop', 'orders').startsWith(`${h.deps.config.target.folder}/`)).toBe(false);
  });

  test('the ledger written is read back as the previous entries of the same prefix', async () => {
    const prefix = `tests/census/${uniqueName('c')}/dms/shop/reviews/`;
    await putParquet(`${prefix}20261201/LOAD00000001.parquet`, 2);
    const { entries } = await census(prefix);
    const key = `tests/census/${uniqueName('ledger')}.json`;
    await putJsonObject(h.deps.s3, bucket(), key, { version: 1, prefix, at: 'now', entries } satisfies CensusLedger);
    const back = previousEntries(await readJsonObject(h.deps.s3, bucket(), key), prefix);
    expect([...back.values()]).toEqual(entries);
    expect(await readJsonObject(h.deps.s3, bucket(), `${key}.missing`)).toBeUndefined();
  });

  test('ledgeredCensus (what checkRowCounts runs) reads the ledger it wrote last time; fullCensus reads every footer again', async () => {
    const prefix = `tests/census/${uniqueName('c')}/dms/shop/carts/`;
    const key = `tests/census/${uniqueName('ledger')}.json`;
    await putParquet(`${prefix}20261201/LOAD00000001.parquet`, 6);
    await putParquet(`${prefix}20261201/20261201-120000000.parquet`, 2);
    const run = (fullCensus?: boolean) => ledgeredCensus(h.deps.s3, bucket(), prefix, key, { at: '2026-12-01T00:00:00Z', fullCensus });

    expect(await run()).toMatchObject({ files: 2, loadRows: 6, changeRows: 2, filesReused: 0 });
    const ledger = await readJsonObject<CensusLedger>(h.deps.s3, bucket(), key);
    expect(ledger).toMatchObject({ version: 1, prefix, at: '2026-12-01T00:00:00Z' });
    expect(ledger!.entries.map((e) => e.rows).sort()).toEqual([2, 6]);

    await putParquet(`${prefix}20261202/20261202-120000000.parquet`, 3);
    expect(await run()).toMatchObject({ files: 3, loadRows: 6, changeRows: 5, filesReused: 2 });
    const full = await run(true);
    expect(full).toMatchObject({ files: 3, loadRows: 6, changeRows: 5, filesReused: 0 });
    expect(full.bytesRead).toBeGreaterThan(0);
  });

  test('a census interrupted after its ledger checkpoint resumes from it instead of reading every footer again', async () => {
    const prefix = `tests/census/${uniqueName('c')}/dms/shop/baskets/`;
    const key = `tests/census/${uniqueName('ledger')}.json`;
    await putParquet(`${prefix}20261201/LOAD00000001.parquet`, 4);
    await putParquet(`${prefix}20261201/20261201-120000000.parquet`, 1);
    // The worker dies (the activity times out) just after the checkpoint, before the census ends.
    const interrupted = ledgeredCensus(h.deps.s3, bucket(), prefix, key, {
      at: 'now',
      checkpointEveryMs: 0,
      onCheckpoint: () => {
        throw new Error('activity timed out');
      },
    });
    await expect(interrupted).rejects.toThrow('activity timed out');
    const retried = await ledgeredCensus(h.deps.s3, bucket(), prefix, key, { at: 'now' });
    expect(retried).toMatchObject({ files: 2, loadRows: 4, changeRows: 1, filesReused: 2, bytesRead: 0 });
  });
});
