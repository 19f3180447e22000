import type { InstanceSnapshot } from '../dmsStates';
import { formatBytes } from '../plan';
import { CheckResult, checkResult, Figure, Finding, round } from './findings';
import { largerClass, smallerClass } from './instanceClassChoice';
import { resizeRemedy } from './remedies';

/** One replication instance as the doctor sees it: DMS state, its tasks, and CloudWatch over the window. */
export interface InstanceHealthFacts {
  identifier: string;
  instance: InstanceSnapshot | null;
  allowedClasses: string[];
  hourlyPrices: Record<string, number>;
  tasks: Array<{ identifier: string; status: string; inCdc: boolean }>;
  metrics: {
    windowMinutes: number;
    points: number;
    freeStorageBytesLatest?: number;
    cpuPercentMax?: number;
    freeableMemoryBytesMin?: number;
  };
}

export interface InstanceThresholds {
  freeStoragePercentMin: number;
  cpuPercentMax: number;
  freeableMemoryMbMin: number;
  /** Below this CPU (max over the window) with every task in CDC, a smaller class would do. */
  cdcCpuPercentLow: number;
}

const GIB = 1024 ** 3;
const HOURS_PER_MONTH = 730;
const BROKEN = new Set([
  'failed',
  'storage-full',
  'incompatible-credentials',
  'incompatible-network',
  'inaccessible-encryption-credentials',
]);

/** Storage that brings free space back to twice the minimum share, in whole tens of GB. */
export function storageToRestore(allocatedGb: number, freeBytes: number, minPercent: number): number {
  const usedGb = Math.max(0, allocatedGb - freeBytes / GIB);
  const wantedFreeShare = Math.min(0.9, (2 * minPercent) / 100);
  const needed = usedGb / (1 - wantedFreeShare);
  return Math.max(allocatedGb + 10, Math.ceil(needed / 10) * 10);
}

