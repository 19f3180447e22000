import type { PipelineConfig } from './config';

/**
 * The ReplicationTaskSettings the runbooks give every task they create or modify, and the LOB decision behind them.
 *
 * Sources (AWS DMS User Guide):
 * - "Setting LOB support for source databases in an AWS DMS task": in limited LOB mode "LOBs that exceed the maximum
 *   LOB size are truncated, and a warning is issued to the log file"; "The maximum value for this parameter is
 *   102400 KB (100 MB)"; DMS "doesn't support inline LOB mode" for endpoints "that don't support full LOB mode, like
 *   S3 and Redshift".
 * - "Using Amazon S3 as a target", limitations: "Full LOB mode is not supported." So for this pipeline the only
 *   choices are the size of LobMaxSize, or refusing a table whose values would not fit.
 * - "Target metadata task settings": the defaults are limited LOB mode with LobMaxSize 32 (KB).
 * - "Error handling task settings": TableErrorPolicy "SUSPEND_TABLE" (the default) or "STOP_TASK".
 * - "Source data types for MySQL": TEXT, MEDIUMTEXT, LONGTEXT and JSON are CLOBs, BLOB, MEDIUMBLOB and LONGBLOB
 *   are BLOBs (TINYTEXT/TINYBLOB hold at most 255 bytes and never reach a LOB limit). MariaDB's JSON is LONGTEXT.
 */

export const LOB_MAX_SIZE_LIMIT_KB = 102400;
export const DMS_DEFAULT_LOB_MAX_SIZE_KB = 32;

const LOB_TYPES: Record<string, 'clob' | 'blob'> = {
  text: 'clob',
  mediumtext: 'clob',
  longtext: 'clob',
  json: 'clob',
  blob: 'blob',
  mediumblob: 'blob',
  longblob: 'blob',
};

export interface LobColumn {
  name: string;
  dataType: string;
  kind: 'clob' | 'blob';
}

/** The columns DMS handles as LOBs, from information_schema DATA_TYPE. */
export function lobColumns(columns: Array<{ name: string; dataType: string }>): LobColumn[] {
  return columns.flatMap((c) => {
    const kind = LOB_TYPES[c.dataType.toLowerCase()];
    return kind ? [{ name: c.name, dataType: c.dataType.toLowerCase(), kind }] : [];
  });
}

/** The longest value of each LOB column in bytes (UTF-8 for text), measured on the source. */
export interface LobMeasurement {
  columns: Array<{ name: string; dataType: string; maxBytes: number | null }>;
  /** The scan was cut off by its time bound: nothing is known about the lengths. */
  timedOut: boolean;
  seconds: number;
}

/** The LOB part of a task's settings as DMS reads it. */
export interface LobSettings {
  supportLobs: boolean;
  fullLobMode: boolean;
  limitedSizeLobMode: boolean;
  lobMaxSizeKb: number;
}

type SettingsObject = Record<string, unknown>;

function parseSettings(json: string | undefined): SettingsObject {
  if (!json) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as SettingsObject) : {};
  } catch {
    return {};
  }
}

const section = (settings: SettingsObject, name: string): Record<string, unknown> => {
  const value = settings[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
};

/** The LOB settings a task runs with; absent keys are DMS's defaults. */
export function lobSettingsOf(json: string | undefined): LobSettings {
  const target = section(parseSettings(json), 'TargetMetadata');
  const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);
  return {
    supportLobs: bool(target.SupportLobs, true),
    fullLobMode: bool(target.FullLobMode, false),
    limitedSizeLobMode: bool(target.LimitedSizeLobMode, true),
    lobMaxSizeKb: typeof target.LobMaxSize === 'number' ? target.LobMaxSize : DMS_DEFAULT_LOB_MAX_SIZE_KB,
  };
}

export type LobDecision =
  | { ok: true; lobMaxSizeKb: number; raised: boolean; summary: string; details: LobPlanDetails }
  | { ok: false; reason: string; details: LobPlanDetails };

export interface LobPlanDetails {
  columns: Array<{ name: string; dataType: string; maxBytes: number | null }>;
  /** LobMaxSize the task has now (a task to be created: the configured one). */
  currentLobMaxSizeKb: number;
  lobMaxSizeKb?: number;
  measuredSeconds: number;
}

const kb = (bytes: number) => Math.ceil(bytes / 1024);

/**
 * LobMaxSize for a task that will carry `table`: never below what the task has (another table may need it), raised
 * for this table's longest value only when the configuration allows; else a refusal that names the columns.
 */
