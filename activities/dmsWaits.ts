import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import {
  describeTask,
  instanceVerdict,
  InstanceSnapshot,
  TaskGoal,
  taskVerdict,
  TableStatSnapshot,
  tablesVerdict,
  stoppedAfterOwnStart,
  TaskSnapshot,
  Verdict,
} from '../domain/dmsStates';
import { type AfterChange, instanceShowsChange, staleViewVerdict, taskShowsChange } from '../domain/describeLag';
import type { ActivityDeps } from './deps';

/**
 * Long waits poll through the activity retry policy: each attempt checks once and, if not there yet, fails with
 * a retryable "still waiting" (no history event per attempt). The workflow's scheduleToCloseTimeout is the
 * deadline; the last state seen is kept in the heartbeat details so a timeout can say where it stopped.
 */
/** A waiting (or, past the grace period, failed) verdict while Describe does not show the runbook's change yet. */
export function staleTaskView(
  task: TaskSnapshot | undefined,
  taskArn: string,
  after: AfterChange,
): Exclude<Verdict, { kind: 'reached' }> | undefined {
  const seen = task ? describeTask(task) : `task ${taskArn} not found`;
  return staleViewVerdict(taskShowsChange(task, after.change), seen, after, Date.now());
}

export function dmsWaitActivities(deps: ActivityDeps) {
  const pollMs = deps.config.waits.pollSeconds * 1000;

  function settle<T>(verdict: Verdict, value: T): T {
    if (verdict.kind === 'reached') return value;
    if (verdict.kind === 'failed') throw ApplicationFailure.nonRetryable(verdict.why, 'DmsTaskFailed');
    heartbeat({ lastSeen: verdict.why });
    throw ApplicationFailure.create({ type: 'StillWaiting', message: `still waiting: ${verdict.why}`, nextRetryDelay: pollMs });
  }

  return {
    /** `after`: the change this runbook just made, which Describe may not show yet (domain/describeLag.ts). */
    async waitForTask(input: { taskArn: string; goal: TaskGoal; after?: AfterChange }): Promise<TaskSnapshot> {
      // The first attempt reads fresh state: the caller may have just changed it.
      const maxAge = Context.current().info.attempt === 1 ? 0 : pollMs - 100;
      let task = await deps.dmsGateway.task(input.taskArn, maxAge);
      // A new mapping shows only in a Describe with settings: one more call, and only after a Modify.
      if (input.after?.change.kind === 'task-modified' && task && task.status !== 'modifying' && task.tableMappings === undefined)
        task = await deps.dmsGateway.taskWithMapping(input.taskArn);
      const stale = input.after && staleTaskView(task, input.taskArn, input.after);
      const started = input.after?.change.kind === 'task-started' && !stale;
      return settle(stale ?? stoppedAfterOwnStart(task, input.goal, started) ?? taskVerdict(task, input.goal), task!);
    },

    async waitForTables(input: {
      taskArn: string;
      tables: Array<{ schema: string; table: string }>;
      after?: AfterChange;
    }): Promise<{ task: TaskSnapshot; stats: TableStatSnapshot[] }> {
      const maxAge = Context.current().info.attempt === 1 ? 0 : pollMs - 100;
      const task = await deps.dmsGateway.task(input.taskArn, maxAge);
      const stale = input.after && staleTaskView(task, input.taskArn, input.after);
      if (stale) return settle(stale, { task: task!, stats: [] });
      if (!task) throw ApplicationFailure.nonRetryable(`replication task ${input.taskArn} no longer exists`, 'DmsTaskFailed');
      // While the task itself says tables are loading and none failed, its table statistics cannot say "done":
      // skip that call, so waiting runbooks cost one shared Describe per poll.
      const loading =
        (task.tablesLoading ?? 0) + (task.tablesQueued ?? 0) > 0 && (task.tablesErrored ?? 0) === 0 && task.status === 'running';
      if (loading)
        return settle(
          { kind: 'waiting', why: `${describeTask(task)}; ${task.tablesLoading ?? 0} tables loading, ${task.tablesQueued ?? 0} queued` },
          { task, stats: [] },
        );
      const stats = await deps.dmsGateway.tableStatistics(input.taskArn, maxAge);
      const verdict = tablesVerdict(task, stats, input.tables);
      // The shared task state may be older than the statistics: read it again for DMS's LastFailureMessage.
      const fresh = verdict.kind === 'failed' ? await deps.dmsGateway.task(input.taskArn, 0) : undefined;
      return settle(fresh ? tablesVerdict(fresh, stats, input.tables) : verdict, { task, stats });
    },

    async waitForInstance(input: { instanceArn: string; after?: AfterChange }): Promise<InstanceSnapshot> {
      const maxAge = Context.current().info.attempt === 1 ? 0 : pollMs - 100;
      const instance = await deps.dmsGateway.instance(input.instanceArn, maxAge);
      const seen = instance
        ? `replication instance ${instance.identifier} is ${instance.status} as ${instance.instanceClass}, ${instance.allocatedStorageGb} GB`
        : `replication instance ${input.instanceArn} not found`;
      const stale = input.after && staleViewVerdict(instanceShowsChange(instance, input.after.change), seen, input.after, Date.now());
      return settle(stale ?? instanceVerdict(instance), instance!);
    },
  };
}
