import { parquetWriteBuffer } from 'hyparquet-writer';
import type { AddColumnDataType } from '../../../domain/tableMappingSchema';
import type { ColumnMeta } from '../emulatorState';

/** The writer's own schema element type (it bundles its own hyparquet). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

/**
 * MySQL values → Parquet columns, the choices the README's type table documents: integers as INT32/INT64,
 * DECIMAL as its exact decimal string, DATE as DATE, DATETIME/TIMESTAMP as TIMESTAMP_MILLIS (UTC), text,
 * ENUM and SET as strings (labels), binary as BYTE_ARRAY. Everything is nullable, as DMS writes it.
 */

export interface ParquetColumn {
  element: SchemaElement;
  convert(value: unknown): unknown;
}

const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

function parseDate(v: unknown): Date | null {
  const match = /^(\d{4})[-:](\d{2})[-:](\d{2})/.exec(text(v));
  if (!match || match[1] === '0000' || match[2] === '00') return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

function parseDateTime(v: unknown): Date | null {
  if (v instanceof Date) return v;
  const match = /^(\d{4})[-:](\d{2})[-:](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(text(v));
  if (!match || match[1] === '0000') return null;
  const ms = match[7] ? Number(match[7].slice(0, 3).padEnd(3, '0')) : 0;
  return new Date(
    Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]), ms),
  );
}

const nullable =
  <T>(convert: (v: unknown) => T) =>
  (v: unknown) =>
    v === null || v === undefined ? null : convert(v);

const STRING = (name: string): ParquetColumn => ({
  element: { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  convert: nullable(text),
});
const INT32 = (name: string): ParquetColumn => ({
  element: { name, type: 'INT32', repetition_type: 'OPTIONAL' },
  convert: nullable((v) => Number(v)),
});
const INT64 = (name: string): ParquetColumn => ({
  element: { name, type: 'INT64', repetition_type: 'OPTIONAL' },
  convert: nullable((v) => (typeof v === 'bigint' ? v : BigInt(text(v).split('.')[0]!))),
});
const TIMESTAMP = (name: string): ParquetColumn => ({
  element: { name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' },
  convert: nullable(parseDateTime),
});

/** The Parquet column for a source column. */
export function sourceColumn(name: string, meta: ColumnMeta): ParquetColumn {
  switch (meta.dataType) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'year':
      return INT32(name);
    case 'int':
    case 'integer':
      return meta.unsigned ? INT64(name) : INT32(name);
    case 'bigint':
      // An unsigned BIGINT may not fit a signed INT64: keep its exact digits.
      return meta.unsigned ? STRING(name) : INT64(name);
    case 'bit':
      return {
        element: { name, type: 'INT64', repetition_type: 'OPTIONAL' },
        convert: nullable((v) => (Buffer.isBuffer(v) ? BigInt(`0x${v.toString('hex') || '0'}`) : BigInt(text(v)))),
      };
    case 'float':
      return { element: { name, type: 'FLOAT', repetition_type: 'OPTIONAL' }, convert: nullable((v) => Number(v)) };
    case 'double':
    case 'real':
      return { element: { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }, convert: nullable((v) => Number(v)) };
    case 'date':
      return { element: { name, type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' }, convert: nullable(parseDate) };
    case 'datetime':
    case 'timestamp':
      return TIMESTAMP(name);
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return {
        element: { name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        convert: nullable((v) => (Buffer.isBuffer(v) ? new Uint8Array(v) : new TextEncoder().encode(text(v)))),
      };
    default:
      // char, varchar, text, enum, set, json, decimal, time and anything else: exact text.
      return STRING(name);
  }
}

/** The Parquet column for an add-column rule's data-type. */
export function headerColumn(name: string, dataType: AddColumnDataType): ParquetColumn {
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
      return TIMESTAMP(name);
    default:
      return STRING(name);
  }
}

export const opColumn = (name = 'Op') => STRING(name);
export const timestampColumn = (name: string) => TIMESTAMP(name);

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
