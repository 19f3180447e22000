import type { TaskGroupConfig } from './config';
import { recommendFileSettings } from './fileSizing';

export interface TargetFinding {
  setting: string;
  seen: unknown;
  wanted: unknown;
  severity: 'fail' | 'warn';
  fix: string;
}

/**
 * Checks an S3 target endpoint's settings against the pipeline's rules: Parquet, one YYYYMMDD folder per day,
 * and file sizes aimed at 100–200 MB for the table's class. Format and layout are blocking; sizes are advice.
 */
export function checkS3Target(
  endpointId: string,
  settings: Record<string, unknown> | undefined,
  tableClass: TaskGroupConfig['tableClass'],
  targetMb: number,
): TargetFinding[] {
  const s = settings ?? {};
  const findings: TargetFinding[] = [];
  const modify = (name: string, value: unknown) =>
    `aws dms modify-endpoint --endpoint-arn <${endpointId} ARN> --s3-settings ${name}=${String(value)}`;
  const need = (name: string, wanted: unknown, ok: (v: unknown) => boolean, severity: 'fail' | 'warn' = 'fail') => {
    if (!ok(s[name])) findings.push({ setting: name, seen: s[name] ?? '(default)', wanted, severity, fix: modify(name, wanted) });
  };
  need('DataFormat', 'parquet', (v) => String(v).toLowerCase() === 'parquet');
  need('DatePartitionEnabled', true, (v) => v === true);
  need('DatePartitionSequence', 'YYYYMMDD', (v) => String(v).toUpperCase() === 'YYYYMMDD');
  need('DatePartitionDelimiter', 'NONE', (v) => String(v).toUpperCase() === 'NONE');
  need('ParquetVersion', 'parquet-2-0', (v) => String(v).toLowerCase() === 'parquet-2-0', 'warn');
  need('TimestampColumnName', 'a column name (commit time per row)', (v) => typeof v === 'string' && v.length > 0, 'warn');

  const advice = recommendFileSettings(tableClass, targetMb);
  const within = (value: unknown, wanted: number) => typeof value === 'number' && value >= wanted * 0.5 && value <= wanted * 2;
  need('MaxFileSize', advice.MaxFileSize, (v) => within(v, advice.MaxFileSize), 'warn');
  need('CdcMinFileSize', advice.CdcMinFileSize, (v) => within(v, advice.CdcMinFileSize), 'warn');
  need('CdcMaxBatchInterval', advice.CdcMaxBatchInterval, (v) => within(v, advice.CdcMaxBatchInterval), 'warn');
  return findings;
}
