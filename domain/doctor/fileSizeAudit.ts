/**
 * File sizes under one table prefix, accumulated one listed object at a time so a prefix of millions of objects
 * never sits in memory: totals, a size histogram, per-partition figures, and the CDC write rate from the objects'
 * LastModified (hour buckets, so memory grows with the hours spanned, not with the objects).
 */

const MB = 1024 * 1024;

export interface SizeBucket {
  /** Upper bound in bytes (exclusive); null for the last, open bucket. */
  under: number | null;
  label: string;
  objects: number;
  bytes: number;
}

export interface PartitionSizes {
  partition: string;
  objects: number;
  bytes: number;
  smallObjects: number;
  smallBytes: number;
}

interface HourBucket {
  bytes: number;
  files: number;
  firstAt: number;
  firstSize: number;
  lastAt: number;
}

export interface FileSizeAudit {
  prefix: string;
  targetBytes: number;
  objects: number;
  bytes: number;
  smallObjects: number;
  smallBytes: number;
  loadFiles: number;
  cdcFiles: number;
  buckets: SizeBucket[];
  partitions: Record<string, PartitionSizes>;
  cdcHours: Record<number, HourBucket>;
}

export interface WriteRate {
  bytesPerSecond: number;
  files: number;
  bytes: number;
  spanSeconds: number;
  windowHours: number;
  /** The newest CDC file's LastModified: the window ends there (S3 time compared with S3 time). */
  until: string;
}

export interface FileSizeSummary {
  prefix: string;
  targetBytes: number;
  objects: number;
  bytes: number;
  smallObjects: number;
  smallBytes: number;
  /** Share of the bytes held in files under the target size, in percent. */
  smallBytesPercent: number;
  /** Files beyond what the bytes would fill at the target size: what compaction or better settings would save. */
  excessFiles: number;
  loadFiles: number;
  cdcFiles: number;
  buckets: SizeBucket[];
  partitionCount: number;
  /** The partitions with the most objects (at most `maxPartitions`). */
  partitions: PartitionSizes[];
  writeRate?: WriteRate;
}

const LOAD_FILE = /(^|\/)LOAD[^/]*\.parquet$/;

export function isLoadFile(key: string): boolean {
  return LOAD_FILE.test(key);
}

/** The partition folder of a key under a table prefix: `dms/shop/orders/20261128/LOAD1.parquet` → `20261128`. */
export function partitionOfKey(prefix: string, key: string): string {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? '' : rest.slice(0, slash);
}

export function newFileSizeAudit(prefix: string, targetBytes: number): FileSizeAudit {
  const bounds = [...new Set([1 * MB, 16 * MB, 64 * MB, targetBytes])].filter((b) => b <= targetBytes).sort((a, b) => a - b);
  const label = (bytes: number) => (bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / 1024)} KB`);
  const buckets: SizeBucket[] = bounds.map((under, i) => ({
    under,
    label: i === 0 ? `< ${label(under)}` : `${label(bounds[i - 1]!)}–${label(under)}`,
    objects: 0,
    bytes: 0,
  }));
  buckets.push({ under: null, label: `≥ ${label(targetBytes)}`, objects: 0, bytes: 0 });
  return {
    prefix,
    targetBytes,
    objects: 0,
    bytes: 0,
    smallObjects: 0,
    smallBytes: 0,
    loadFiles: 0,
    cdcFiles: 0,
    buckets,
    partitions: {},
    cdcHours: {},
  };
}

export function addObject(audit: FileSizeAudit, object: { key: string; size: number; lastModifiedMs?: number }): void {
  const { key, size } = object;
  audit.objects++;
  audit.bytes += size;
  const small = size < audit.targetBytes;
  if (small) {
    audit.smallObjects++;
    audit.smallBytes += size;
  }
  const bucket = audit.buckets.find((b) => b.under === null || size < b.under)!;
  bucket.objects++;
  bucket.bytes += size;
  const name = partitionOfKey(audit.prefix, key);
  const partition = (audit.partitions[name] ??= { partition: name, objects: 0, bytes: 0, smallObjects: 0, smallBytes: 0 });
  partition.objects++;
  partition.bytes += size;
  if (small) {
    partition.smallObjects++;
    partition.smallBytes += size;
  }
  if (isLoadFile(key)) {
    audit.loadFiles++;
    return;
  }
  audit.cdcFiles++;
  if (object.lastModifiedMs === undefined) return;
  const at = object.lastModifiedMs;
  const hour = Math.floor(at / 3_600_000);
  const h = audit.cdcHours[hour];
  if (!h) {
    audit.cdcHours[hour] = { bytes: size, files: 1, firstAt: at, firstSize: size, lastAt: at };
    return;
  }
  h.bytes += size;
  h.files++;
  if (at < h.firstAt) {
    h.firstAt = at;
    h.firstSize = size;
  }
  h.lastAt = Math.max(h.lastAt, at);
}

/**
 * Bytes of CDC files per second over the last `windowHours` before the newest CDC file. The first file of the
 * window is left out of the bytes: N files written every T seconds span (N − 1)·T, so this gives size / T.
 */
export function writeRate(audit: FileSizeAudit, windowHours: number): WriteRate | undefined {
  const hours = Object.keys(audit.cdcHours)
    .map(Number)
    .sort((a, b) => a - b);
  if (hours.length === 0) return undefined;
  const newestAt = Math.max(...hours.map((h) => audit.cdcHours[h]!.lastAt));
  // Hour buckets with a file in the window; the oldest may reach up to an hour further back (its rate is the same).
  const inWindow = hours.map((h) => audit.cdcHours[h]!).filter((h) => h.lastAt >= newestAt - windowHours * 3_600_000);
  const files = inWindow.reduce((n, h) => n + h.files, 0);
  const bytes = inWindow.reduce((n, h) => n + h.bytes, 0);
  const first = inWindow[0]!;
  const spanSeconds = (newestAt - first.firstAt) / 1000;
  if (files < 2 || spanSeconds <= 0) return undefined;
  return {
    bytesPerSecond: (bytes - first.firstSize) / spanSeconds,
    files,
    bytes,
    spanSeconds,
    windowHours,
    until: new Date(newestAt).toISOString(),
  };
}

/** `maxPartitions` keeps a report of hundreds of tables well under Temporal's payload limits. */
export function summarizeAudit(audit: FileSizeAudit, windowHours: number, maxPartitions = 5): FileSizeSummary {
  const partitions = Object.values(audit.partitions);
  return {
    prefix: audit.prefix,
    targetBytes: audit.targetBytes,
    objects: audit.objects,
    bytes: audit.bytes,
    smallObjects: audit.smallObjects,
    smallBytes: audit.smallBytes,
    smallBytesPercent: audit.bytes === 0 ? 0 : Number(((audit.smallBytes / audit.bytes) * 100).toFixed(1)),
    excessFiles: Math.max(0, audit.objects - Math.max(1, Math.ceil(audit.bytes / audit.targetBytes))),
    loadFiles: audit.loadFiles,
    cdcFiles: audit.cdcFiles,
    buckets: audit.buckets,
    partitionCount: partitions.length,
    partitions: partitions.sort((a, b) => b.objects - a.objects || a.partition.localeCompare(b.partition)).slice(0, maxPartitions),
    writeRate: writeRate(audit, windowHours),
  };
}
