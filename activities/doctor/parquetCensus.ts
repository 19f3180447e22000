import type { S3Client } from '@aws-sdk/client-s3';
import { CensusEntry, countEntry, reusable } from '../../domain/doctor/censusLedger';
import { isLoadFile } from '../../domain/doctor/fileSizeAudit';
import type { ParquetCensus } from '../../domain/doctor/rowValidation';
import { readParquetFooter } from '../parquetFooters';
import { listObjectPages, mapBounded } from '../s3Objects';

/** Bytes fetched from each file's tail first: a DMS footer is a few KB; a bigger one costs one more ranged GET. */
export const FOOTER_TAIL_BYTES = 16 * 1024;

export interface CensusOptions {
  concurrency?: number;
  tailBytes?: number;
  /** After each listing page; awaited, so a caller may write a checkpoint before the next page is read. */
  onPage?: (progress: { files: number; bytesRead: number; filesReused: number }) => void | Promise<void>;
  /** The previous run's entries by key: unchanged files are counted from them, their footers not read again. */
  previous?: ReadonlyMap<string, CensusEntry>;
  /** Receives every file's entry, for the ledger of the next run. */
  entries?: CensusEntry[];
}

/**
 * Row counts under a table prefix from Parquet footers only (ranged GETs of each file's tail, `concurrency` at
 * a time, one listing page in memory at a time), split between full-load (`LOAD…`) and CDC files. A corrupt or
 * truncated file is reported with its key and counts no rows; it never stops the census. With `previous`, only
 * files that are new or rewritten since then are read; the listing itself is always whole.
 */
export async function parquetCensus(s3: S3Client, bucket: string, prefix: string, options: CensusOptions = {}): Promise<ParquetCensus> {
  const census: ParquetCensus = {
    prefix,
    files: 0,
    loadFiles: 0,
    loadRows: 0,
    changeFiles: 0,
    changeRows: 0,
    bytesStored: 0,
    bytesRead: 0,
    filesReused: 0,
    problems: [],
  };
  const previous = options.previous ?? new Map<string, CensusEntry>();
  for await (const page of listObjectPages(s3, bucket, prefix)) {
    const listed = page
      .filter((o) => (o.Key ?? '').endsWith('.parquet'))
      .map((o) => ({ key: o.Key!, etag: o.ETag ?? '', size: o.Size ?? 0 }));
    const toRead = listed.filter((o) => !reusable(previous, o));
    const footers = new Map(
      (
        await mapBounded(toRead, options.concurrency ?? 8, (o) =>
          readParquetFooter(s3, bucket, o.key, o.size, options.tailBytes ?? FOOTER_TAIL_BYTES),
        )
      ).map((f) => [f.key, f]),
    );
    for (const o of listed) {
      const footer = footers.get(o.key);
      const entry: CensusEntry = footer
        ? { ...o, load: isLoadFile(o.key), rows: footer.rows, ...(footer.error !== undefined ? { error: footer.error } : {}) }
        : reusable(previous, o)!;
      if (footer) census.bytesRead += footer.bytesRead;
      else census.filesReused!++;
      countEntry(census, entry);
      options.entries?.push(entry);
    }
    await options.onPage?.({ files: census.files, bytesRead: census.bytesRead, filesReused: census.filesReused! });
  }
  return census;
}
