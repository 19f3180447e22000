import { afterChange } from '../domain/describeLag';
import { actions, reads } from './engine/activityProxies';
import { Runbook } from './engine/runbook';
import { StoppedTask } from './engine/taskUndo';
import { waiting, waitUntil } from './engine/waits';

/**
 * What a cancelled onboardTable undoes before its task is started again (see onboardTable's apply step): the table
 * mapping it changed, and the task it created. Registered before the call, each checks the state first.
 */

/** On cancel: wait for the task to settle, then give it back the mapping it had before this run. */
export function restoreMappingOnCancel(runbook: Runbook, task: StoppedTask, previousMapping: string, table: string): () => void {
  return runbook.onCancel(
    `restore task ${task.identifier}'s table mapping from before this run (without ${table})`,
    `aws dms modify-replication-task --replication-task-arn ${task.arn} --table-mappings '${previousMapping.replace(/'/g, "'\\''")}'`,
    async () => {
      const config = runbook.config;
      const wait = waiting(config, config.waits.stateChangeMinutes);
      await waitUntil(`task ${task.identifier} settled`, config.waits.stateChangeMinutes, () =>
        wait.waitForTask({ taskArn: task.arn, goal: 'settled' }),
      );
      const restored = await actions.modifyTaskMapping({ taskArn: task.arn, tableMappings: previousMapping });
      runbook.record(restored);
      if (restored.outcome === 'done') {
        const after = afterChange({ kind: 'task-modified', tableMappings: previousMapping }, config.waits.describeLagSeconds);
        await waitUntil(`task ${task.identifier} modified`, config.waits.stateChangeMinutes, () =>
          wait.waitForTask({ taskArn: task.arn, goal: 'settled', after }),
        );
      }
      return restored.outcome === 'done' ? 'mapping restored' : 'the mapping was never changed';
    },
  );
}

/** On cancel: the task this run created (by identifier: its ARN may not have reached the run) is stopped and deleted. */
export async function deleteCreatedTask(runbook: Runbook, identifier: string): Promise<string> {
  const config = runbook.config;
  const wait = waiting(config, config.waits.stateChangeMinutes);
  const task = (await reads.findTasks({ identifiers: [identifier] }))[identifier];
  if (!task) return 'never created';
  await waitUntil(`task ${identifier} settled`, config.waits.stateChangeMinutes, () =>
    wait.waitForTask({ taskArn: task.arn, goal: 'settled' }),
  );
  const stop = await actions.stopTask({ taskArn: task.arn });
  runbook.record(stop);
  if (stop.outcome === 'done')
    await waitUntil(`task ${identifier} stopped`, config.waits.stateChangeMinutes, () =>
      wait.waitForTask({ taskArn: task.arn, goal: 'stopped' }),
    );
  runbook.record(await actions.deleteTask({ taskArn: task.arn }));
  await waitUntil(`task ${identifier} deleted`, config.waits.stateChangeMinutes, () =>
    wait.waitForTask({ taskArn: task.arn, goal: 'deleted' }),
  );
  return 'deleted';
}
