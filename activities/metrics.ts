import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';

/**
 * The project's metrics go through the Temporal SDK's meter, so the worker's one Prometheus endpoint serves
 * them with the SDK's own runtime metrics. Outside an activity (scripts, tests) they are not recorded.
 */
function meter(): MetricMeter | undefined {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}

export function countDmsCall(operation: string, outcome: 'ok' | 'throttled' | 'error'): void {
  meter()
    ?.createCounter('dms_runbooks_dms_api_calls', 'calls', 'DMS API calls by operation and outcome (ok, throttled, error)')
    .add(1, { operation, outcome });
}

export function countS3BytesRead(purpose: 'parquet-footer' | 'parquet-columns', bytes: number): void {
  meter()?.createCounter('dms_runbooks_s3_bytes_read', 'bytes', 'Bytes read from S3 by purpose').add(bytes, { purpose });
}
