import { keySegment } from './keySegment';
import { formatTableName, TableName } from './tableName';

/**
 * Rewrite markers: one JSON object per table per runbook run, telling the lake's consumers what the run did to the
 * table's files (docs/downstream.md#rewrite-markers). Written before the run's first S3 change (`state: started`) and
 * completed after it (`finalized`, `published`, `rolled-back`, `failed`). They live at the bucket root, beside the
 * quarantine and the schema snapshots, never under `<folder>/` where the consumer's file stream looks:
 *
 *   _runbooks/rewrite-markers/<workflow id>/<schema>.<table>.json
 */

export const MARKER_FORMAT = 'dms-runbooks/rewrite-marker@1';
export const MARKERS_ROOT = '_runbooks/rewrite-markers/';

export type MarkerState = 'started' | 'finalized' | 'published' | 'rolled-back' | 'failed' | 'cancelled';

export interface MarkerMove {
  /** A key prefix in the bucket (no s3:// and no bucket). */
  from: string;
  to: string;
  /** Objects moved; absent while the move has not run. */
  objects?: number;
  /** The move's manifest (every key and size). */
  manifest?: string;
}

export interface RewriteMarker {
  format: typeof MARKER_FORMAT;
  /** `schema.table`. */
  table: string;
  bucket: string;
  /** `<folder>/<schema>/<table>/`: the prefix the consumer reads. */
  tablePrefix: string;
  runbook: { kind: 'fullReload' | 'backfillPartitions' | 'onboardTable'; workflowId: string; runId: string };
  state: MarkerState;
  createdAt: string;
  updatedAt: string;
  /** What the run moved where (quarantine, rollback, publish). */
  moves: MarkerMove[];
  /**
   * The keys DMS will write (before) or wrote (after). `pattern` is what DMS names them; `collisions` are keys under
   * the table's prefix that the consumer has seen before and that DMS will write again (see domain/consumerHazards.ts).
   */
  keys: { pattern: string; collisions: string[]; written?: string[] };
  /**
   * The snapshot boundary: the table's rows are the full-load (`LOAD…`) files written after `loadStartedAfter`, plus
   * CDC files written after them. A consumer rebuilding the table replaces every row it holds with that snapshot.
   */
  snapshot: { kind: 'full-load' | 'partitions' | 'schema-change'; loadStartedAfter?: string; partitions?: string[] };
  /** What the rebuild must do about rows without a change sequence (full-load rows may carry an empty one). */
  rebuild: { mode: 'replace-from-live-files'; loadRowsWithoutChangeSeq: 'baseline-before-every-change' };
  /** The consumers the run pauses and asks to rebuild. */
  consumers: string[];
  /** Free text for a person: what happened, what the consumer did. */
  notes: string[];
}

export function markerKey(workflowId: string, table: TableName): string {
  return `${MARKERS_ROOT}${keySegment(workflowId)}/${table.schema}.${table.table}.json`;
}

export interface NewMarker {
  table: TableName;
  bucket: string;
  tablePrefix: string;
  runbook: RewriteMarker['runbook'];
  at: string;
  moves: MarkerMove[];
  collisions: string[];
  snapshot: RewriteMarker['snapshot'];
  consumers: string[];
}

export function newMarker(m: NewMarker): RewriteMarker {
  return {
    format: MARKER_FORMAT,
    table: formatTableName(m.table),
    bucket: m.bucket,
    tablePrefix: m.tablePrefix,
    runbook: m.runbook,
    state: 'started',
    createdAt: m.at,
    updatedAt: m.at,
    moves: m.moves,
    keys: { pattern: `${m.tablePrefix}[<date folder>/]LOAD<8 hex digits>.parquet`, collisions: m.collisions },
    snapshot: m.snapshot,
    rebuild: { mode: 'replace-from-live-files', loadRowsWithoutChangeSeq: 'baseline-before-every-change' },
    consumers: m.consumers,
    notes: [],
  };
}

/** The marker completed: its final state, what was written, the moves as made. */
export function completeMarker(
  marker: RewriteMarker,
  change: { state: MarkerState; at: string; written?: string[]; moves?: MarkerMove[]; note?: string },
): RewriteMarker {
  return {
    ...marker,
    state: change.state,
    updatedAt: change.at,
    moves: change.moves ?? marker.moves,
    keys: change.written ? { ...marker.keys, written: change.written } : marker.keys,
    notes: change.note ? [...marker.notes, change.note] : marker.notes,
  };
}

/** Checks a marker read back (a consumer's rebuild, the doctor): the format and the fields a rebuild relies on. */
export function parseMarker(value: unknown): { ok: true; marker: RewriteMarker } | { ok: false; reason: string } {
  const m = value as Partial<RewriteMarker> | null;
  if (!m || typeof m !== 'object') return { ok: false, reason: 'not a JSON object' };
  if (m.format !== MARKER_FORMAT) return { ok: false, reason: `format is ${JSON.stringify(m.format)}, expected "${MARKER_FORMAT}"` };
  for (const field of ['table', 'bucket', 'tablePrefix', 'state', 'createdAt'] as const)
    if (typeof m[field] !== 'string') return { ok: false, reason: `${field} is missing` };
  if (!m.runbook?.workflowId) return { ok: false, reason: 'runbook.workflowId is missing' };
  return { ok: true, marker: m as RewriteMarker };
}
