/**
 * What each StopReason DMS returns means for a runbook, and what the operator does next. The values are those the API
 * reference lists for `ReplicationTask.StopReason` ("This response parameter can return one of the following values"),
 * written there as "Stop Reason <VALUE>"; the meanings in quotes are the API reference's, the rest is inferred from
 * the names and from "Full-load task settings" / "Error handling task settings" (sandbox/dms-emulator/FIDELITY.md).
 */

/** A full load that completed (API reference: "Full load completed, with cached changes not applied / applied"). */
export const FULL_LOAD_DONE_REASONS = new Set(['FULL_LOAD_ONLY_FINISHED', 'STOPPED_AFTER_FULL_LOAD', 'STOPPED_AFTER_CACHED_EVENTS']);

/**
 * Stops DMS makes to restart the task itself (RECONFIGURATION_RESTART, RECYCLE_TASK: the API reference gives no
 * description; that DMS starts the task again is unverified): a wait for `running` keeps waiting, to its deadline.
 */
export const TRANSIENT_STOP_REASONS = new Set(['RECONFIGURATION_RESTART', 'RECYCLE_TASK']);

const STOP_AFTER_FULL_LOAD_FIX =
  'set FullLoadSettings.StopTaskCachedChangesApplied and StopTaskCachedChangesNotApplied to false (ModifyReplicationTask), then start the task with resume-processing so CDC runs';

/** Why the task stopped and the next step, for a reason other than the runbook's own goal. */
export function stopReasonAdvice(reason: string | undefined, migrationType?: string): string {
  switch (reason) {
    case undefined:
      return 'DMS gave no StopReason: read LastFailureMessage and the task log';
    case 'NORMAL':
      return 'stopped by a StopReplicationTask call (a user or another runbook): find who stopped it (CloudTrail), then start it with resume-processing';
    case 'FULL_LOAD_ONLY_FINISHED':
      return migrationType === 'full-load'
        ? 'its full load finished'
        : `its full load finished and it stopped without running CDC (API reference: "DMS applied cached changes if you set StopTaskCachedChangesApplied to true"): ${STOP_AFTER_FULL_LOAD_FIX}`;
    case 'STOPPED_AFTER_FULL_LOAD':
      return `"Full load completed, with cached changes not applied": FullLoadSettings.StopTaskCachedChangesNotApplied is true, so no change is replicated: ${STOP_AFTER_FULL_LOAD_FIX}`;
    case 'STOPPED_AFTER_CACHED_EVENTS':
      return `"Full load completed, with cached changes applied": FullLoadSettings.StopTaskCachedChangesApplied is true, so changes after the load are not replicated: ${STOP_AFTER_FULL_LOAD_FIX}`;
    case 'RECOVERABLE_ERROR':
      return 'DMS gave up restarting it after a recoverable error (ErrorBehavior.RecoverableErrorCount): fix the cause in LastFailureMessage (source or target unreachable?), then start it with resume-processing';
    case 'FATAL_ERROR':
      return 'a fatal error, or ErrorBehavior stopped it for a table error (TableErrorPolicy / TableErrorEscalationCount): fix the cause in LastFailureMessage and the task log, then start it with resume-processing (ReloadTables for tables in error)';
    case 'STOPPED_DUE_TO_LOW_DISK':
      return 'the replication instance ran out of storage: grow its AllocatedStorage (resizeInstance), then start the task with resume-processing';
    case 'STOPPED_DUE_TO_LOW_MEMORY':
      return 'the replication instance ran out of memory: a larger instance class (resizeInstance) or a lower MaxFullLoadSubTasks, then resume-processing';
    case 'STOPPED_AT_SERVER_TIME':
    case 'STOPPED_AT_COMMIT_TIME':
      return 'it reached its CdcStopPosition ("User-defined … time for stopping task"): clear CdcStopPosition and start it with resume-processing if it should run on';
    case 'STOPPED_AFTER_DDL_APPLY':
      return '"User-defined stop task after DDL applied": check the DDL, then start it with resume-processing';
    case 'RECONFIGURATION_RESTART':
    case 'RECYCLE_TASK':
      return 'DMS stopped it to restart it; if it does not come back to running, start it with resume-processing';
    default:
      return `stop reason ${reason}: read LastFailureMessage and the task log before starting it again with resume-processing`;
  }
}
