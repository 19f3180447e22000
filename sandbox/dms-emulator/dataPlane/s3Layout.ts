/** Where DMS puts objects in an S3 target: BucketFolder/schema/table/[date partition]/LOAD00000001.parquet or <timestamp>.parquet. */

export interface S3TargetSettings {
  bucket: string;
  folder: string;
  dataFormat: string;
  datePartitionEnabled: boolean;
  datePartitionSequence: string;
  datePartitionDelimiter: string;
  timestampColumnName?: string;
  includeOpForFullLoad: boolean;
  cdcMaxBatchIntervalSeconds: number;
  cdcMinFileSizeKb: number;
  maxFileSizeKb: number;
  cdcInsertsOnly: boolean;
  /** Parquet TIMESTAMP columns in milliseconds instead of DMS's default microseconds. */
  parquetTimestampInMillisecond: boolean;
}

/** S3Settings with DMS's defaults filled in. */
export function s3TargetSettings(raw: Record<string, unknown> | undefined): S3TargetSettings {
  const s = raw ?? {};
  const str = (key: string, fallback: string) => (typeof s[key] === 'string' ? s[key] : fallback);
  const num = (key: string, fallback: number) => (typeof s[key] === 'number' ? s[key] : fallback);
  return {
    bucket: str('BucketName', ''),
    folder: str('BucketFolder', '').replace(/^\/+|\/+$/g, ''),
    dataFormat: str('DataFormat', 'csv'),
    datePartitionEnabled: s.DatePartitionEnabled === true,
    datePartitionSequence: str('DatePartitionSequence', 'YYYYMMDD'),
    datePartitionDelimiter: str('DatePartitionDelimiter', 'SLASH'),
    timestampColumnName: typeof s.TimestampColumnName === 'string' && s.TimestampColumnName !== '' ? s.TimestampColumnName : undefined,
    includeOpForFullLoad: s.IncludeOpForFullLoad === true,
    cdcMaxBatchIntervalSeconds: num('CdcMaxBatchInterval', 60),
    cdcMinFileSizeKb: num('CdcMinFileSize', 32000),
    maxFileSizeKb: num('MaxFileSize', 1048576),
    cdcInsertsOnly: s.CdcInsertsOnly === true,
    parquetTimestampInMillisecond: s.ParquetTimestampInMillisecond === true,
  };
}

export function tablePrefix(settings: S3TargetSettings, schema: string, table: string): string {
  return [settings.folder, schema, table].filter((part) => part !== '').join('/');
}

const DELIMITERS: Record<string, string> = { SLASH: '/', UNDERSCORE: '_', DASH: '-', NONE: '' };

/** The date folder (UTC): e.g. YYYYMMDD + NONE → 20260601, YYYYMMDD + SLASH → 2026/06/01. */
export function datePartition(settings: S3TargetSettings, ms: number): string {
  const d = new Date(ms);
  const parts: Record<string, string> = {
    YYYY: String(d.getUTCFullYear()),
    MM: String(d.getUTCMonth() + 1).padStart(2, '0'),
    DD: String(d.getUTCDate()).padStart(2, '0'),
    HH: String(d.getUTCHours()).padStart(2, '0'),
  };
  const order = /(YYYY|MM|DD|HH)/g;
  const tokens = settings.datePartitionSequence.match(order) ?? ['YYYY', 'MM', 'DD'];
  return tokens.map((token) => parts[token]).join(DELIMITERS[settings.datePartitionDelimiter] ?? '/');
}

export function folderFor(settings: S3TargetSettings, schema: string, table: string, dateMs: number): string {
  const prefix = tablePrefix(settings, schema, table);
  return settings.datePartitionEnabled ? `${prefix}/${datePartition(settings, dateMs)}` : prefix;
}

export function loadFileName(counter: number): string {
  return `LOAD${String(counter).padStart(8, '0')}.parquet`;
}

export const isLoadFile = (key: string) => /\/LOAD\d{8}\.parquet$/.test(key);

/** CDC files are named by the time they are written: 20260601-103000123.parquet (a counter keeps names unique). */
export function cdcFileName(ms: number, unique: number): string {
  const stamp = new Date(ms).toISOString().replace(/[-:Z]/g, '').replace('T', '-').replace('.', '');
  return `${stamp}${String(unique % 10)}.parquet`;
}
