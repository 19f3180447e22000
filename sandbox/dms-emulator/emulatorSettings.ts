import path from 'node:path';
import { stackSettings } from '../stack/settings';

/** How the emulator process is configured: all from the environment, defaults from the stack's settings. */
export interface EmulatorSettings {
  host: string;
  port: number;
  region: string;
  stateFile: string;
  speed: number;
  s3Endpoint?: string;
  cloudWatchEndpoint?: string;
  /** Real milliseconds between CloudWatch publications. */
  metricsIntervalMs: number;
  /** Real milliseconds between binlog polls of a CDC task. */
  cdcPollMs: number;
  binlogTool: string;
  initialFaults?: string;
}

function numberFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name}=${raw} is not a number`);
  return value;
}

export function emulatorSettings(): EmulatorSettings {
  const stack = stackSettings();
  return {
    host: process.env.DMS_EMULATOR_HOST ?? stack.host,
    port: numberFrom('DMS_EMULATOR_PORT', stack.dmsPort),
    region: process.env.AWS_REGION ?? stack.region,
    stateFile: process.env.DMS_EMULATOR_STATE_FILE ?? path.join(stack.stackDir, 'dms-emulator', 'state.json'),
    speed: numberFrom('DMS_EMULATOR_SPEED', stack.dmsSpeed),
    s3Endpoint: process.env.AWS_ENDPOINT_URL_S3,
    cloudWatchEndpoint: process.env.AWS_ENDPOINT_URL_CLOUDWATCH,
    metricsIntervalMs: numberFrom('DMS_EMULATOR_METRICS_INTERVAL_MS', 5000),
    cdcPollMs: numberFrom('DMS_EMULATOR_CDC_POLL_MS', 1000),
    binlogTool: process.env.DMS_EMULATOR_BINLOG_TOOL ?? 'mariadb-binlog',
    initialFaults: process.env.DMS_EMULATOR_FAULTS,
  };
}
