/** The parts of ReplicationTaskSettings the emulator honours. */
export interface EmulatedTaskSettings {
  targetTablePrepMode: 'DROP_AND_CREATE' | 'TRUNCATE_BEFORE_LOAD' | 'DO_NOTHING';
  maxFullLoadSubTasks: number;
  lob: LobHandling;
  /**
   * ChangeProcessingDdlHandlingPolicy.HandleSourceTableTruncated ("Task settings for change processing DDL handling":
   * "Set this option to true to truncate the target table when the source table is truncated"). On by default for
   * S3: "A truncate DDL operation removes all files and corresponding table folders from an S3 bucket. You can use
   * task settings to disable that behavior" ("Using Amazon S3 as a target for AWS DMS", limitations).
   */
  handleSourceTableTruncated: boolean;
  /**
   * "Full-load task settings": "StopTaskCachedChangesApplied – Set this option to true to stop a task after a full load
   * completes and cached changes are applied"; "StopTaskCachedChangesNotApplied – … to stop a task before cached changes
   * are applied" (full-load-and-cdc tasks).
   */
  stopAfterFullLoad?: 'cached-changes-applied' | 'cached-changes-not-applied';
  errors: ErrorHandling;
}

/**
 * ErrorBehavior ("Error handling task settings"): "TableErrorPolicy – Determines the action AWS DMS takes when an error
 * occurs when processing data or metadata for a specific table … The default is SUSPEND_TABLE"; "TableErrorEscalationCount
 * – The maximum number of errors that can occur to the general data or metadata for a specific table. When this number
 * is reached, the data for the table is handled according to the policy set in the TableErrorEscalationPolicy. The
 * default is 0" (whose "default and only user setting is STOP_TASK"); "RecoverableErrorCount – The maximum number of
 * attempts made to restart a task when an environmental error occurs … The default value is -1"; "RecoverableErrorInterval
 * – The number of seconds that AWS DMS waits between attempts to restart a task. The default is 5."
 */
export interface ErrorHandling {
  tableErrorPolicy: 'SUSPEND_TABLE' | 'STOP_TASK';
  /** 0: never escalate. */
  tableErrorEscalationCount: number;
  /** -1: retry for ever (the emulator ignores the doc's per-error-type caps under -1). */
  recoverableErrorCount: number;
  recoverableErrorIntervalSeconds: number;
}

/**
 * How LOB columns are written (TargetMetadata). User Guide, "Setting LOB support for source databases in an AWS DMS
 * task": in limited LOB mode "LOBs that exceed the maximum LOB size are truncated, and a warning is issued to the log
 * file"; full LOB mode "migrates all LOBs from source to target regardless of size". The S3 target page says "Full LOB
 * mode is not supported": what DMS does when it is set on an S3 task is unverified; the emulator writes whole values.
 */
export interface LobHandling {
  supportLobs: boolean;
  fullLobMode: boolean;
  /** LobMaxSize in KB; values longer than this many KB are cut in limited LOB mode. */
  lobMaxSizeKb: number;
}

/** MySQL types DMS reads as CLOB/BLOB ("Source data types for MySQL"); TINYTEXT/TINYBLOB never reach a LOB limit. */
export const LOB_DATA_TYPES = new Set(['text', 'mediumtext', 'longtext', 'json', 'blob', 'mediumblob', 'longblob']);

export function emulatedTaskSettings(json: string): EmulatedTaskSettings {
  let parsed: {
    FullLoadSettings?: {
      TargetTablePrepMode?: string;
      MaxFullLoadSubTasks?: number;
      StopTaskCachedChangesApplied?: boolean;
      StopTaskCachedChangesNotApplied?: boolean;
    };
    TargetMetadata?: { SupportLobs?: boolean; FullLobMode?: boolean; LimitedSizeLobMode?: boolean; LobMaxSize?: number };
    ChangeProcessingDdlHandlingPolicy?: { HandleSourceTableTruncated?: boolean };
    ErrorBehavior?: {
      TableErrorPolicy?: string;
      TableErrorEscalationCount?: number;
      RecoverableErrorCount?: number;
      RecoverableErrorInterval?: number;
    };
  } = {};
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    /* validated on create/modify */
  }
  const mode = parsed.FullLoadSettings?.TargetTablePrepMode;
  const subTasks = parsed.FullLoadSettings?.MaxFullLoadSubTasks;
  const target = parsed.TargetMetadata ?? {};
  const errors = parsed.ErrorBehavior ?? {};
  const int = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) ? value : fallback);
  return {
    stopAfterFullLoad: parsed.FullLoadSettings?.StopTaskCachedChangesNotApplied
      ? 'cached-changes-not-applied'
      : parsed.FullLoadSettings?.StopTaskCachedChangesApplied
        ? 'cached-changes-applied'
        : undefined,
    errors: {
      tableErrorPolicy: errors.TableErrorPolicy === 'STOP_TASK' ? 'STOP_TASK' : 'SUSPEND_TABLE',
      tableErrorEscalationCount: Math.max(0, int(errors.TableErrorEscalationCount, 0)),
      recoverableErrorCount: int(errors.RecoverableErrorCount, -1),
      recoverableErrorIntervalSeconds: Math.max(1, int(errors.RecoverableErrorInterval, 5)),
    },
    targetTablePrepMode: mode === 'TRUNCATE_BEFORE_LOAD' || mode === 'DO_NOTHING' ? mode : 'DROP_AND_CREATE',
    maxFullLoadSubTasks: typeof subTasks === 'number' && subTasks >= 1 && subTasks <= 49 ? Math.floor(subTasks) : 8,
    handleSourceTableTruncated: parsed.ChangeProcessingDdlHandlingPolicy?.HandleSourceTableTruncated !== false,
    lob: {
      supportLobs: target.SupportLobs !== false,
      fullLobMode: target.FullLobMode === true,
      lobMaxSizeKb: typeof target.LobMaxSize === 'number' ? target.LobMaxSize : 32,
    },
  };
}

/**
 * A LOB value as limited LOB mode writes it: at most LobMaxSize KB. Whether DMS counts bytes or characters is
 * unverified; the emulator cuts at LobMaxSize × 1024 bytes, back to a whole UTF-8 character for text. Without
 * SupportLobs the column is written NULL (unverified: it may be left out).
 */
export function lobValue(value: unknown, lob: LobHandling): unknown {
  if (value === null || value === undefined) return value;
  if (!lob.supportLobs) return null;
  if (lob.fullLobMode) return value;
  const limit = lob.lobMaxSizeKb * 1024;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value.byteLength > limit ? value.subarray(0, limit) : value;
  if (typeof value !== 'string') return value;
  const text = value;
  if (Buffer.byteLength(text, 'utf8') <= limit) return value;
  let end = limit;
  const bytes = Buffer.from(text, 'utf8');
  // Back off continuation bytes (10xxxxxx) so the cut never splits a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
