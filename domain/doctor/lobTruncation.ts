import type { LobMeasurement, LobSettings } from '../taskSettings';
import { LOB_MAX_SIZE_LIMIT_KB } from '../taskSettings';
import type { Finding } from './findings';
import { fullReloadRemedy, resumeTaskCommand, shellJson, stopTaskCommands } from './remedies';

/**
 * LOB values DMS cuts: in limited LOB mode "LOBs that exceed the maximum LOB size are truncated, and a warning is
 * issued to the log file" (User Guide, "Setting LOB support for source databases in an AWS DMS task"), so nothing
 * fails. One table's longest LOB values, measured on the source, against the LobMaxSize of the task that carries it.
 */
export interface LobTruncationFacts {
  table: string;
  task: string;
  taskArn: string;
  settings: LobSettings;
  /** The task's ReplicationTaskSettings document (the fix sends it back whole, LobMaxSize raised). */
  settingsJson?: string;
  measured: LobMeasurement;
  /** Server-side bound the measurement ran under (taskSettings.lob.measureTimeoutSeconds). */
  timeoutSeconds: number;
}

/**
 * `aws dms modify-replication-task` with the task's whole settings document, LobMaxSize raised: the whole document, so
 * the result is the same whether DMS merges a Modify's settings or replaces them (the API reference does not say).
 */
function modifyLobMaxSizeCommand(taskArn: string, currentSettings: string | undefined, lobMaxSizeKb: number): string {
  let settings: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(currentSettings ?? '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) settings = parsed as Record<string, unknown>;
  } catch {
    /* an unreadable document: only the LOB part is sent */
  }
  const target = settings.TargetMetadata && typeof settings.TargetMetadata === 'object' ? settings.TargetMetadata : {};
  settings.TargetMetadata = { ...target, SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: lobMaxSizeKb };
  return `aws dms modify-replication-task --replication-task-arn ${taskArn} --replication-task-settings ${shellJson(settings)}`;
}

export function lobTruncationFindings(f: LobTruncationFacts, at: string): Finding[] {
  const { settings, measured } = f;
  // Full LOB mode writes whole values (the S3 target does not support it: what DMS does then is another matter);
  // without SupportLobs the columns are not LOBs at all.
  if (measured.columns.length === 0 || !settings.supportLobs || settings.fullLobMode || !settings.limitedSizeLobMode) return [];
  const subject = `table ${f.table}`;
  if (measured.timedOut) {
    return [
      {
        check: 'validation',
        severity: 'info',
        subject,
        title: `${f.table}: the longest values of its LOB columns (${measured.columns.map((c) => c.name).join(', ')}) could not be measured within ${f.timeoutSeconds} s, so whether DMS truncates them at LobMaxSize ${settings.lobMaxSizeKb} KB is unknown`,
        evidence: { table: f.table, task: f.task, lobMaxSizeKb: settings.lobMaxSizeKb, timeoutSeconds: f.timeoutSeconds },
      },
    ];
  }
  const limit = settings.lobMaxSizeKb * 1024;
  const over = measured.columns.filter((c) => (c.maxBytes ?? 0) > limit);
  if (over.length === 0) return [];
  const longest = Math.max(...over.map((c) => c.maxBytes ?? 0));
  const neededKb = Math.ceil(longest / 1024);
  const shown = over.map((c) => `${c.name} (${c.dataType}) up to ${c.maxBytes} bytes`).join(', ');
  const evidence = {
    table: f.table,
    task: f.task,
    columns: over.map((c) => c.name).join(', '),
    longestBytes: longest,
    lobMaxSizeKb: settings.lobMaxSizeKb,
    neededKb,
  };
  if (neededKb > LOB_MAX_SIZE_LIMIT_KB) {
    return [
      {
        check: 'validation',
        severity: 'critical',
        subject,
        title: `${f.table}: ${shown}, beyond the largest LobMaxSize DMS accepts (${LOB_MAX_SIZE_LIMIT_KB} KB): task ${f.task} writes them truncated to ${settings.lobMaxSizeKb} KB, and the S3 target does not support full LOB mode; leave the columns out of the mapping or replicate the table another way`,
        evidence,
      },
    ];
  }
  return [
    {
      check: 'validation',
      severity: 'critical',
      subject,
      title: `${f.table}: ${shown}, longer than LobMaxSize ${settings.lobMaxSizeKb} KB of task ${f.task}: DMS writes them truncated in limited LOB mode, without an error (a warning in the task log only)`,
      evidence,
      remedy: {
        summary: `raise LobMaxSize of task ${f.task} to at least ${neededKb} KB (and taskSettings.lob.maxSizeKb in the pipeline configuration, so onboardTable keeps it), then reload ${f.table}: the values already written are truncated. Stop the task first, resume it after, then reload`,
        command: modifyLobMaxSizeCommand(f.taskArn, f.settingsJson, neededKb),
        steps: [
          ...stopTaskCommands(f.taskArn),
          modifyLobMaxSizeCommand(f.taskArn, f.settingsJson, neededKb),
          resumeTaskCommand(f.taskArn),
          fullReloadRemedy([f.table], `LOB values beyond LobMaxSize ${settings.lobMaxSizeKb} KB were truncated`, at).command,
        ],
      },
    },
  ];
}
