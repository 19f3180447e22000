import path from 'node:path';

/** Where the local stack keeps its state, and the ports it listens on (all overridable from the environment). */
export interface StackSettings {
  root: string;
  stackDir: string;
  logsDir: string;
  toolsDir: string;
  host: string;
  temporalPort: number;
  temporalUiPort: number;
  motoPort: number;
  mysqlPort: number;
  dmsPort: number;
  /** The lake reference consumer (sandbox/lake/), started only by `stack up lake` and the suites that need it. */
  lakePort: number;
  region: string;
  bucket: string;
  sourcePassword: string;
  mysqlAdminPassword: string;
  dmsSpeed: number;
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return value;
}

export function stackSettings(root = path.resolve(__dirname, '..', '..')): StackSettings {
  // Resolved: MariaDB's tools change directory, so a relative STACK_DIR would point elsewhere.
  const stackDir = path.resolve(process.env.STACK_DIR ?? path.join(root, '.stack'));
  return {
    root,
    stackDir,
    logsDir: path.join(stackDir, 'logs'),
    toolsDir: process.env.TOOLS_DIR ?? path.join(root, '.tools'),
    host: '127.0.0.1',
    temporalPort: port('STACK_TEMPORAL_PORT', 7233),
    temporalUiPort: port('STACK_TEMPORAL_UI_PORT', 8233),
    motoPort: port('STACK_MOTO_PORT', 5055),
    mysqlPort: port('STACK_MYSQL_PORT', 3307),
    dmsPort: port('STACK_DMS_PORT', 5056),
    lakePort: port('STACK_LAKE_PORT', 5057),
    region: process.env.STACK_AWS_REGION ?? 'us-east-1',
    bucket: process.env.STACK_BUCKET ?? 'shop-lake',
    // Sandbox-only credentials: the sandbox database never leaves 127.0.0.1.
    sourcePassword: process.env.STACK_SOURCE_PASSWORD ?? 'dms-sandbox-pw',
    mysqlAdminPassword: process.env.STACK_MYSQL_ADMIN_PASSWORD ?? 'sandbox-admin-pw',
    dmsSpeed: Number(process.env.STACK_DMS_SPEED ?? '60'),
  };
}
