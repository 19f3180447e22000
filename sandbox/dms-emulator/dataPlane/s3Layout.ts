/** Where DMS puts objects in an S3 target: BucketFolder/schema/table/[date partition]/LOAD00000001.parquet or <timestamp>.parquet. */

export interface S3TargetSettings {
  bucket: string;
  folder: string;
  dataFormat: string;
  datePartitionEnabled: boolean;
  datePartitionSequence: string;
  datePartitionDelimiter: string;
  /** Area/Location; undefined is UTC. */
  datePartitionTimezone?: string;
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
    datePartitionTimezone:
      typeof s.DatePartitionTimezone === 'string' && s.DatePartitionTimezone !== '' ? s.DatePartitionTimezone : undefined,
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

/**
 * The calendar fields of an instant in the endpoint's DatePartitionTimezone (UTC by default). S3Settings
 * `DatePartitionTimezone`: "set DatePartitionTimezone to convert the current UTC time into a specified time zone. The
 * conversion occurs when a date partition folder is created and a CDC filename is generated."
 */
export function zonedFields(ms: number, timeZone: string | undefined): Record<'YYYY' | 'MM' | 'DD' | 'HH' | 'mm' | 'ss' | 'SSS', string> {
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  if (!timeZone || timeZone === 'UTC') {
    return {
      YYYY: String(d.getUTCFullYear()),
      MM: pad(d.getUTCMonth() + 1),
      DD: pad(d.getUTCDate()),
      HH: pad(d.getUTCHours()),
      mm: pad(d.getUTCMinutes()),
      ss: pad(d.getUTCSeconds()),
      SSS: pad(d.getUTCMilliseconds(), 3),
    };
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return {
    YYYY: parts.year!,
    MM: parts.month!,
    DD: parts.day!,
    HH: parts.hour!,
    mm: parts.minute!,
    ss: parts.second!,
    SSS: pad(d.getUTCMilliseconds(), 3),
  };
}

/** The date folder in DatePartitionTimezone: e.g. YYYYMMDD + NONE → 20260601, YYYYMMDD + SLASH → 2026/06/01. */
export function datePartition(settings: S3TargetSettings, ms: number): string {
  const parts = zonedFields(ms, settings.datePartitionTimezone);
  const order = /(YYYY|MM|DD|HH)/g;
  const tokens = (settings.datePartitionSequence.match(order) ?? ['YYYY', 'MM', 'DD']) as Array<'YYYY' | 'MM' | 'DD' | 'HH'>;
  return tokens.map((token) => parts[token]).join(DELIMITERS[settings.datePartitionDelimiter] ?? '/');
}

export function folderFor(settings: S3TargetSettings, schema: string, table: string, dateMs: number): string {
  const prefix = tablePrefix(settings, schema, table);
  return settings.datePartitionEnabled ? `${prefix}/${datePartition(settings, dateMs)}` : prefix;
}

/**
 * Full-load files are numbered with an 8-digit hexadecimal counter: LOAD00000009.parquet, then LOAD0000000A.parquet
 * ("Using Amazon S3 as a target for AWS DMS": DMS names full-load files "using an incremental hexadecimal counter").
 * Upper-case digits, fixed width: the names sort in load order by plain string comparison.
 */
export function loadFileName(counter: number): string {
  return `LOAD${counter.toString(16).toUpperCase().padStart(8, '0')}.parquet`;
}

export const isLoadFile = (key: string) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(key);

/**
 * CDC files are named by the time they are written, in DatePartitionTimezone: 20260601-103000123.parquet (a counter
 * digit keeps names unique). "Using Amazon S3 as a target for AWS DMS": DMS "names CDC files using timestamps".
 */
export function cdcFileName(ms: number, unique: number, timeZone?: string): string {
  const f = zonedFields(ms, timeZone);
  return `${f.YYYY}${f.MM}${f.DD}-${f.HH}${f.mm}${f.ss}${f.SSS}${String(unique % 10)}.parquet`;
}
