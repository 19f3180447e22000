import crypto from 'node:crypto';
import type { ChecksumSpec } from '../domain/verification';

/**
 * The source side of a table checksum read in primary-key chunks, so that a retry resumes where the last attempt
 * stopped instead of rescanning the table (a 2-hour scan retried ten times was 20 hours of load nobody approved).
 * Every aggregate the checksum uses folds across chunks: COUNT and SUM add, BIT_XOR xors, MAX keeps the larger,
 * and an ENUM distribution adds its counts per label.
 *
 * What a chunked scan gives up: one SELECT reads one consistent snapshot (InnoDB consistent read), chunks read at
 * their own moments. On a table written during the scan the difference is of the same kind as the lake's own lag
 * behind the source, which the verification already reads as "changed since"; a table that fits one chunk is
 * still read by one statement.
 */

/** The running sums of a scan so far: the same names as the single statement's columns, as decimal strings. */
export type ScanTotals = Record<string, string | null>;

export interface ScanCheckpoint {
  /** Which scan this checkpoint belongs to: a changed spec (table, columns) starts again from the first row. */
  scan: string;
  /** The primary key of the last row read; the next chunk starts after it. */
  after: Array<string | number>;
  chunks: number;
  totals: ScanTotals;
  distributions: Record<string, Record<string, number>>;
}

/** Stands for NULL among the labels of a distribution kept in a checkpoint (JSON keys are strings). */
export const NULL_LABEL = '\u0000null';

export function scanId(source: string, spec: ChecksumSpec): string {
  return crypto.createHash('sha256').update(JSON.stringify({ source, spec })).digest('hex').slice(0, 16);
}

/** A checkpoint left by an earlier attempt of the same scan, or undefined (none, or another scan's). */
export function resumableCheckpoint(details: unknown, scan: string): ScanCheckpoint | undefined {
  const checkpoint = (details as { checkpoint?: ScanCheckpoint } | undefined)?.checkpoint;
  return checkpoint && checkpoint.scan === scan && Array.isArray(checkpoint.after) ? checkpoint : undefined;
}

/** `(a, b) > (?, ?)`: rows after a key, in the key's own order (and collation), as the index reads them. */
export function keyAfter(keyColumns: string[]): string {
  return keyColumns.length === 1 ? `${keyColumns[0]} > ?` : `(${keyColumns.join(', ')}) > (${keyColumns.map(() => '?').join(', ')})`;
}

export function keyAtMost(keyColumns: string[]): string {
  return keyColumns.length === 1 ? `${keyColumns[0]} <= ?` : `(${keyColumns.join(', ')}) <= (${keyColumns.map(() => '?').join(', ')})`;
}

/** A key value as a checkpoint keeps it; undefined when it cannot be written as JSON and read back (bytes). */
export function checkpointValue(value: unknown): string | number | undefined {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** How each column of the aggregate statement folds across chunks. */
function foldOf(column: string): 'add' | 'xor' | 'max' {
  if (/Xor$/.test(column)) return 'xor';
  if (/^lobMax/.test(column)) return 'max';
  return 'add';
}

export function foldTotals(into: ScanTotals, chunk: Record<string, unknown>): ScanTotals {
  const out: ScanTotals = { ...into };
  for (const [column, raw] of Object.entries(chunk)) {
    if (raw === null || raw === undefined) {
      if (!(column in out)) out[column] = null;
      continue;
    }
    // mysql2 gives counts as numbers and sums as decimal strings (bigNumberStrings).
    const value = typeof raw === 'number' || typeof raw === 'bigint' ? BigInt(raw) : BigInt(raw as string);
    const before = out[column];
    if (before === null || before === undefined) {
      out[column] = value.toString();
      continue;
    }
    const previous = BigInt(before);
    const fold = foldOf(column);
    out[column] = (fold === 'add' ? previous + value : fold === 'xor' ? previous ^ value : previous > value ? previous : value).toString();
  }
  return out;
}

export function foldDistribution(into: Record<string, number>, rows: Array<{ label: string | null; n: number }>): Record<string, number> {
  const out = { ...into };
  for (const row of rows) {
    const key = row.label === null ? NULL_LABEL : row.label;
    out[key] = (out[key] ?? 0) + row.n;
  }
  return out;
}

export function distributionRows(counts: Record<string, number>): Array<{ label: string | null; rows: number }> {
  return Object.entries(counts)
    .map(([label, rows]) => ({ label: label === NULL_LABEL ? null : label, rows }))
    .sort((a, b) => String(a.label).localeCompare(String(b.label)));
}
