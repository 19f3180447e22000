import type { TaskGroupConfig } from '../config';
import { FileSettings, recommendFileSettings } from '../fileSizing';
import { formatBytes } from '../plan';
import type { FileSizeSummary } from './fileSizeAudit';
import { CheckResult, checkResult, Finding, Remedy, round } from './findings';
import { modifyEndpointCommand, resumeTaskCommand, stopTaskCommands } from './remedies';

/** One replicated table's file sizes, with the S3 endpoint its task writes through. */
export interface SmallFilesFacts {
  table: string;
  group: string;
  tableClass: TaskGroupConfig['tableClass'];
  audit: FileSizeSummary;
  endpoint?: {
    identifier: string;
    arn: string;
    settings: Partial<FileSettings>;
    /** Running tasks writing through this endpoint: ModifyEndpoint is refused while they run. */
    runningTaskArns: string[];
    /** Other task groups using the same endpoint: its settings apply to them too. */
    sharedWith: string[];
  };
}

export interface SmallFilesThresholds {
  targetFileSizeMb: number;
  /** Files beyond what the bytes need at the target size before the doctor speaks up. */
  smallFilesMinExcess: number;
  /** Share of bytes in files under the target size (percent) before the doctor speaks up. */
  smallFileBytesPercentMax: number;
}

const SETTINGS = ['CdcMaxBatchInterval', 'CdcMinFileSize', 'MaxFileSize'] as const;

/** Within 10%: DMS settings are round numbers, and a recommendation is not a measurement. */
function alreadySet(current: Partial<FileSettings>, wanted: FileSettings): boolean {
  return SETTINGS.every((name) => {
    const value = current[name];
    return typeof value === 'number' && Math.abs(value - wanted[name]) <= wanted[name] * 0.1;
  });
}

function endpointRemedy(facts: SmallFilesFacts, wanted: FileSettings, why: string): Remedy | undefined {
  const endpoint = facts.endpoint;
  if (!endpoint) return undefined;
  const settings = {
    CdcMaxBatchInterval: wanted.CdcMaxBatchInterval,
    CdcMinFileSize: wanted.CdcMinFileSize,
    MaxFileSize: wanted.MaxFileSize,
  };
  const shared = endpoint.sharedWith.length
    ? `; endpoint ${endpoint.identifier} also serves ${endpoint.sharedWith.join(', ')} (give this group its own endpoint with taskGroups[].targetEndpoint to tune it alone)`
    : '';
  return {
    summary: `set the S3 endpoint ${endpoint.identifier}'s file settings (${why})${shared}. ModifyEndpoint is refused while a task using the endpoint runs: stop, modify, resume`,
    command: modifyEndpointCommand(endpoint.arn, settings),
    steps: [
      ...endpoint.runningTaskArns.flatMap((arn) => stopTaskCommands(arn).map((c) => `before: ${c}`)),
      ...endpoint.runningTaskArns.map((arn) => `after: ${resumeTaskCommand(arn)}`),
    ],
  };
}

function evaluateTable(facts: SmallFilesFacts, t: SmallFilesThresholds): Finding[] {
  const a = facts.audit;
  if (a.excessFiles < t.smallFilesMinExcess || a.smallBytesPercent < t.smallFileBytesPercentMax) return [];
  const rate = a.writeRate?.bytesPerSecond;
  const advice = recommendFileSettings(facts.tableClass, t.targetFileSizeMb, rate);
  const wanted: FileSettings = {
    CdcMaxBatchInterval: advice.CdcMaxBatchInterval,
    CdcMinFileSize: advice.CdcMinFileSize,
    MaxFileSize: advice.MaxFileSize,
  };
  const current = facts.endpoint?.settings ?? {};
  const worst = a.partitions[0];
  const evidence = {
    prefix: a.prefix,
    objects: a.objects,
    bytes: a.bytes,
    size: formatBytes(a.bytes),
    smallObjects: a.smallObjects,
    smallBytesPercent: a.smallBytesPercent,
    excessFiles: a.excessFiles,
    targetFileSizeMb: t.targetFileSizeMb,
    averageFileKb: a.objects ? round(a.bytes / a.objects / 1024) : 0,
    cdcFiles: a.cdcFiles,
    loadFiles: a.loadFiles,
    writeRateKbPerSecond: rate === undefined ? null : round(rate / 1024, 2),
    writeRateWindowHours: a.writeRate?.windowHours ?? null,
    worstPartition: worst ? `${worst.partition || '(no partition)'}: ${worst.objects} files, ${formatBytes(worst.bytes)}` : null,
    currentCdcMaxBatchInterval: current.CdcMaxBatchInterval ?? null,
    currentCdcMinFileSize: current.CdcMinFileSize ?? null,
    currentMaxFileSize: current.MaxFileSize ?? null,
    recommendedCdcMaxBatchInterval: wanted.CdcMaxBatchInterval,
    recommendedCdcMinFileSize: wanted.CdcMinFileSize,
    recommendedMaxFileSize: wanted.MaxFileSize,
  };
  const title = `${facts.table}: ${a.objects} files, ${a.smallBytesPercent}% of ${formatBytes(a.bytes)} in files under ${t.targetFileSizeMb} MB (${a.excessFiles} more files than the bytes need)`;
  if (facts.endpoint && alreadySet(current, wanted)) {
    return [
      {
        check: 'smallFiles',
        severity: 'info',
        subject: `table ${facts.table}`,
        title: `${title}; endpoint ${facts.endpoint.identifier} already has the recommended settings, so these files predate them: compact them downstream`,
        evidence,
      },
    ];
  }
  return [
    {
      check: 'smallFiles',
      severity: 'warning',
      subject: `table ${facts.table}`,
      title,
      evidence,
      remedy: endpointRemedy(facts, wanted, advice.why),
    },
  ];
}

export function evaluateSmallFiles(facts: SmallFilesFacts[], thresholds: SmallFilesThresholds): CheckResult {
  const findings = facts.flatMap((f) => evaluateTable(f, thresholds));
  const objects = facts.reduce((n, f) => n + f.audit.objects, 0);
  const bytes = facts.reduce((n, f) => n + f.audit.bytes, 0);
  const small = facts.reduce((n, f) => n + f.audit.smallBytes, 0);
  const summary = `${facts.length} table(s), ${objects} objects, ${formatBytes(bytes)}; ${bytes ? round((small / bytes) * 100) : 0}% of bytes in files under ${thresholds.targetFileSizeMb} MB`;
  return checkResult('smallFiles', summary, findings, {
    tables: facts.map((f) => ({ table: f.table, group: f.group, endpoint: f.endpoint?.identifier ?? null, ...f.audit })),
  });
}
