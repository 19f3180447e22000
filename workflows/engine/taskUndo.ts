import { resumeCommand } from '../../domain/instanceResize';
import { actions } from './activityProxies';
import { Runbook } from './runbook';
import { waiting, waitUntil } from './waits';

export interface StoppedTask {
  arn: string;
  identifier: string;
}

export interface ResumeOnCancel {
  /** The StopReplicationTask call returned: the undo waits for `stopped`, not just a settled state. */
  stopMade: () => void;
  /** The body resumed the task itself: nothing to undo. */
  drop: () => void;
}

/**
 * Registers, before a runbook stops a task, the undo a cancel runs: wait until the stop made has ended (Describe may
 * still show `running` right after StopReplicationTask: domain/describeLag.ts), or until the task settles when the
 * call never returned, then resume it if it is stopped. `before` runs first when given (e.g. wait for the instance
 * the task runs on). With `onCancel.stoppedTasks: leave-stopped` the task stays stopped and its resume command is
 * printed.
 */
export function resumeOnCancel(runbook: Runbook, task: StoppedTask, before?: () => Promise<void>): ResumeOnCancel {
  const command = resumeCommand(task);
  let made = false;
  const stopMade = () => {
    made = true;
  };
  if (runbook.config.onCancel?.stoppedTasks === 'leave-stopped') {
    const drop = runbook.onCancel(
      `task ${task.identifier} stays stopped (onCancel.stoppedTasks: leave-stopped); resume it by hand`,
      command,
    );
    return { stopMade, drop };
  }
  const drop = runbook.onCancel(`resume task ${task.identifier}, stopped by this run`, command, async () => {
    if (before) await before();
    const config = runbook.config;
    const settled = await waitUntil(`task ${task.identifier} ${made ? 'stopped' : 'settled'}`, config.waits.stateChangeMinutes, () =>
      waiting(config, config.waits.stateChangeMinutes).waitForTask({ taskArn: task.arn, goal: made ? 'stopped' : 'settled' }),
    );
    if (settled.status === 'running') return 'already running';
    const started = await actions.startTask({ taskArn: task.arn, startType: 'resume-processing' });
    runbook.record(started);
    await waitUntil(`task ${task.identifier} running`, config.waits.stateChangeMinutes, () =>
      waiting(config, config.waits.stateChangeMinutes).waitForTask({ taskArn: task.arn, goal: 'running' }),
    );
    return `resumed (${started.outcome}): ${settled.status} → running`;
  });
  return { stopMade, drop };
}
