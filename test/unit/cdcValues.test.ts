import { decodeBinlogValue } from '../../sandbox/dms-emulator/cdc/cdcValues';
import { sourceColumn } from '../../sandbox/dms-emulator/dataPlane/parquetEncoding';
import type { ColumnMeta } from '../../sandbox/dms-emulator/emulatorState';

/** Binlog values as CDC writes them: the same exact values a full load reads, in the types DMS writes. */

const meta = (dataType: string, columnType: string): ColumnMeta => ({
  name: 'c',
  dataType,
  columnType,
  unsigned: /unsigned/.test(columnType),
});

test('a TIMESTAMP(6) printed as epoch seconds keeps its microseconds', () => {
  const value = decodeBinlogValue({ text: '1780308000.123456' }, meta('timestamp', 'timestamp(6)'));
  expect(value).toBe('2026-06-01 10:00:00.123456');
  expect(sourceColumn('c', meta('timestamp', 'timestamp(6)')).convert(value)).toBe(1780308000123456n);
  expect(decodeBinlogValue({ text: '1780308000' }, meta('timestamp', 'timestamp'))).toBe('2026-06-01 10:00:00');
});

test('a BIGINT UNSIGNED beyond 2^63 comes from the unsigned reading, exactly', () => {
  const column = meta('bigint', 'bigint(20) unsigned');
  const value = decodeBinlogValue({ text: '-1', unsignedText: '18446744073709551615' }, column);
  expect(sourceColumn('c', column).convert(value)).toBe(18446744073709551615n);
});

test("BIT(1) from the binlog (b'1') is a boolean, DECIMAL text an exact unscaled integer", () => {
  expect(sourceColumn('c', meta('bit', 'bit(1)')).convert("b'1'")).toBe(true);
  expect(sourceColumn('c', meta('bit', 'bit(1)')).convert("b'0'")).toBe(false);
  expect(sourceColumn('c', meta('decimal', 'decimal(30,10)')).convert('-12345678901234567890.1234567891')).toBe(
    -123456789012345678901234567891n,
  );
});
