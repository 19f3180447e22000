import type { CheckResult } from '../../domain/doctor/findings';
import { evaluateInstanceHealth, InstanceHealthFacts } from '../../domain/doctor/instanceHealth';
import { inCdcPhase } from '../../domain/doctor/taskHealth';
import type { ActivityDeps } from '../deps';
import { dmsFactActivities } from '../dmsFacts';
import { DoctorCheckInput, doctorFacts } from './doctorFacts';

/** Replication instances of the groups in scope: state, tasks, and FreeStorageSpace / CPU / memory from CloudWatch. */
export function instanceHealthCheck(deps: ActivityDeps) {
  const dms = dmsFactActivities(deps);
  return {
    async checkInstanceHealth(input: DoctorCheckInput): Promise<CheckResult> {
      const facts = doctorFacts(deps);
      const identifiers = [...new Set(facts.groups(input.taskGroups).map((g) => g.instance))];
      const windowMinutes = input.metricsWindowMinutes ?? 15;
      const out: InstanceHealthFacts[] = [];
      for (const identifier of identifiers) {
        const instance = await facts.instance(identifier);
        const configured = facts.instanceConfig(identifier);
        const tasks = instance ? await dms.findTasksOnInstance({ instanceArn: instance.arn }) : [];
        const dimensions = facts.dimensions(instance?.identifier ?? identifier);
        const [storage, cpu, memory] = await facts.metrics([
          { metric: 'FreeStorageSpace', dimensions, minutes: windowMinutes, statistic: 'Minimum' },
          { metric: 'CPUUtilization', dimensions, minutes: windowMinutes, statistic: 'Maximum' },
          { metric: 'FreeableMemory', dimensions, minutes: windowMinutes, statistic: 'Minimum' },
        ]);
        out.push({
          identifier,
          instance,
          allowedClasses: configured?.allowedClasses ?? [],
          hourlyPrices: deps.config.dms.hourlyPrices,
          tasks: tasks.map((t) => ({ identifier: t.identifier, status: t.status, inCdc: inCdcPhase(t) })),
          metrics: {
            windowMinutes,
            points: storage!.points.length + cpu!.points.length + memory!.points.length,
            freeStorageBytesLatest: storage!.latest,
            cpuPercentMax: cpu!.max,
            freeableMemoryBytesMin: memory!.points.length ? Math.min(...memory!.points.map((p) => p.value)) : undefined,
          },
        });
        facts.beat({ instances: out.length });
      }
      return evaluateInstanceHealth(out, deps.config.thresholds, input.at);
    },
  };
}
