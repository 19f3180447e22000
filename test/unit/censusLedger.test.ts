import { CENSUS_CHECKPOINT_MS, CensusEntry, checkpointDue, checkpointEntries, previousEntries } from '../../domain/doctor/censusLedger';

/** The census ledger written part-way through a long census, so a retried activity resumes instead of starting again. */

const entry = (key: string, rows = 1): CensusEntry => ({ key, etag: `"${key}"`, size: 100, load: false, rows });
const prefix = 'dms/shop/orders/';
const key = (n: number) => `${prefix}20261201/20261201-${String(n).padStart(9, '0')}.parquet`;

describe('checkpointDue', () => {
  test('only after the interval, and only when footers were read since the last checkpoint', () => {
    expect(checkpointDue({ now: CENSUS_CHECKPOINT_MS - 1, lastAt: 0, footersReadSince: 5000 })).toBe(false);
    expect(checkpointDue({ now: CENSUS_CHECKPOINT_MS, lastAt: 0, footersReadSince: 5000 })).toBe(true);
    // An incremental run slowed by its listing alone has nothing new to keep.
    expect(checkpointDue({ now: 10 * CENSUS_CHECKPOINT_MS, lastAt: 0, footersReadSince: 0 })).toBe(false);
    expect(checkpointDue({ now: 50, lastAt: 0, footersReadSince: 1 }, 50)).toBe(true);
  });
});

describe('checkpointEntries', () => {
  test('a first run interrupted part-way keeps what it counted', () => {
    const counted = [entry(key(1)), entry(key(2))];
    expect(checkpointEntries(counted, new Map())).toEqual(counted);
  });

  test('an incremental run keeps the previous entries the listing has not reached, once each', () => {
    const previous = new Map([1, 2, 3, 4].map((n) => [key(n), entry(key(n))]));
    const counted = [entry(key(1)), entry(key(2), 7)]; // key 2 was rewritten and read again
    const partial = checkpointEntries(counted, previous);
    expect(partial.map((e) => e.key)).toEqual([key(1), key(2), key(3), key(4)]);
    expect(partial[1]!.rows).toBe(7);
    // Read back as the next attempt's previous entries: nothing counted is lost, nothing doubled.
    const back = previousEntries({ version: 1, prefix, at: 'now', entries: partial }, prefix);
    expect(back.size).toBe(4);
    expect(back.get(key(2))!.rows).toBe(7);
  });

  test('before the first page is counted, the previous ledger is kept whole', () => {
    const previous = new Map([1, 2].map((n) => [key(n), entry(key(n))]));
    expect(checkpointEntries([], previous)).toEqual([...previous.values()]);
  });
});
