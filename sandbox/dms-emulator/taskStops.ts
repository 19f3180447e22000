import type { BehaviourSettings } from './behaviourSettings';
import type { TaskRecord } from './emulatorState';
import { LOADING_STATES } from './taskStatistics';

/**
 * How a task ends a run, with the StopReason DMS gives. The values are those botocore's `ReplicationTask.StopReason`
 * lists ("Stop Reason NORMAL", "Stop Reason FATAL_ERROR", "Stop Reason STOPPED_AFTER_FULL_LOAD", …); which event
 * gives which is inferred from their descriptions (FIDELITY.md, "Stop reasons and task statistics").
 */
export function stopTask(task: TaskRecord, reason: string, now: number, behaviour: BehaviourSettings): void {
  // A user's stop interrupts the loads under way: `Table cancelled` under tableStates.stoppedWhileLoading (unverified).
  if (reason === 'Stop Reason NORMAL' && behaviour.tableStates.stoppedWhileLoading === 'table-cancelled') {
    for (const key of task.run?.loading ?? []) {
      const table = task.tables[key];
      if (table && (LOADING_STATES.has(table.state) || table.state === 'Before load')) table.state = 'Table cancelled';
    }
  }
  if (task.stats.startDate !== undefined) task.elapsedBeforeMs += now - task.stats.startDate;
  task.stats.elapsedTimeMillis = Math.round(task.elapsedBeforeMs);
  task.stats.stopDate = now;
  task.stopReason = reason;
  task.status = 'stopped';
  task.transitionAt = undefined;
  task.pendingStopReason = undefined;
  task.recoverableSince = undefined;
  task.run = undefined;
}

/** A fatal error: status failed, FATAL_ERROR, the tables still loading end `Table error`. */
export function failTask(task: TaskRecord, message: string, now: number, behaviour: BehaviourSettings): void {
  for (const table of Object.values(task.tables)) {
    if (LOADING_STATES.has(table.state)) table.state = 'Table error';
  }
  stopTask(task, 'Stop Reason FATAL_ERROR', now, behaviour);
  task.status = 'failed';
  task.lastFailureMessage = message;
}

/**
 * A stop the task's error handling settings order ("Error handling task settings": "STOP_TASK – The task stops and
 * manual intervention is required"). Whether DMS shows such a task `failed` or `stopped` is unverified
 * (errors.stopTaskAs); the other tables keep their states.
 */
export function stopForErrors(task: TaskRecord, reason: string, message: string, now: number, behaviour: BehaviourSettings): void {
  stopTask(task, reason, now, behaviour);
  if (behaviour.errors.stopTaskAs === 'failed') task.status = 'failed';
  task.lastFailureMessage = message;
}
