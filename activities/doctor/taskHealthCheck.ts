import type { CheckResult } from '../../domain/doctor/findings';
import { evaluateTaskHealth, inCdcPhase, TaskHealthFacts } from '../../domain/doctor/taskHealth';
import type { ActivityDeps } from '../deps';
import { concreteTable, DoctorCheckInput, doctorFacts, tableLabel } from './doctorFacts';

const ERRORED = new Set(['Table error', 'Table cancelled']);

/** Task health: status, stop reason, LastFailureMessage, tables in error, and CDC latency from CloudWatch. */
export function taskHealthCheck(deps: ActivityDeps) {
  return {
    async checkTaskHealth(input: DoctorCheckInput): Promise<CheckResult> {
      const facts = doctorFacts(deps);
      const groups = facts.groups(input.taskGroups);
      const windowMinutes = input.metricsWindowMinutes ?? 15;
      const tasks = await facts.tasks(groups);
      const out: TaskHealthFacts[] = [];
      for (const group of groups) {
        const task = tasks[group.taskIdentifier] ?? null;
        const [stats, instance] = await Promise.all([task ? facts.stats(task) : Promise.resolve([]), facts.instance(group.instance)]);
        const allowed = facts.instanceConfig(group.instance)?.allowedClasses ?? [];
        let latency: TaskHealthFacts['latency'];
        if (task && task.status === 'running' && inCdcPhase(task)) {
          const dimensions = facts.dimensions(instance?.identifier ?? group.instance, task);
          const [source, target] = await facts.metrics(
            ['CDCLatencySource', 'CDCLatencyTarget'].map((metric) => ({
              metric,
              dimensions,
              minutes: windowMinutes,
              statistic: 'Maximum' as const,
            })),
          );
          latency = {
            sourceMax: source!.max,
            targetMax: target!.max,
            points: source!.points.length + target!.points.length,
            windowMinutes,
          };
        }
        out.push({
          group: group.name,
          taskIdentifier: group.taskIdentifier,
          firstTable: concreteTable(group),
          task,
          tables: stats.map(tableLabel),
          erroredTables: stats.filter((s) => ERRORED.has(s.state)).map((s) => ({ table: tableLabel(s), state: s.state })),
          latency,
          instance: instance
            ? {
                identifier: group.instance,
                instanceClass: instance.instanceClass,
                allocatedStorageGb: instance.allocatedStorageGb,
                allowedClasses: allowed,
              }
            : undefined,
        });
        facts.beat({ tasks: out.length });
      }
      return evaluateTaskHealth(out, deps.config.thresholds, input.at);
    },
  };
}
