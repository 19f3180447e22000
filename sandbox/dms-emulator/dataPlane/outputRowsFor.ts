import type { TableMapping } from '../../../domain/tableMappingSchema';
import type { EmulatorContext } from '../emulatorContext';
import type { ColumnMeta } from '../emulatorState';
import { rowShape, type RowShape } from './outputRows';
import type { S3TargetSettings } from './s3Layout';
import type { LobHandling } from './taskSettings';

/**
 * Full-load rows as written: `I` ops, one change sequence per row (or none under `fullLoadChangeSeq: empty`), the
 * load time as every timestamp.
 */
export function outputRowsFor(
  ctx: EmulatorContext,
  mapping: TableMapping,
  schema: string,
  table: string,
  columns: ColumnMeta[],
  settings: S3TargetSettings,
  rows: unknown[][],
  loadMs: number,
  lob?: LobHandling,
): { shape: RowShape; fileRows: unknown[][] } {
  const shape = rowShape(mapping, schema, table, columns, settings, settings.includeOpForFullLoad, lob);
  const emptySeq = ctx.behaviour().fullLoadChangeSeq === 'empty';
  const fileRows = rows.map((values) =>
    shape.toRow('I', values, {
      changeSeq: emptySeq ? null : ctx.nextChangeSeq(),
      operation: 'INSERT',
      timestampMs: loadMs,
      commitMs: loadMs,
      streamPosition: '',
    }),
  );
  return { shape, fileRows };
}
