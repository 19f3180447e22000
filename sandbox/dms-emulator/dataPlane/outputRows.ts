import type { TableMapping } from '../../../domain/tableMappingSchema';
import type { ColumnMeta } from '../emulatorState';
import { outputColumns } from '../mapping/tableTransformations';
import { headerColumn, opColumn, type ParquetColumn, sourceColumn, timestampColumn } from './parquetEncoding';
import type { S3TargetSettings } from './s3Layout';
import { LOB_DATA_TYPES, type LobHandling, lobValue } from './taskSettings';
import { formatTimestamp, headerValue, type HeaderValues } from './transactionHeaders';

/**
 * The columns of a table's S3 files and how a source row becomes a file row: `Op` first (CDC always,
 * full load with IncludeOpForFullLoad), then TimestampColumnName, the data columns, the add-column columns.
 */
export interface RowShape {
  columns: ParquetColumn[];
  toRow(op: 'I' | 'U' | 'D' | undefined, values: unknown[], headers: HeaderValues): unknown[];
}

export function rowShape(
  mapping: TableMapping,
  schema: string,
  table: string,
  meta: ColumnMeta[],
  settings: S3TargetSettings,
  withOp: boolean,
  lob?: LobHandling,
): RowShape {
  const out = outputColumns(mapping, schema, table, meta);
  const columns: ParquetColumn[] = [];
  const unit = settings.parquetTimestampInMillisecond ? 'MILLIS' : 'MICROS';
  if (withOp) columns.push(opColumn());
  if (settings.timestampColumnName) columns.push(timestampColumn(settings.timestampColumnName));
  const dataColumns = out.map((column) =>
    column.kind === 'source' ? sourceColumn(column.name, column.meta, unit) : headerColumn(column.name, column.dataType, unit),
  );
  columns.push(...dataColumns);
  return {
    columns,
    toRow(op, values, headers) {
      const row: unknown[] = [];
      if (withOp) row.push(op);
      // Commit time in CDC, transfer time in full load (both carried by commitMs).
      if (settings.timestampColumnName) row.push(formatTimestamp(headers.commitMs));
      out.forEach((column, i) => {
        if (column.kind !== 'source') {
          row.push(headerValue(column.expression, dataColumns[i]!.element.type, dataColumns[i]!.element.converted_type, headers));
        } else if (lob && LOB_DATA_TYPES.has(column.meta.dataType)) {
          // The task's LOB settings apply alike to full-load rows and CDC changes.
          row.push(lobValue(values[column.index], lob));
        } else {
          row.push(values[column.index]);
        }
      });
      return row;
    },
  };
}
