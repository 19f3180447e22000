import { LogLevel, LogMetadata, Runtime } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Installs the process-wide Temporal runtime once, before any worker is created:
 * - the SDK's logs, including workflow and activity `log` calls (which carry workflowId, workflowType and activity
 *   names), go to the worker's JSON logger, one line per event;
 * - with `metricsAddress`, a Prometheus endpoint serves the SDK's runtime metrics and the project's own
 *   (`dms_runbooks_*`, recorded through the same meter from workflows and activities).
 */
export function installRuntime(logger: PinoLogger, metricsAddress?: string): void {
  if (Runtime._instance) return;
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => logger[levels[level]](meta ?? {}, message);
  Runtime.install({
    logger: {
      log: forward,
      trace: (m, meta) => forward('TRACE', m, meta),
      debug: (m, meta) => forward('DEBUG', m, meta),
      info: (m, meta) => forward('INFO', m, meta),
      warn: (m, meta) => forward('WARN', m, meta),
      error: (m, meta) => forward('ERROR', m, meta),
    },
    telemetryOptions: metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : undefined,
  });
}
