/**
 * Rough sizing of DMS replication instance classes: vCPUs by size, and a full-load rate that grows with them.
 * Estimates for plans only (the real rate depends on rows, LOBs and the source); configurable later if needed.
 */
const VCPUS: Record<string, number> = {
  micro: 1,
  small: 1,
  medium: 2,
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '9xlarge': 36,
  '12xlarge': 48,
  '16xlarge': 64,
  '18xlarge': 72,
  '24xlarge': 96,
};

export function vcpusOf(instanceClass: string): number {
  const size = instanceClass.split('.')[2] ?? 'large';
  return VCPUS[size] ?? 2;
}

/** Rows per second a full load is planned at: 5,000 per vCPU, a conservative figure for narrow OLTP rows. */
export function fullLoadRowsPerSecond(instanceClass: string): number {
  return 5000 * vcpusOf(instanceClass);
}

export function fullLoadMinutes(rows: number, instanceClass: string): number {
  return Math.max(1, Math.ceil(rows / fullLoadRowsPerSecond(instanceClass) / 60));
}
