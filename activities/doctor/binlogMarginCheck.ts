import { BinlogMarginFacts, BinlogTaskLag, evaluateBinlogMargin, latestDmsTime, stoppedForSeconds } from '../../domain/doctor/binlogMargin';
import type { CheckResult } from '../../domain/doctor/findings';
import type { TableStatSnapshot, TaskSnapshot } from '../../domain/dmsStates';
import { retentionHours } from '../../domain/sourceReadiness';
import type { ActivityDeps } from '../deps';
import { sourceMysqlActivities } from '../sourceMysql';
import { DoctorCheckInput, doctorFacts, periodFor, tableLabel } from './doctorFacts';

const CDC_TYPES = new Set(['cdc', 'full-load-and-cdc']);
/** CloudWatch keeps hourly datapoints for 455 days; 90 days of them is more than any sane retention. */
const MAX_LOOKBACK_HOURS = 90 * 24;

/** Binlog retention of each source in scope vs the configured minimum and the longest CDC lag observed. */
export function binlogMarginCheck(deps: ActivityDeps) {
  const source = sourceMysqlActivities(deps);
  return {
    async checkBinlogMargin(input: DoctorCheckInput): Promise<CheckResult> {
      const facts = doctorFacts(deps);
      const groups = facts.groups(input.taskGroups);
      const tasks = await facts.tasks(groups);
      const windowMinutes = input.metricsWindowMinutes ?? 15;
      const minimumHours = deps.config.thresholds.binlogRetentionDays * 24;
      const statsByTask = new Map<string, TableStatSnapshot[]>();
      for (const task of Object.values(tasks)) if (task) statsByTask.set(task.arn, await facts.stats(task));
      const allTasks = Object.values(tasks).filter((t): t is TaskSnapshot => t !== null);
      const dmsNow = latestDmsTime(allTasks, [...statsByTask.values()].flat());

      const out: BinlogMarginFacts[] = [];
      for (const sourceName of [...new Set(groups.map((g) => g.source))]) {
        const sourceFacts = await facts.fromSource(sourceName, 'reading binlog retention', () =>
          source.readSourceFacts({ source: sourceName }),
        );
        const retention = retentionHours(sourceFacts);
        const lookbackHours = Math.max(1, Math.min(MAX_LOOKBACK_HOURS, retention.hours ?? minimumHours));
        const lags: BinlogTaskLag[] = [];
        for (const group of groups.filter((g) => g.source === sourceName)) {
          const task = tasks[group.taskIdentifier];
          if (!task || !CDC_TYPES.has(task.migrationType ?? '')) continue;
          const instance = await facts.instance(group.instance);
          const dimensions = facts.dimensions(instance?.identifier ?? group.instance, task);
          const lookbackMinutes = Math.ceil(lookbackHours * 60);
          const [longest, recent] = await facts.metrics([
            {
              metric: 'CDCLatencySource',
              dimensions,
              minutes: lookbackMinutes,
              statistic: 'Maximum',
              periodSeconds: periodFor(lookbackMinutes),
            },
            { metric: 'CDCLatencySource', dimensions, minutes: windowMinutes, statistic: 'Maximum' },
          ]);
          const stoppedFor = stoppedForSeconds(task, dmsNow);
          lags.push({
            identifier: task.identifier,
            status: task.status,
            tables: (statsByTask.get(task.arn) ?? []).map(tableLabel),
            latencyMaxSeconds: longest!.max,
            latencyLatestSeconds: recent!.latest,
            stoppedForSecondsAtLeast: stoppedFor,
            stopDate: task.stopDate,
          });
          facts.beat({ source: sourceName, tasks: lags.length });
        }
        out.push({
          source: sourceName,
          retention,
          onRds: sourceFacts.rdsRetentionHours !== undefined,
          minimumHours,
          lookbackHours,
          tasks: lags,
        });
      }
      return evaluateBinlogMargin(out, input.at);
    },
  };
}
