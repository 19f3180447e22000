import pino, { Logger } from 'pino';

/** One JSON line per event on stdout; LOG_LEVEL sets the level. */
export function createLogger(bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'dms-runbooks', ...bindings } });
}
