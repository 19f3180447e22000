import { dateScanWarning } from '../../domain/backfillSourceScan';

const base = { table: { schema: 'shop', table: 'orders' }, column: 'created_on', rowEstimate: 2_000_000, bytes: 4 * 1024 ** 3, days: 3 };

describe("a backfill's reads of the source", () => {
  test('a date column that leads no index: the warning gives the scans, rows and bytes and the index to add', () => {
    const warning = dateScanWarning({ ...base, indexLeaders: ['id', 'customer_id'] })!;
    expect(warning).toContain('shop.orders.created_on leads no index');
    expect(warning).toContain('2,000,000 rows');
    expect(warning).toContain('4 full scans of the source');
    expect(warning).toContain('ALTER TABLE shop.orders ADD INDEX (created_on)');
  });

  test('an index led by the column (any case) needs no warning', () => {
    expect(dateScanWarning({ ...base, indexLeaders: ['id', 'CREATED_ON'] })).toBeUndefined();
  });

  test('facts read before the check existed (replayed histories) say nothing', () => {
    expect(dateScanWarning({ ...base, indexLeaders: undefined })).toBeUndefined();
  });
});
