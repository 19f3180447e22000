/**
 * The S3Settings an S3 target endpoint is described with: what the caller set, plus the defaults the S3Settings API
 * reference documents for the settings left out (each entry's "The default value is …"), so code that copies a
 * described endpoint's settings into a new one meets the keys AWS returns. That DMS's Describe returns the defaults
 * filled in is unverified (behaviour `endpoints.describeS3Defaults`: `filled`, the default, or `as-given`); enum
 * values are spelled as botocore's `S3Settings` members declare them.
 * Date-partition details only accompany DatePartitionEnabled=true ("Use this parameter when DatePartitionedEnabled is
 * set to true").
 */
export const S3_SETTINGS_DEFAULTS: Readonly<Record<string, unknown>> = {
  AddColumnName: false,
  AddTrailingPaddingCharacter: false,
  CannedAclForObjects: 'none',
  CdcInsertsAndUpdates: false,
  CdcInsertsOnly: false,
  CdcMaxBatchInterval: 60,
  CdcMinFileSize: 32000,
  CompressionType: 'none',
  CsvDelimiter: ',',
  CsvRowDelimiter: '\n',
  DataFormat: 'csv',
  DataPageSize: 1048576,
  DatePartitionEnabled: false,
  DictPageSizeLimit: 1048576,
  EnableStatistics: true,
  EncodingType: 'rle-dictionary',
  EncryptionMode: 'sse-s3',
  GlueCatalogGeneration: false,
  IncludeOpForFullLoad: false,
  MaxFileSize: 1048576,
  ParquetTimestampInMillisecond: false,
  ParquetVersion: 'parquet-1-0',
  PreserveTransactions: false,
  Rfc4180: true,
  RowGroupLength: 10000,
  UseCsvNoSupValue: false,
  UseTaskStartTimeForFullLoadTimestamp: false,
};

const DATE_PARTITION_DEFAULTS = { DatePartitionSequence: 'YYYYMMDD', DatePartitionDelimiter: 'SLASH' };

export function describedS3Settings(given: Record<string, unknown> | undefined, fill: boolean): Record<string, unknown> | undefined {
  if (!given || !fill) return given;
  const filled: Record<string, unknown> = { ...S3_SETTINGS_DEFAULTS, ...given };
  return filled.DatePartitionEnabled === true ? { ...DATE_PARTITION_DEFAULTS, ...filled } : filled;
}
