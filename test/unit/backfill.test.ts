import {
  backfillLayout,
  backfillMapping,
  dateColumnRefusal,
  dayFilter,
  partitionFolder,
  partitionNaming,
  publishMoves,
  rangeRefusal,
  stagingS3Settings,
  temporaryIdentifiers,
  zoneDayRefusal,
} from '../../domain/backfill';
import { addDays, daysFrom, isCalendarDay, msToDayIn, spanDays } from '../../domain/calendarDays';
import { parseTableMapping, TableMapping } from '../../domain/tableMappingSchema';
import { newTaskMapping } from '../../domain/tableMappings';

const table = { schema: 'shop', table: 'orders' };
const columns = [
  { name: 'id', dataType: 'int', columnType: 'int(11)' },
  { name: 'placed_at', dataType: 'datetime', columnType: 'datetime(3)' },
  { name: 'placed_on', dataType: 'date', columnType: 'date' },
  { name: 'note', dataType: 'varchar', columnType: 'varchar(20)' },
];

describe('calendar days', () => {
  test('real dates only, ranges across month ends and leap days', () => {
    expect(isCalendarDay('20240229')).toBe(true);
    expect(isCalendarDay('20250229')).toBe(false);
    expect(isCalendarDay('20261301')).toBe(false);
    expect(addDays('20260228', 1)).toBe('20260301');
    expect(daysFrom('20261230', '20270102')).toEqual(['20261230', '20261231', '20270101', '20270102']);
    expect(spanDays('20260101', '20260101')).toBe(1);
  });
});

describe('backfill refusals', () => {
  test('the range: only past days, at most the configured span', () => {
    expect(rangeRefusal('20260601', '20260603', '20261128', 93)).toBeUndefined();
    expect(rangeRefusal('20261120', '20261128', '20261128', 93)).toContain('to: 20261128 is not a past day');
    expect(rangeRefusal('20260101', '20260405', '20261128', 93)).toContain('spans 95 days, more than thresholds.maxBackfillDays (93)');
  });

  test('the date column: present, and a date, datetime or timestamp', () => {
    expect(dateColumnRefusal(columns, 'PLACED_AT', table)).toBeUndefined();
    expect(dateColumnRefusal(columns, 'note', table)).toBe(
      'dateColumn: shop.orders.note is varchar(20), not a date, datetime or timestamp column (date columns: placed_at, placed_on)',
    );
    expect(dateColumnRefusal(columns, 'gone', table)).toContain('has no column gone (columns: id, placed_at, placed_on, note)');
  });
});

describe('partition naming follows the endpoint', () => {
  test('day sequences and delimiters', () => {
    const naming = (s: Record<string, unknown>) => {
      const result = partitionNaming({ DatePartitionEnabled: true, ...s }, 'e');
      if (!result.ok) throw new Error(result.reason);
      return result.naming;
    };
    expect(partitionFolder('20260601', naming({ DatePartitionSequence: 'YYYYMMDD', DatePartitionDelimiter: 'NONE' }))).toBe('20260601');
    expect(partitionFolder('20260601', naming({}))).toBe('2026/06/01');
    expect(partitionFolder('20260601', naming({ DatePartitionSequence: 'DDMMYYYY', DatePartitionDelimiter: 'DASH' }))).toBe('01-06-2026');
    expect(partitionNaming({ DatePartitionEnabled: true, DatePartitionSequence: 'YYYYMMDDHH' }, 'e')).toMatchObject({ ok: false });
    expect(partitionNaming({}, 'e')).toMatchObject({ ok: false });
  });

  test('a DatePartitionTimezone names the days: a day past in UTC may still be written there', () => {
    const result = partitionNaming({ DatePartitionEnabled: true, DatePartitionTimezone: 'America/Los_Angeles' }, 'lake');
    expect(result).toMatchObject({ ok: true, naming: { timezone: 'America/Los_Angeles' } });
    if (!result.ok) return;
    // 2026-06-02 03:00 UTC is still 2026-06-01 in Los Angeles (UTC−7 in summer).
    const at = Date.UTC(2026, 5, 2, 3, 0, 0);
    expect(msToDayIn(at, undefined)).toBe('20260602');
    expect(msToDayIn(at, 'America/Los_Angeles')).toBe('20260601');
    expect(zoneDayRefusal('20260601', result.naming, msToDayIn(at, 'America/Los_Angeles'), 'lake')).toContain(
      'to: 20260601 is not a past day in America/Los_Angeles (today there is 20260601), the DatePartitionTimezone of S3 endpoint lake',
    );
    expect(zoneDayRefusal('20260531', result.naming, msToDayIn(at, 'America/Los_Angeles'), 'lake')).toBeUndefined();
    const utc = partitionNaming({ DatePartitionEnabled: true }, 'lake');
    if (utc.ok) expect(zoneDayRefusal('20260601', utc.naming, '20260602', 'lake')).toBeUndefined();
  });
});

