/** The replication instance classes the emulator sells, with the sizes that drive its load speed and metrics. */
export interface InstanceClassSpec {
  vcpu: number;
  memoryGiB: number;
}

const families: Record<string, Record<string, InstanceClassSpec>> = {
  t3: {
    micro: { vcpu: 2, memoryGiB: 1 },
    small: { vcpu: 2, memoryGiB: 2 },
    medium: { vcpu: 2, memoryGiB: 4 },
    large: { vcpu: 2, memoryGiB: 8 },
  },
  c5: sizes(2),
  c6i: sizes(2),
  r5: sizes(8),
  r6i: sizes(8),
};

/** large = 2 vCPU … 24xlarge = 96 vCPU; memory per vCPU by family. */
function sizes(memoryPerVcpu: number): Record<string, InstanceClassSpec> {
  const vcpus: Record<string, number> = {
    large: 2,
    xlarge: 4,
    '2xlarge': 8,
    '4xlarge': 16,
    '8xlarge': 32,
    '12xlarge': 48,
    '16xlarge': 64,
    '24xlarge': 96,
  };
  return Object.fromEntries(Object.entries(vcpus).map(([size, vcpu]) => [size, { vcpu, memoryGiB: vcpu * memoryPerVcpu }]));
}

export const INSTANCE_CLASSES: Record<string, InstanceClassSpec> = Object.fromEntries(
  Object.entries(families).flatMap(([family, bySize]) => Object.entries(bySize).map(([size, spec]) => [`dms.${family}.${size}`, spec])),
);

export function instanceClassSpec(instanceClass: string): InstanceClassSpec | undefined {
  return INSTANCE_CLASSES[instanceClass];
}

/** Full-load rows per emulated second for one table: grows with the class, so a resize is visible. */
export function rowsPerSecond(instanceClass: string): number {
  const spec = instanceClassSpec(instanceClass) ?? { vcpu: 2, memoryGiB: 4 };
  const burstable = instanceClass.startsWith('dms.t3.') ? 0.5 : 1;
  return 500 * spec.vcpu * burstable;
}

export const ENGINE_VERSIONS = ['3.5.3', '3.5.4'];
export const DEFAULT_ENGINE_VERSION = '3.5.4';
