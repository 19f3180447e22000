import type { ActivityDeps } from './deps';
import { countS3BytesRead } from './metrics';
import { readParquetFooter } from './parquetFooters';
import { listObjectPages, mapBounded, partitionOf } from './s3Objects';

export interface PrefixInventory {
  prefix: string;
  objects: number;
  bytes: number;
  partitions: Record<string, { objects: number; bytes: number }>;
}

export interface ParquetCount {
  prefix: string;
  files: number;
  rows: number;
  bytesStored: number;
  bytesRead: number;
  rowsByPartition: Record<string, number>;
  filesByPartition: Record<string, number>;
  columns: string[];
  problems: Array<{ key: string; error: string }>;
}

/** Read-only views of the S3 target: what a table prefix holds, and its row count from Parquet footers only. */
export function lakeInventoryActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;
  return {
    /** `partitionDepth`: folder levels of a partition name (3 for slash-delimited dates such as `2026/11/28`). */
    async inventoryPrefix(input: { prefix: string; partitionDepth?: number }): Promise<PrefixInventory> {
      const inventory: PrefixInventory = { prefix: input.prefix, objects: 0, bytes: 0, partitions: {} };
      for await (const page of listObjectPages(deps.s3, bucket, input.prefix)) {
        for (const object of page) {
          const size = object.Size ?? 0;
          inventory.objects++;
          inventory.bytes += size;
          const partition = partitionOf(input.prefix, object.Key ?? '', input.partitionDepth);
          const p = (inventory.partitions[partition] ??= { objects: 0, bytes: 0 });
          p.objects++;
          p.bytes += size;
        }
      }
      return inventory;
    },

    /**
     * Rows under a prefix read from Parquet footers (ranged GETs of each file's tail, `concurrency` at a time).
     * `loadFilesOnly` keeps the full-load files (`LOAD…`), whose rows are comparable with a source count.
     */
    async countParquetRows(input: { prefix: string; loadFilesOnly?: boolean; concurrency?: number }): Promise<ParquetCount> {
      const result: ParquetCount = {
        prefix: input.prefix,
        files: 0,
        rows: 0,
        bytesStored: 0,
        bytesRead: 0,
        rowsByPartition: {},
        filesByPartition: {},
        columns: [],
        problems: [],
      };
      const columns = new Set<string>();
      for await (const page of listObjectPages(deps.s3, bucket, input.prefix)) {
        const files = page.filter(
          (o) => (o.Key ?? '').endsWith('.parquet') && (!input.loadFilesOnly || /\/LOAD[^/]*\.parquet$/.test(o.Key ?? '')),
        );
        const footers = await mapBounded(files, input.concurrency ?? 8, (o) => readParquetFooter(deps.s3, bucket, o.Key!, o.Size ?? 0));
        for (const footer of footers) {
          result.files++;
          result.bytesStored += footer.size;
          result.bytesRead += footer.bytesRead;
          if (footer.error !== undefined || footer.rows === undefined) {
            result.problems.push({ key: footer.key, error: footer.error ?? 'no row count' });
            continue;
          }
          result.rows += footer.rows;
          const partition = partitionOf(input.prefix, footer.key);
          result.rowsByPartition[partition] = (result.rowsByPartition[partition] ?? 0) + footer.rows;
          result.filesByPartition[partition] = (result.filesByPartition[partition] ?? 0) + 1;
          footer.columns?.forEach((c) => columns.add(c));
        }
      }
      countS3BytesRead('parquet-footer', result.bytesRead);
      result.columns = [...columns].sort();
      return result;
    },
  };
}
