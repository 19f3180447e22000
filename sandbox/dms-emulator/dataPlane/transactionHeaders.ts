import type { TransactionHeader } from '../../../domain/tableMappingSchema';

/** The values of one change's transaction headers ($AR_H_*), and how each lands in its column's type. */
export interface HeaderValues {
  /** null: a full-load row under `fullLoadChangeSeq: empty` (behaviourSettings.ts). */
  changeSeq: { text: string; counter: bigint } | null;
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  timestampMs: number;
  commitMs: number;
  streamPosition: string;
}

/** `2026-06-01 10:00:00.000000`, the form DMS writes timestamps in string columns. */
export function formatTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000`;
}

export function headerValue(
  expression: TransactionHeader,
  parquetType: string | undefined,
  convertedType: string | undefined,
  h: HeaderValues,
): unknown {
  const numeric = parquetType === 'INT32' || parquetType === 'INT64';
  const temporal = convertedType === 'TIMESTAMP_MILLIS' || convertedType === 'TIMESTAMP_MICROS';
  switch (expression) {
    case '$AR_H_CHANGE_SEQ':
      if (h.changeSeq === null) return numeric ? null : '';
      return numeric ? h.changeSeq.counter : h.changeSeq.text;
    case '$AR_H_OPERATION':
      return h.operation;
    case '$AR_H_TIMESTAMP':
      return temporal ? new Date(h.timestampMs) : numeric ? BigInt(Math.round(h.timestampMs)) : formatTimestamp(h.timestampMs);
    case '$AR_H_COMMIT_TIMESTAMP':
      return temporal ? new Date(h.commitMs) : numeric ? BigInt(Math.round(h.commitMs)) : formatTimestamp(h.commitMs);
    case '$AR_H_STREAM_POSITION':
      return h.streamPosition;
  }
}
