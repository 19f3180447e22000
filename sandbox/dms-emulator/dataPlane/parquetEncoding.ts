import { parquetWriteBuffer } from 'hyparquet-writer';
import type { AddColumnDataType } from '../../../domain/tableMappingSchema';
import type { ColumnMeta } from '../emulatorState';

/** The writer's own schema element type (it bundles its own hyparquet). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

/**
 * MySQL values → Parquet columns as the DMS User Guide maps them (sandbox/dms-emulator/README.md#type-mapping-mysql--parquet, FIDELITY.md "Parquet types
 * and change sequence"): "Source data types for MySQL" gives the DMS type (UNSIGNED BIGINT → UINT8, DECIMAL →
 * NUMERIC, BIT → BOOLEAN, BIT(64) → BYTES(8), YEAR → INT2, FLOAT → REAL(DOUBLE)), "Target data types for S3 Parquet"
 * the Parquet type (UINT8 → UINT64, NUMERIC → DECIMAL, BOOLEAN → BOOL, DATETIME → TIMESTAMP, …), and
 * ParquetTimestampInMillisecond the timestamp unit (microseconds unless set). Values never pass through a JS number
 * when they may not fit one: DECIMAL is written from its exact digits as an unscaled bigint, 64-bit integers as
 * bigints, timestamps as bigint microseconds parsed from the source text. Everything is nullable, as DMS writes it.
 */

export interface ParquetColumn {
  element: SchemaElement;
  convert(value: unknown): unknown;
}

/** How the target endpoint asks for timestamps: DMS writes microseconds unless ParquetTimestampInMillisecond. */
export type TimestampUnit = 'MILLIS' | 'MICROS';

const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

function parseDate(v: unknown): Date | null {
  const match = /^(\d{4})[-:](\d{2})[-:](\d{2})/.exec(text(v));
  if (!match || match[1] === '0000' || match[2] === '00') return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** Microseconds since the epoch from `YYYY-MM-DD HH:MM:SS[.ffffff]` (or a Date); zero dates → null. */
export function parseMicros(v: unknown): bigint | null {
  if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
  const match = /^(\d{4})[-:](\d{2})[-:](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(text(v));
  if (!match || match[1] === '0000') return null;
  const seconds = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]));
  return BigInt(seconds) * 1000n + BigInt((match[7] ?? '').slice(0, 6).padEnd(6, '0'));
}

/** Floor division (a timestamp before 1970 truncated to milliseconds still rounds down). */
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * A decimal's exact digits as its unscaled integer at `scale` (`"-12.5"` at scale 3 → -12500n). Extra fraction
 * digits are cut, as a NUMERIC(p,s) holds none.
 */
export function unscaledDecimal(value: unknown, scale: number): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text(value).trim());
  if (!match) throw new Error(`not a decimal: ${text(value)}`);
  const digits = `${match[2] || '0'}${(match[3] ?? '').slice(0, scale).padEnd(scale, '0')}`;
  const unscaled = BigInt(digits);
  return match[1] === '-' ? -unscaled : unscaled;
}

/** Bytes of a FIXED_LEN_BYTE_ARRAY that hold every unscaled value of `precision` digits (two's complement). */
export const decimalBytes = (precision: number) => Math.ceil((Math.log2(10 ** precision) + 1) / 8);

const nullable =
  <T>(convert: (v: unknown) => T) =>
  (v: unknown) =>
    v === null || v === undefined ? null : convert(v);

