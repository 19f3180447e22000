import type { S3Client } from '@aws-sdk/client-s3';
import { isLoadFile } from '../../domain/doctor/fileSizeAudit';
import type { ParquetCensus } from '../../domain/doctor/rowValidation';
import { readParquetFooter } from '../parquetFooters';
import { listObjectPages, mapBounded } from '../s3Objects';

/** Bytes fetched from each file's tail first: a DMS footer is a few KB; a bigger one costs one more ranged GET. */
export const FOOTER_TAIL_BYTES = 16 * 1024;

/**
 * Row counts under a table prefix from Parquet footers only (ranged GETs of each file's tail, `concurrency` at
 * a time, one listing page in memory at a time), split between full-load (`LOAD…`) and CDC files. A corrupt or
 * truncated file is reported with its key and counts no rows; it never stops the census.
 */
export async function parquetCensus(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { concurrency?: number; tailBytes?: number; onPage?: (progress: { files: number; bytesRead: number }) => void } = {},
): Promise<ParquetCensus> {
  const census: ParquetCensus = {
    prefix,
    files: 0,
    loadFiles: 0,
    loadRows: 0,
    changeFiles: 0,
    changeRows: 0,
    bytesStored: 0,
    bytesRead: 0,
    problems: [],
  };
  for await (const page of listObjectPages(s3, bucket, prefix)) {
    const files = page.filter((o) => (o.Key ?? '').endsWith('.parquet'));
    const footers = await mapBounded(files, options.concurrency ?? 8, (o) =>
      readParquetFooter(s3, bucket, o.Key!, o.Size ?? 0, options.tailBytes ?? FOOTER_TAIL_BYTES),
    );
    for (const footer of footers) {
      census.files++;
      census.bytesStored += footer.size;
      census.bytesRead += footer.bytesRead;
      const load = isLoadFile(footer.key);
      if (load) census.loadFiles++;
      else census.changeFiles++;
      if (footer.error !== undefined || footer.rows === undefined) {
        census.problems.push({ key: footer.key, error: footer.error ?? 'no row count in the footer' });
        continue;
      }
      if (load) census.loadRows += footer.rows;
      else census.changeRows += footer.rows;
    }
    options.onPage?.({ files: census.files, bytesRead: census.bytesRead });
  }
  return census;
}
