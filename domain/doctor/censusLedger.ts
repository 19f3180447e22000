import type { ParquetCensus } from './rowValidation';

/**
 * What the doctor learned about each Parquet file of a table, kept between runs so the next run reads only the
 * footers of files it has not seen: a file is the same when its key, ETag and size are (S3 gives an object a new
 * ETag whenever it is written again, "Object key and metadata" / ETag in the S3 API reference). Files that left the
 * listing drop out, so moved and deleted files stop counting.
 */
export interface CensusEntry {
  key: string;
  etag: string;
  size: number;
  load: boolean;
  rows?: number;
  error?: string;
}

export interface CensusLedger {
  version: 1;
  prefix: string;
  at: string;
  entries: CensusEntry[];
}

/** Where a table's ledger lives in the lake bucket: beside `_quarantine/` and `_staging/`, outside the table folders. */
export const CENSUS_ROOT = '_doctor/census/';
export const censusLedgerKey = (schema: string, table: string) => `${CENSUS_ROOT}${schema}.${table}.json`;

/** The previous entries by key, or none when the ledger is for another prefix, another format, or unreadable. */
export function previousEntries(ledger: unknown, prefix: string): Map<string, CensusEntry> {
  const l = ledger as Partial<CensusLedger> | undefined;
  if (!l || l.version !== 1 || l.prefix !== prefix || !Array.isArray(l.entries)) return new Map();
  return new Map(l.entries.map((e) => [e.key, e]));
}

/** The entry to reuse for a listed object: same ETag and size, and its footer was read without error last time. */
export function reusable(previous: ReadonlyMap<string, CensusEntry>, object: { key: string; etag: string; size: number }) {
  const entry = previous.get(object.key);
  return entry && entry.etag === object.etag && entry.size === object.size && entry.error === undefined ? entry : undefined;
}

/** Adds one file to a census: its rows split between full-load and change files, or its problem. */
export function countEntry(census: ParquetCensus, entry: CensusEntry): void {
  census.files++;
  census.bytesStored += entry.size;
  if (entry.load) census.loadFiles++;
  else census.changeFiles++;
  if (entry.error !== undefined || entry.rows === undefined) {
    census.problems.push({ key: entry.key, error: entry.error ?? 'no row count in the footer' });
    return;
  }
  if (entry.load) census.loadRows += entry.rows;
  else census.changeRows += entry.rows;
}

/**
 * A census of a big table can outlast its activity (the doctor's checks have 30 minutes; a million files at ~300
 * footers a second take about an hour). Without a checkpoint the retry starts from zero and no run ever finishes,
 * so the ledger is written while the census runs, at most once per `CENSUS_CHECKPOINT_MS`: the next attempt then
 * reads only the footers not read yet. Time-based, so a small table writes its ledger once, at the end.
 */
export const CENSUS_CHECKPOINT_MS = 5 * 60_000;

export function checkpointDue(state: { now: number; lastAt: number; footersReadSince: number }, everyMs = CENSUS_CHECKPOINT_MS): boolean {
  return state.footersReadSince > 0 && state.now - state.lastAt >= everyMs;
}

/**
 * The entries of a ledger written part-way: every file counted so far, and the previous run's entries of the keys
 * the listing has not reached yet (ListObjectsV2 lists keys in ascending order), so an interrupted incremental run
 * loses nothing it knew. An entry kept here is still checked against the listing (key, ETag, size) before reuse.
 */
export function checkpointEntries(counted: readonly CensusEntry[], previous: ReadonlyMap<string, CensusEntry>): CensusEntry[] {
  const last = counted.at(-1)?.key;
  if (last === undefined) return [...previous.values()];
  const ahead: CensusEntry[] = [];
  for (const entry of previous.values()) if (entry.key > last) ahead.push(entry);
  return [...counted, ...ahead];
}