function evaluateInstance(facts: InstanceHealthFacts, t: InstanceThresholds, at: string): Finding[] {
  const subject = `instance ${facts.identifier}`;
  const instance = facts.instance;
  if (!instance) {
    return [
      {
        check: 'instanceHealth',
        severity: 'critical',
        subject,
        title: `replication instance ${facts.identifier} does not exist in DMS`,
        evidence: { identifier: facts.identifier },
      },
    ];
  }
  const findings: Finding[] = [];
  const m = facts.metrics;
  const totalBytes = instance.allocatedStorageGb * GIB;
  const freePercent = m.freeStorageBytesLatest !== undefined && totalBytes > 0 ? (m.freeStorageBytesLatest / totalBytes) * 100 : undefined;
  const evidence: Record<string, Figure> = {
    status: instance.status,
    instanceClass: instance.instanceClass,
    allocatedStorageGb: instance.allocatedStorageGb,
    freeStoragePercent: freePercent === undefined ? null : round(freePercent),
    freeStorage: m.freeStorageBytesLatest === undefined ? null : formatBytes(m.freeStorageBytesLatest),
    cpuPercentMax: m.cpuPercentMax ?? null,
    freeableMemoryMbMin: m.freeableMemoryBytesMin === undefined ? null : Math.round(m.freeableMemoryBytesMin / 1024 ** 2),
    windowMinutes: m.windowMinutes,
    tasks: facts.tasks.length,
  };
  const bigger = largerClass(facts.allowedClasses, instance.instanceClass);
  const grow = (why: string) =>
    bigger
      ? resizeRemedy(instance.identifier, bigger, `${why}: move ${instance.identifier} from ${instance.instanceClass} to ${bigger}`, at)
      : {
          summary: `${why}; no larger class is allowed for ${instance.identifier}: add one to dms.replicationInstances[].allowedClasses`,
          command: 'aws dms describe-orderable-replication-instances',
        };

  if (instance.status === 'storage-full' || (freePercent !== undefined && freePercent < t.freeStoragePercentMin)) {
    const free = instance.status === 'storage-full' ? 0 : (m.freeStorageBytesLatest ?? 0);
    const storage = storageToRestore(instance.allocatedStorageGb, free, t.freeStoragePercentMin);
    findings.push({
      check: 'instanceHealth',
      severity: instance.status === 'storage-full' || (freePercent ?? 0) < t.freeStoragePercentMin / 2 ? 'critical' : 'warning',
      subject,
      title:
        instance.status === 'storage-full'
          ? `replication instance ${instance.identifier} is storage-full: its tasks have stopped`
          : `replication instance ${instance.identifier} has ${round(freePercent ?? 0)}% storage free (minimum ${t.freeStoragePercentMin}%)`,
      evidence,
      remedy: resizeRemedy(
        instance.identifier,
        instance.instanceClass,
        `grow storage from ${instance.allocatedStorageGb} to ${storage} GB (storage can only grow)`,
        at,
        storage,
      ),
    });
  } else if (BROKEN.has(instance.status)) {
    findings.push({
      check: 'instanceHealth',
      severity: 'critical',
      subject,
      title: `replication instance ${instance.identifier} is ${instance.status}`,
      evidence,
    });
  } else if (instance.status !== 'available') {
    findings.push({
      check: 'instanceHealth',
      severity: 'info',
      subject,
      title: `replication instance ${instance.identifier} is ${instance.status}${Object.keys(instance.pending).length ? ` with pending ${JSON.stringify(instance.pending)}` : ''}`,
      evidence,
    });
  }

  if (m.points === 0) {
    findings.push({
      check: 'instanceHealth',
      severity: 'info',
      subject,
      title: `no CloudWatch datapoints for ${instance.identifier} in the last ${m.windowMinutes} min (AWS/DMS, ReplicationInstanceIdentifier)`,
      evidence,
    });
    return findings;
  }
  const cpuHigh = m.cpuPercentMax !== undefined && m.cpuPercentMax > t.cpuPercentMax;
  const memoryLow = m.freeableMemoryBytesMin !== undefined && m.freeableMemoryBytesMin / 1024 ** 2 < t.freeableMemoryMbMin;
  if (cpuHigh) {
    findings.push({
      check: 'instanceHealth',
      severity: 'warning',
      subject,
      title: `CPU of ${instance.identifier} reached ${m.cpuPercentMax}% (threshold ${t.cpuPercentMax}%)`,
      evidence,
      remedy: grow(`CPU at ${m.cpuPercentMax}%`),
    });
  }
  if (memoryLow) {
    findings.push({
      check: 'instanceHealth',
      severity: 'warning',
      subject,
      title: `freeable memory of ${instance.identifier} fell to ${evidence.freeableMemoryMbMin} MB (minimum ${t.freeableMemoryMbMin} MB)`,
      evidence,
      remedy: grow(`freeable memory at ${evidence.freeableMemoryMbMin} MB`),
    });
  }

  const running = facts.tasks.filter((task) => task.status === 'running');
  const smaller = smallerClass(facts.allowedClasses, instance.instanceClass);
  const allInCdc = running.length > 0 && running.every((task) => task.inCdc);
  if (
    instance.status === 'available' &&
    allInCdc &&
    smaller &&
    !cpuHigh &&
    !memoryLow &&
    m.cpuPercentMax !== undefined &&
    m.cpuPercentMax < t.cdcCpuPercentLow
  ) {
    const now = facts.hourlyPrices[instance.instanceClass];
    const then = facts.hourlyPrices[smaller];
    const saving = now !== undefined && then !== undefined ? round((now - then) * HOURS_PER_MONTH, 0) : null;
    findings.push({
      check: 'instanceHealth',
      severity: 'info',
      subject,
      title: `replication instance ${instance.identifier} (${instance.instanceClass}) is oversized for CDC: CPU at most ${m.cpuPercentMax}% with every task past its full load`,
      evidence: { ...evidence, smallerClass: smaller, monthlySavingUsd: saving },
      remedy: resizeRemedy(
        instance.identifier,
        smaller,
        `scale down to ${smaller} while only CDC runs${saving !== null ? ` (about ${saving} USD a month less)` : ''}`,
        at,
      ),
    });
  }
  return findings;
}

export function evaluateInstanceHealth(facts: InstanceHealthFacts[], thresholds: InstanceThresholds, at: string): CheckResult {
  const findings = facts.flatMap((f) => evaluateInstance(f, thresholds, at));
  const summary = `${facts.length} instance(s): ${facts
    .map((f) => `${f.identifier} ${f.instance ? `${f.instance.status}, ${f.instance.instanceClass}` : 'missing'}`)
    .join('; ')}`;
  return checkResult('instanceHealth', summary, findings, {
    instances: facts.map((f) => ({
      identifier: f.identifier,
      status: f.instance?.status ?? 'missing',
      instanceClass: f.instance?.instanceClass ?? null,
      allocatedStorageGb: f.instance?.allocatedStorageGb ?? null,
      ...f.metrics,
      tasks: f.tasks.length,
    })),
  });
}