describe('the staging mapping and layout', () => {
  test('a date column is filtered with eq, a datetime(3) with between up to the last millisecond', () => {
    expect(dayFilter('20260601', columns[2]!)['filter-conditions']).toEqual([{ 'filter-operator': 'eq', value: '2026-06-01' }]);
    expect(dayFilter('20260601', columns[1]!)['filter-conditions']).toEqual([
      { 'filter-operator': 'between', 'start-value': '2026-06-01 00:00:00', 'end-value': '2026-06-01 23:59:59.999' },
    ]);
  });

  test('the live filters and column rules are kept, the schema is renamed to the day, the mapping is valid', () => {
    const live: TableMapping = newTaskMapping(table);
    (live.rules[0] as { filters?: unknown[] }).filters = [
      { 'filter-type': 'source', 'column-name': 'id', 'filter-conditions': [{ 'filter-operator': 'gte', value: '100' }] },
    ];
    live.rules.push({
      'rule-type': 'transformation',
      'rule-id': '9',
      'rule-name': 'drop-note',
      'rule-target': 'column',
      'object-locator': { 'schema-name': 'shop', 'table-name': 'orders', 'column-name': 'note' },
      'rule-action': 'remove-column',
    });
    const mapping = backfillMapping(table, '20260601', columns[1]!, live);
    expect(() => parseTableMapping(JSON.stringify(mapping))).not.toThrow();
    const selection = mapping.rules[0] as { filters: Array<{ 'column-name': string }> };
    expect(selection.filters.map((f) => f['column-name'])).toEqual(['id', 'placed_at']);
    expect(mapping.rules[1]).toMatchObject({ 'rule-target': 'schema', 'rule-action': 'rename', value: '20260601' });
    expect(mapping.rules.map((r) => r['rule-name'])).toEqual([
      'include-shop-orders',
      'stage-20260601',
      'add-ar-h-change-seq',
      'add-ar-h-operation',
      'add-ar-h-timestamp',
      'drop-note',
    ]);
    // Without a live task: the pipeline's metadata columns are added.
    expect(backfillMapping(table, '20260601', columns[1]!, undefined).rules.filter((r) => r['rule-action'] === 'add-column')).toHaveLength(
      3,
    );
  });

  test('staging and quarantine live at the bucket root, named by the workflow; identifiers are valid DMS names', () => {
    const layout = backfillLayout('dms', table, 'backfill shop.orders #1', { sequence: 'YYYYMMDD', delimiter: 'NONE' });
    expect(layout.stagingDay('20260601')).toBe('_staging/backfill_shop.orders__1/20260601/orders/');
    expect(layout.livePartition('20260601')).toBe('dms/shop/orders/20260601/');
    expect(layout.quarantineOf('20260601')).toBe('_quarantine/backfill_shop.orders__1/dms/shop/orders/20260601/');
    // The rewrite marker's moves for a day: the live files aside, then the staged ones in (docs/downstream.md).
    expect(publishMoves(layout, '20260601')).toEqual([
      {
        from: 'dms/shop/orders/20260601/',
        to: '_quarantine/backfill_shop.orders__1/dms/shop/orders/20260601/',
        manifest: layout.quarantineManifest('20260601'),
      },
      {
        from: '_staging/backfill_shop.orders__1/20260601/orders/',
        to: 'dms/shop/orders/20260601/',
        manifest: layout.publishManifest('20260601'),
      },
    ]);
    const ids = temporaryIdentifiers('0190f3a2-7b1c-4d2e-9f00-123456789abc');
    expect(ids.endpoint).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(ids.task('20260601')).toBe('bf0190f3a27b1c-20260601');
    expect(
      stagingS3Settings(
        { BucketName: 'b', BucketFolder: 'dms', DatePartitionEnabled: true, DatePartitionSequence: 'YYYYMMDD', DataFormat: 'parquet' },
        '_staging/x',
      ),
    ).toEqual({ BucketName: 'b', BucketFolder: '_staging/x', DatePartitionEnabled: false, DataFormat: 'parquet' });
  });
});
