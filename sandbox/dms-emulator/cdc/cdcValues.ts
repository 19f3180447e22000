import type { ColumnMeta } from '../emulatorState';
import type { RawValue } from './binlogText';

/**
 * Turns a binlog value into the value a full load would have read, using the table metadata the task
 * captured at its last full load or reload. The binlog carries ENUM and SET as indexes: with stale metadata
 * (an ENUM reordered since), the label comes out wrong — exactly as DMS gets it wrong.
 */
export function decodeBinlogValue(value: RawValue | undefined, meta: ColumnMeta | undefined): unknown {
  if (!value || value.text === null) return null;
  const text = value.text;
  if (!meta) return text;
  switch (meta.dataType) {
    case 'enum': {
      const index = Number(text);
      if (!Number.isInteger(index)) return text;
      return index === 0 ? '' : (meta.enumLabels?.[index - 1] ?? null);
    }
    case 'set': {
      const mask = Number(text);
      if (!Number.isInteger(mask)) return text;
      return (meta.enumLabels ?? []).filter((_, i) => (mask & (1 << i)) !== 0).join(',');
    }
    case 'timestamp': {
      // TIMESTAMP is printed as epoch seconds; the fraction is kept as digits (microseconds do not fit a float's ms).
      const epoch = /^(\d+)(?:\.(\d+))?$/.exec(text);
      if (!epoch) return text;
      const seconds = new Date(Number(epoch[1]) * 1000).toISOString().slice(0, 19).replace('T', ' ');
      return epoch[2] ? `${seconds}.${epoch[2]}` : seconds;
    }
    default:
      return meta.unsigned && value.unsignedText ? value.unsignedText : text;
  }
}