export function chooseLobMaxSize(input: {
  table: string;
  /** How the plan names the task(s): `task shop-core`, `the temporary backfill tasks`. */
  task: string;
  /** The runbook to run again once the configuration is changed. */
  runbook: string;
  lob: PipelineConfig['taskSettings']['lob'];
  measured: LobMeasurement;
  currentSettings?: string;
}): LobDecision {
  const { lob, measured } = input;
  const current = input.currentSettings ? lobSettingsOf(input.currentSettings).lobMaxSizeKb : lob.maxSizeKb;
  const base = Math.max(lob.maxSizeKb, current);
  const details: LobPlanDetails = { columns: measured.columns, currentLobMaxSizeKb: current, measuredSeconds: measured.seconds };
  const shown = measured.columns.map((c) => `${c.name} (${c.dataType}) ${c.maxBytes === null ? 'all NULL' : `${c.maxBytes} bytes`}`);
  if (measured.columns.length === 0) {
    return {
      ok: true,
      lobMaxSizeKb: base,
      raised: false,
      summary: `no LOB columns; LobMaxSize ${base} KB`,
      details: { ...details, lobMaxSizeKb: base },
    };
  }
  if (measured.timedOut) {
    return {
      ok: false,
      reason: `the longest values of ${input.table}'s LOB columns (${measured.columns.map((c) => c.name).join(', ')}) could not be measured within ${lob.measureTimeoutSeconds} s; without them DMS may truncate values beyond LobMaxSize silently. Raise taskSettings.lob.measureTimeoutSeconds, or run the scan at a quieter time`,
      details,
    };
  }
  const longest = Math.max(0, ...measured.columns.map((c) => c.maxBytes ?? 0));
  if (longest <= base * 1024) {
    return {
      ok: true,
      lobMaxSizeKb: base,
      raised: false,
      summary: `LOB columns ${shown.join(', ')}: all fit in LobMaxSize ${base} KB`,
      details: { ...details, lobMaxSizeKb: base },
    };
  }
  const needed = kb(longest);
  const over = measured.columns.filter((c) => (c.maxBytes ?? 0) > base * 1024).map((c) => c.name);
  if (lob.whenLonger === 'refuse') {
    return {
      ok: false,
      reason: `${input.table} has LOB values longer than the LobMaxSize of ${input.task}, ${base} KB (${shown.join(', ')}): DMS would truncate ${over.join(', ')} in limited LOB mode without failing, and the S3 target does not support full LOB mode. Set taskSettings.lob.maxSizeKb to at least ${needed} or taskSettings.lob.whenLonger to raise-limit in the pipeline configuration, then run ${input.runbook} again`,
      details,
    };
  }
  const raised = Math.max(base, Math.ceil((needed * (100 + lob.raiseHeadroomPercent)) / 100));
  if (needed > LOB_MAX_SIZE_LIMIT_KB) {
    return {
      ok: false,
      reason: `${input.table} has LOB values of ${needed} KB (${shown.join(', ')}), beyond the largest LobMaxSize DMS accepts (${LOB_MAX_SIZE_LIMIT_KB} KB): DMS would truncate them, and the S3 target does not support full LOB mode. Leave ${over.join(', ')} out of the mapping, or replicate this table another way`,
      details,
    };
  }
  const size = Math.min(raised, LOB_MAX_SIZE_LIMIT_KB);
  return {
    ok: true,
    lobMaxSizeKb: size,
    raised: true,
    summary: `LOB columns ${shown.join(', ')}: LobMaxSize raised from ${base} KB to ${size} KB for ${input.task} (DMS allocates LobMaxSize × CommitRate × LOB columns of memory during full load: watch the instance's memory)`,
    details: { ...details, lobMaxSizeKb: size },
  };
}

/**
 * The task's settings JSON: the current settings (when modifying) with logging, the table-error policy and limited LOB
 * mode at `lobMaxSizeKb` written over them. The whole document is sent, so the result is the same whether DMS merges
 * a Modify's settings with the current ones or replaces them (the API reference does not say).
 */
export function taskSettingsJson(settings: PipelineConfig['taskSettings'], lobMaxSizeKb: number, currentSettings?: string): string {
  const current = parseSettings(currentSettings);
  const merged: SettingsObject = {
    ...current,
    TargetMetadata: {
      ...section(current, 'TargetMetadata'),
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: lobMaxSizeKb,
    },
    Logging: { ...withoutLogTarget(section(current, 'Logging')), EnableLogging: settings.logging },
    ErrorBehavior: { ...section(current, 'ErrorBehavior'), TableErrorPolicy: settings.tableErrorPolicy },
  };
  return JSON.stringify(merged);
}

/**
 * Describe returns the CloudWatch log group and stream DMS chose for a logging task; sent back they are refused ("Task
 * Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create", terraform-provider-aws issue 21512), and
 * DMS names them itself: never send them.
 */
function withoutLogTarget(logging: Record<string, unknown>): Record<string, unknown> {
  const { CloudWatchLogGroup: _group, CloudWatchLogStream: _stream, ...rest } = logging;
  return rest;
}

/** True when `currentSettings` already carries every value `wanted` sets (a retried Modify can be skipped). */
export function settingsApplied(currentSettings: string | undefined, wanted: string): boolean {
  const current = parseSettings(currentSettings);
  const target = parseSettings(wanted);
  return ['TargetMetadata', 'Logging', 'ErrorBehavior'].every((name) => {
    const have = section(current, name);
    return Object.entries(section(target, name)).every(([key, value]) => have[key] === value);
  });
}
