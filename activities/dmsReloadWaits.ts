import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { TableStatSnapshot, TaskSnapshot } from '../domain/dmsStates';
import { reloadVerdict, ReloadWatch } from '../domain/reloadProgress';
import type { AfterChange } from '../domain/describeLag';
import type { ActivityDeps } from './deps';
import { staleTaskView } from './dmsWaits';
import { Failure } from '../contracts/failures';
import { formatTableName } from '../domain/tableName';

/**
 * The wait's answer: the task, and the rows DMS loaded into each table waited for. Only the counts, and only of those
 * tables: the whole task's statistics made a 647 KB result at 2,000 tables. Results from before this carry `stats`.
 */
export interface ReloadWaitResult {
  task: TaskSnapshot;
  fullLoadRows?: Record<string, number>;
  stats?: TableStatSnapshot[];
}

function fullLoadRowsOf(stats: TableStatSnapshot[], tables: ReloadWatch[]): Record<string, number> {
  const wanted = new Set(tables.map(formatTableName));
  return Object.fromEntries(stats.filter((s) => wanted.has(formatTableName(s))).map((s) => [formatTableName(s), s.fullLoadRows]));
}

/**
 * Waits for reloaded tables, polling through the retry policy like the other waits (activities/dmsWaits.ts): one
 * check per attempt, a retryable "still waiting" otherwise. A table counts only once a load that started after the
 * reload request has completed, so the `Table completed` of the previous load never ends the wait early.
 */
export function dmsReloadWaitActivities(deps: ActivityDeps) {
  const pollMs = deps.config.waits.pollSeconds * 1000;
  return {
    async waitForReload(input: {
      taskArn: string;
      tables: ReloadWatch[];
      /** The reload-target start of this runbook, which Describe may not show yet. */
      after?: AfterChange;
    }): Promise<ReloadWaitResult> {
      const maxAge = Context.current().info.attempt === 1 ? 0 : pollMs - 100;
      const task = await deps.dmsGateway.task(input.taskArn, maxAge);
      const stale = input.after && staleTaskView(task, input.taskArn, input.after);
      if (stale?.kind === 'failed') throw ApplicationFailure.nonRetryable(stale.why, Failure.DmsTaskFailed);
      if (stale) {
        heartbeat({ lastSeen: stale.why });
        throw ApplicationFailure.create({ type: Failure.StillWaiting, message: `still waiting: ${stale.why}`, nextRetryDelay: pollMs });
      }
      if (!task) throw ApplicationFailure.nonRetryable(`replication task ${input.taskArn} no longer exists`, Failure.DmsTaskFailed);
      const stats = await deps.dmsGateway.tableStatistics(input.taskArn, maxAge);
      let verdict = reloadVerdict(task, stats, input.tables);
      if (verdict.kind === 'failed') {
        // The shared task state may be older than the statistics: read it again for DMS's LastFailureMessage.
        const fresh = await deps.dmsGateway.task(input.taskArn, 0);
        if (fresh) verdict = reloadVerdict(fresh, stats, input.tables);
      }
      if (verdict.kind === 'reached') return { task, fullLoadRows: fullLoadRowsOf(stats, input.tables) };
      if (verdict.kind === 'failed') throw ApplicationFailure.nonRetryable(verdict.why, Failure.DmsTaskFailed);
      heartbeat({ lastSeen: verdict.why });
      throw ApplicationFailure.create({ type: Failure.StillWaiting, message: `still waiting: ${verdict.why}`, nextRetryDelay: pollMs });
    },
  };
}
