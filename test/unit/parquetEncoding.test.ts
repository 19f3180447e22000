import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { decimalText, readExactRows } from '../../activities/parquetExactRows';
import { encodeParquet, sourceColumn, unscaledDecimal } from '../../sandbox/dms-emulator/dataPlane/parquetEncoding';
import type { ColumnMeta } from '../../sandbox/dms-emulator/emulatorState';

/**
 * The emulator's Parquet encoding of MySQL values (sandbox/dms-emulator/README.md#type-mapping-mysql--parquet) read back by the runbooks' exact reader:
 * no DECIMAL or 64-bit unsigned value passes through a JS number on either side; timestamps at the unit
 * ParquetTimestampInMillisecond chooses.
 */

const meta = (name: string, dataType: string, columnType: string): ColumnMeta => ({
  name,
  dataType,
  columnType,
  unsigned: /unsigned/.test(columnType),
});

async function roundTrip(columns: ColumnMeta[], rows: unknown[][], unit: 'MILLIS' | 'MICROS' = 'MICROS') {
  const file = encodeParquet(
    columns.map((c) => sourceColumn(c.name, c, unit)),
    rows,
  ).buffer as ArrayBuffer;
  const metadata = parquetMetadata(file);
  return { metadata, rows: await readExactRows({ file, metadata }), file };
}

test('DECIMAL(30,10) and BIGINT UNSIGNED keep every digit, negative and near 2^64 included', async () => {
  const columns = [meta('amount', 'decimal', 'decimal(30,10)'), meta('big', 'bigint', 'bigint(20) unsigned')];
  const { metadata, rows } = await roundTrip(columns, [
    ['12345678901234567890.1234567891', '18446744073709551615'],
    ['-0.0000000001', '9007199254740993'],
    ['5', '0'],
    [null, null],
  ]);
  expect(metadata.schema[1]).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', converted_type: 'DECIMAL', precision: 30, scale: 10 });
  expect(metadata.schema[2]).toMatchObject({ type: 'INT64', converted_type: 'UINT_64' });
  expect(rows).toEqual([
    { amount: '12345678901234567890.1234567891', big: 18446744073709551615n },
    { amount: '-0.0000000001', big: 9007199254740993n },
    { amount: '5.0000000000', big: 0n },
    { amount: null, big: null },
  ]);
});

test('unscaled decimals and their text are inverse, whatever the physical form', () => {
  expect(unscaledDecimal('-12.5', 3)).toBe(-12500n);
  expect(unscaledDecimal('0.129', 2)).toBe(12n);
  expect(decimalText(-12500n, 3)).toBe('-12.500');
  expect(decimalText(7, 0)).toBe('7');
  expect(decimalText(new Uint8Array([0xff, 0xff]), 2)).toBe('-0.01');
  expect(decimalText(new Uint8Array([0x00, 0x80]), 1)).toBe('12.8');
});

test('BIT(1) is a BOOLEAN, small integers carry INT/UINT annotations, FLOAT is a DOUBLE', async () => {
  const columns = [
    meta('flag', 'bit', 'bit(1)'),
    meta('tiny', 'tinyint', 'tinyint(4)'),
    meta('year', 'year', 'year(4)'),
    meta('small', 'tinyint', 'tinyint(3) unsigned'),
    meta('mid', 'smallint', 'smallint(5) unsigned'),
    meta('f', 'float', 'float'),
  ];
  const { metadata, rows } = await roundTrip(columns, [[Buffer.from([1]), '-128', '2026', '255', '65535', '1.5']]);
  expect(metadata.schema.slice(1).map((e) => [e.type, e.converted_type])).toEqual([
    ['BOOLEAN', undefined],
    ['INT32', 'INT_8'],
    ['INT32', 'INT_16'],
    ['INT32', 'UINT_8'],
    ['INT32', 'UINT_16'],
    ['DOUBLE', undefined],
  ]);
  expect(rows).toEqual([{ flag: true, tiny: -128, year: 2026, small: 255, mid: 65535, f: 1.5 }]);
});

test('DATETIME(6) in microseconds by default, in milliseconds with ParquetTimestampInMillisecond', async () => {
  const columns = [meta('at', 'datetime', 'datetime(6)')];
  const value = '2026-06-01 10:00:00.123456';
  const raw = { timestampFromMicroseconds: (v: bigint) => v as never, timestampFromMilliseconds: (v: bigint) => v as never };
  const micros = await roundTrip(columns, [[value]], 'MICROS');
  expect(micros.metadata.schema[1]!.converted_type).toBe('TIMESTAMP_MICROS');
  expect((await parquetReadObjects({ file: micros.file, parsers: raw }))[0]!.at).toBe(1780308000123456n);
  const millis = await roundTrip(columns, [[value]], 'MILLIS');
  expect(millis.metadata.schema[1]!.converted_type).toBe('TIMESTAMP_MILLIS');
  expect((await parquetReadObjects({ file: millis.file, parsers: raw }))[0]!.at).toBe(1780308000123n);
});