const STRING = (name: string): ParquetColumn => ({
  element: { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  convert: nullable(text),
});
type IntAnnotation = 'INT_8' | 'INT_16' | 'UINT_8' | 'UINT_16' | 'UINT_32' | 'UINT_64';
const INT32 = (name: string, annotation?: IntAnnotation): ParquetColumn => ({
  element: { name, type: 'INT32', ...(annotation ? { converted_type: annotation } : {}), repetition_type: 'OPTIONAL' },
  convert: nullable((v) => Number(v)),
});
const INT64 = (name: string, annotation?: IntAnnotation): ParquetColumn => ({
  element: { name, type: 'INT64', ...(annotation ? { converted_type: annotation } : {}), repetition_type: 'OPTIONAL' },
  convert: nullable((v) => (typeof v === 'bigint' ? v : BigInt(text(v).split('.')[0]!))),
});
export const TIMESTAMP = (name: string, unit: TimestampUnit): ParquetColumn => ({
  element: {
    name,
    type: 'INT64',
    converted_type: unit === 'MICROS' ? 'TIMESTAMP_MICROS' : 'TIMESTAMP_MILLIS',
    repetition_type: 'OPTIONAL',
  },
  convert: nullable((v) => {
    const micros = parseMicros(v);
    return micros === null ? null : unit === 'MICROS' ? micros : floorDiv(micros, 1000n);
  }),
});
const DECIMAL = (name: string, precision: number, scale: number): ParquetColumn => ({
  element: {
    name,
    type: 'FIXED_LEN_BYTE_ARRAY',
    type_length: decimalBytes(precision),
    converted_type: 'DECIMAL',
    precision,
    scale,
    repetition_type: 'OPTIONAL',
  },
  convert: nullable((v) => unscaledDecimal(v, scale)),
});
const BINARY = (name: string): ParquetColumn => ({
  element: { name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
  convert: nullable((v) => (Buffer.isBuffer(v) ? new Uint8Array(v) : new TextEncoder().encode(text(v)))),
});

/** A BIT value (bytes from a full load, `b'0101'` or digits from the binlog) as an unsigned integer. */
function bitValue(v: unknown): bigint {
  if (Buffer.isBuffer(v)) return v.length ? BigInt(`0x${v.toString('hex')}`) : 0n;
  const t = text(v);
  const literal = /^b'([01]*)'$/i.exec(t);
  if (literal) return literal[1] ? BigInt(`0b${literal[1]}`) : 0n;
  return BigInt(t);
}

const typeArgs = (columnType: string) =>
  (/\(([^)]*)\)/.exec(columnType)?.[1] ?? '')
    .split(',')
    .map((a) => Number(a.trim()))
    .filter((n) => Number.isFinite(n));

/** The Parquet column for a source column. */
export function sourceColumn(name: string, meta: ColumnMeta, unit: TimestampUnit = 'MICROS'): ParquetColumn {
  switch (meta.dataType) {
    case 'tinyint':
      return INT32(name, meta.unsigned ? 'UINT_8' : 'INT_8');
    case 'smallint':
      return INT32(name, meta.unsigned ? 'UINT_16' : 'INT_16');
    case 'year':
      return INT32(name, 'INT_16');
    case 'mediumint':
    case 'int':
    case 'integer':
      // UINT4 → UINT32: written as a plain INT64, as Arrow writes uint32 for Parquet 1.0 (inferred, FIDELITY.md).
      return meta.unsigned ? INT64(name) : INT32(name);
    case 'bigint':
      return meta.unsigned ? INT64(name, 'UINT_64') : INT64(name);
    case 'decimal':
    case 'numeric': {
      const [precision = 10, scale = 0] = typeArgs(meta.columnType);
      return DECIMAL(name, precision, scale);
    }
    case 'bit': {
      const [width = 1] = typeArgs(meta.columnType);
      if (width === 1) {
        return {
          element: { name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
          convert: nullable((v) => bitValue(v) !== 0n),
        };
      }
      // BIT(n > 1) → BYTES: the value's ceil(n/8) bytes, big-endian (documented for BIT(64) only).
      const bytes = Math.ceil(width / 8);
      return {
        element: { name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        convert: nullable((v) => {
          const hex = bitValue(v)
            .toString(16)
            .padStart(bytes * 2, '0');
          return new Uint8Array(Buffer.from(hex, 'hex'));
        }),
      };
    }
    case 'float':
    case 'double':
    case 'real':
      return { element: { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }, convert: nullable((v) => Number(v)) };
    case 'date':
      return { element: { name, type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' }, convert: nullable(parseDate) };
    case 'datetime':
    case 'timestamp':
      return TIMESTAMP(name, unit);
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return BINARY(name);
    default:
      // char, varchar, text, enum, set, json, time and anything else: exact text.
      return STRING(name);
  }
}

/** The Parquet column for an add-column rule's data-type. */
export function headerColumn(name: string, dataType: AddColumnDataType, unit: TimestampUnit = 'MICROS'): ParquetColumn {
  switch (dataType.type) {
    case 'int1':
    case 'int2':
    case 'int4':
    case 'uint1':
    case 'uint2':
      return INT32(name);
    case 'int8':
    case 'uint4':
    case 'uint8':
      return INT64(name);
    case 'datetime':
      return TIMESTAMP(name, unit);
    default:
      return STRING(name);
  }
}

export const opColumn = (name = 'Op') => STRING(name);
/**
 * TimestampColumnName: "an additional STRING column" holding `yyyy-MM-dd HH:mm:ss.SSSSSS` ("Using Amazon S3 as a
 * target", timestampColumnName); ParquetTimestampInMillisecond "has no effect on the string format".
 */
export const timestampColumn = (name: string) => STRING(name);

export function encodeParquet(columns: ParquetColumn[], rows: unknown[][]): Uint8Array {
  const columnData = columns.map((column, i) => ({ name: column.element.name, data: rows.map((row) => column.convert(row[i])) }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema: [{ name: 'schema', num_children: columns.length }, ...columns.map((c) => c.element)],
    createdBy: 'dms-runbooks DMS emulator',
  });
  return new Uint8Array(buffer);
}

/**
 * Encodes rows into files of at most maxBytes each (DMS's MaxFileSize): the first encoding measures bytes per
 * row, and a part still too big is halved.
 */
export function encodeSplit(columns: ParquetColumn[], rows: unknown[][], maxBytes: number): Uint8Array[] {
  const whole = encodeParquet(columns, rows);
  if (whole.byteLength <= maxBytes || rows.length <= 1) return [whole];
  const perFile = Math.max(1, Math.floor((rows.length * maxBytes * 0.9) / whole.byteLength));
  const files: Uint8Array[] = [];
  const pending: unknown[][][] = [];
  for (let i = 0; i < rows.length; i += perFile) pending.push(rows.slice(i, i + perFile));
  while (pending.length > 0) {
    const part = pending.shift()!;
    const encoded = encodeParquet(columns, part);
    if (encoded.byteLength > maxBytes && part.length > 1) {
      const half = Math.ceil(part.length / 2);
      pending.unshift(part.slice(0, half), part.slice(half));
    } else {
      files.push(encoded);
    }
  }
  return files;
}
