import type { TaskGroupConfig } from './config';

/**
 * Small files are the enemy downstream: S3 settings that aim at 100–200 MB Parquet files. DMS writes a CDC file
 * when CdcMaxBatchInterval elapses or CdcMinFileSize is reached, whichever first; full-load files split at
 * MaxFileSize. The interval is what makes files big on quiet tables, bounded by how fresh the table must be.
 */
export interface FileSettings {
  MaxFileSize: number;
  CdcMinFileSize: number;
  CdcMaxBatchInterval: number;
}

export interface FileSettingsAdvice extends FileSettings {
  why: string;
}

const MAX_INTERVAL_BY_CRITICALITY = { high: 900, medium: 1800, low: 3600 } as const;
const INTERVAL_BY_CHURN = { high: 300, medium: 900, low: 3600 } as const;
/** DMS caps MaxFileSize at 1 GB (1,048,576 KB). */
const DMS_MAX_FILE_KB = 1_048_576;

export function recommendFileSettings(
  tableClass: TaskGroupConfig['tableClass'],
  targetMb: number,
  writeBytesPerSecond?: number,
): FileSettingsAdvice {
  const targetKb = Math.min(DMS_MAX_FILE_KB, Math.round(targetMb * 1024));
  const cap = MAX_INTERVAL_BY_CRITICALITY[tableClass.criticality];
  let interval: number;
  let why: string;
  if (writeBytesPerSecond && writeBytesPerSecond > 0) {
    const secondsToFill = Math.round((targetMb * 1024 * 1024) / writeBytesPerSecond);
    interval = Math.max(60, Math.min(cap, secondsToFill));
    why = `at ${(writeBytesPerSecond / 1024).toFixed(1)} KB/s a ${targetMb} MB file takes ${secondsToFill} s; interval bounded to ${interval} s by ${tableClass.criticality} criticality`;
  } else {
    interval = Math.min(cap, INTERVAL_BY_CHURN[tableClass.churn]);
    why = `${tableClass.churn} churn, ${tableClass.criticality} criticality: flush every ${interval} s unless ${targetMb} MB are reached first`;
  }
  return { MaxFileSize: targetKb, CdcMinFileSize: targetKb, CdcMaxBatchInterval: interval, why };
}
