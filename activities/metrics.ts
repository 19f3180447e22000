import { Counter, Histogram, Registry } from 'prom-client';

/** The project's own Prometheus metrics; the worker serves them next to the Temporal SDK's runtime metrics. */
export interface RunbookMetrics {
  registry: Registry;
  dmsCalls: Counter<'operation' | 'outcome'>;
  s3BytesRead: Counter<'purpose'>;
  runbooksFinished: Counter<'kind' | 'outcome'>;
  gateWaitSeconds: Histogram<'kind' | 'gate' | 'outcome'>;
}

export function createMetrics(registry = new Registry()): RunbookMetrics {
  return {
    registry,
    dmsCalls: new Counter({
      name: 'dms_runbooks_dms_api_calls_total',
      help: 'DMS API calls by operation and outcome (ok, throttled, error)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    s3BytesRead: new Counter({
      name: 'dms_runbooks_s3_bytes_read_total',
      help: 'Bytes read from S3 by purpose (parquet-footer, checksum, copy)',
      labelNames: ['purpose'],
      registers: [registry],
    }),
    runbooksFinished: new Counter({
      name: 'dms_runbooks_runbooks_finished_total',
      help: 'Runbooks finished by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    gateWaitSeconds: new Histogram({
      name: 'dms_runbooks_gate_wait_seconds',
      help: 'Time a gate waited for a decision',
      labelNames: ['kind', 'gate', 'outcome'],
      buckets: [10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    }),
  };
}
