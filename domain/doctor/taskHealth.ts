import { TaskSnapshot, stopReason, taskHasRun } from '../dmsStates';
import { CheckResult, checkResult, Figure, Finding, Remedy, round } from './findings';
import { largerClass } from './instanceClassChoice';
import { stopReasonAdvice } from '../stopReasons';
import { fullReloadRemedy, onboardRemedy, resizeRemedy, resumeTaskCommand } from './remedies';

/** The figures one task group contributes to the task-health check. */
export interface TaskHealthFacts {
  group: string;
  taskIdentifier: string;
  /** A concrete table of the group (no wildcard), to onboard when the task does not exist. */
  firstTable?: string;
  task: TaskSnapshot | null;
  /** Tables in the task's statistics, and those in `Table error` / `Table cancelled`. */
  tables: string[];
  erroredTables: Array<{ table: string; state: string }>;
  /** CloudWatch CDCLatencySource/Target over the window, for a running task past its full load. */
  latency?: { sourceMax?: number; targetMax?: number; points: number; windowMinutes: number };
  instance?: { identifier: string; instanceClass: string; allocatedStorageGb: number; allowedClasses: string[] };
}

const CDC_TYPES = new Set(['cdc', 'full-load-and-cdc']);
const TRANSITIONAL = new Set(['creating', 'starting', 'stopping', 'modifying', 'deleting', 'moving', 'testing']);

/** A CDC task whose full load is done (or that has none): its latency is meaningful. */
export function inCdcPhase(task: TaskSnapshot): boolean {
  if (!CDC_TYPES.has(task.migrationType ?? '')) return false;
  if (task.migrationType === 'cdc') return true;
  return (task.fullLoadProgressPercent ?? 0) >= 100 && (task.tablesLoading ?? 0) === 0 && (task.tablesQueued ?? 0) === 0;
}

function taskEvidence(task: TaskSnapshot): Record<string, Figure> {
  return {
    status: task.status,
    stopReason: stopReason(task) ?? null,
    lastFailureMessage: task.lastFailureMessage ?? null,
    tablesErrored: task.tablesErrored ?? 0,
    fullLoadProgressPercent: task.fullLoadProgressPercent ?? null,
    migrationType: task.migrationType ?? null,
    taskArn: task.arn,
  };
}

function biggerInstanceRemedy(facts: TaskHealthFacts, why: string, at: string): Remedy | undefined {
  const instance = facts.instance;
  if (!instance) return undefined;
  const target = largerClass(instance.allowedClasses, instance.instanceClass);
  if (!target)
    return {
      summary: `${why}; no class larger than ${instance.instanceClass} is allowed for ${instance.identifier}: add one to dms.replicationInstances[].allowedClasses`,
      command: `aws dms describe-orderable-replication-instances`,
    };
  return resizeRemedy(instance.identifier, target, `${why}: move ${instance.identifier} from ${instance.instanceClass} to ${target}`, at);
}

function evaluateTask(facts: TaskHealthFacts, maxLatency: number, at: string): Finding[] {
  const task = facts.task;
  const subject = `task ${facts.taskIdentifier}`;
  if (!task) {
    return [
      {
        check: 'taskHealth',
        severity: 'info',
        subject,
        title: `task group ${facts.group} has no DMS task ${facts.taskIdentifier} yet`,
        evidence: { group: facts.group, taskIdentifier: facts.taskIdentifier },
        remedy: facts.firstTable ? onboardRemedy(facts.firstTable, facts.group, at) : undefined,
      },
    ];
  }
  const findings: Finding[] = [];
  const reason = stopReason(task);
  const evidence = taskEvidence(task);
  const describe = `${task.status}${reason ? ` (${reason})` : ''}`;
  const resume = resumeTaskCommand(task.arn);
  const reloadTask = (why: string): Remedy =>
    facts.tables.length
      ? {
          ...fullReloadRemedy(facts.tables, why, at, 'task'),
          steps: [`or, once the cause is fixed and the full load had finished: ${resume}`],
        }
      : { summary: 'read LastFailureMessage, fix the cause, then resume', command: resume };

  if (task.status === 'failed') {
    findings.push({
      check: 'taskHealth',
      severity: 'critical',
      subject,
      title: `task ${task.identifier} failed${reason ? ` (${reason})` : ''}: ${task.lastFailureMessage ?? 'no LastFailureMessage'}`,
      evidence,
      remedy: reloadTask(`task ${task.identifier} failed: ${task.lastFailureMessage ?? describe}`),
    });
  } else if (task.status === 'stopped') {
    const cdc = CDC_TYPES.has(task.migrationType ?? '');
    if (reason === 'STOPPED_DUE_TO_LOW_DISK' && facts.instance) {
      const grown = Math.max(facts.instance.allocatedStorageGb * 2, facts.instance.allocatedStorageGb + 50);
      findings.push({
        check: 'taskHealth',
        severity: 'critical',
        subject,
        title: `task ${task.identifier} stopped: the replication instance ran out of disk`,
        evidence,
        remedy: {
          ...resizeRemedy(
            facts.instance.identifier,
            facts.instance.instanceClass,
            `grow ${facts.instance.identifier}'s storage from ${facts.instance.allocatedStorageGb} to ${grown} GB, then resume`,
            at,
            grown,
          ),
          steps: [resume],
        },
      });
    } else if (reason === 'STOPPED_DUE_TO_LOW_MEMORY') {
      const remedy = biggerInstanceRemedy(facts, 'the task ran out of memory', at);
      findings.push({
        check: 'taskHealth',
        severity: 'critical',
        subject,
        title: `task ${task.identifier} stopped: the replication instance ran out of memory`,
        evidence,
        remedy: remedy ? { ...remedy, steps: [resume] } : undefined,
      });
    } else if (reason === 'FATAL_ERROR' || reason === 'RECOVERABLE_ERROR') {
      findings.push({
        check: 'taskHealth',
        severity: 'critical',
        subject,
        title: `task ${task.identifier} stopped on an error (${reason}): ${task.lastFailureMessage ?? 'no LastFailureMessage'}`,
        evidence,
        remedy: reloadTask(`task ${task.identifier} stopped: ${task.lastFailureMessage ?? describe}`),
      });
    } else if (cdc) {
      findings.push({
        check: 'taskHealth',
        severity: 'warning',
        subject,
        title: `task ${task.identifier} is stopped (${reason ?? 'no stop reason'}): no changes are replicated, and the binlog it needs ages; ${stopReasonAdvice(reason, task.migrationType)}`,
        evidence,
        remedy: { summary: 'resume CDC from the task’s checkpoint', command: resume },
      });
    }
  } else if (task.status === 'ready' && taskHasRun(task)) {
    // A task that ran can show `ready` after a Modify: start-replication would be refused, resume it.
    findings.push({
      check: 'taskHealth',
      severity: 'warning',
      subject,
      title: `task ${task.identifier} is ready (modified since it last ran) and not running`,
      evidence,
      remedy: { summary: 'resume it', command: resumeTaskCommand(task.arn) },
    });
  } else if (task.status === 'ready') {
    findings.push({
      check: 'taskHealth',
      severity: 'warning',
      subject,
      title: `task ${task.identifier} was created but never started`,
      evidence,
      remedy: {
        summary: 'start it',
        command: `aws dms start-replication-task --replication-task-arn ${task.arn} --start-replication-task-type start-replication`,
      },
    });
  } else if (TRANSITIONAL.has(task.status)) {
    findings.push({ check: 'taskHealth', severity: 'info', subject, title: `task ${task.identifier} is ${task.status}`, evidence });
  } else if (task.status !== 'running') {
    findings.push({
      check: 'taskHealth',
      severity: 'warning',
      subject,
      title: `task ${task.identifier} is in an unexpected state "${task.status}"`,
      evidence,
    });
  }

  if (facts.erroredTables.length && task.status !== 'failed') {
    findings.push({
      check: 'taskHealth',
      severity: 'critical',
      subject,
      title: `${facts.erroredTables.length} table(s) of task ${task.identifier} in error: ${facts.erroredTables.map((t) => `${t.table} (${t.state})`).join(', ')}`,
      evidence: { ...evidence, tables: facts.erroredTables.map((t) => t.table).join(', ') },
      remedy: fullReloadRemedy(
        facts.erroredTables.map((t) => t.table),
        `table error in task ${task.identifier}: ${task.lastFailureMessage ?? 'see DescribeTableStatistics'}`,
        at,
      ),
    });
  }

  if (task.status === 'running' && inCdcPhase(task) && facts.latency) {
    const { sourceMax, targetMax, points, windowMinutes } = facts.latency;
    const worst = Math.max(sourceMax ?? 0, targetMax ?? 0);
    const latencyEvidence = {
      cdcLatencySourceMaxSeconds: sourceMax ?? null,
      cdcLatencyTargetMaxSeconds: targetMax ?? null,
      thresholdSeconds: maxLatency,
      windowMinutes,
      taskArn: task.arn,
    };
    if (points === 0) {
      findings.push({
        check: 'taskHealth',
        severity: 'info',
        subject,
        title: `no CDC latency datapoints for task ${task.identifier} in the last ${windowMinutes} min (CloudWatch AWS/DMS)`,
        evidence: latencyEvidence,
      });
    } else if (worst > maxLatency) {
      const side = (targetMax ?? 0) > (sourceMax ?? 0) ? 'target (writing to S3)' : 'source (reading the binlog)';
      findings.push({
        check: 'taskHealth',
        severity: worst > maxLatency * 10 ? 'critical' : 'warning',
        subject,
        title: `CDC latency of task ${task.identifier} reached ${round(worst)} s (threshold ${maxLatency} s), mostly on the ${side}`,
        evidence: latencyEvidence,
        remedy: biggerInstanceRemedy(
          facts,
          `CDC latency ${round(worst)} s over ${maxLatency} s (check the instance's CPU and memory too)`,
          at,
        ),
      });
    }
  }
  return findings;
}

export function evaluateTaskHealth(facts: TaskHealthFacts[], thresholds: { cdcLatencySecondsMax: number }, at: string): CheckResult {
  const findings = facts.flatMap((f) => evaluateTask(f, thresholds.cdcLatencySecondsMax, at));
  const byStatus = new Map<string, number>();
  for (const f of facts) byStatus.set(f.task?.status ?? 'missing', (byStatus.get(f.task?.status ?? 'missing') ?? 0) + 1);
  const latencies = facts.flatMap((f) => [f.latency?.sourceMax, f.latency?.targetMax]).filter((v): v is number => v !== undefined);
  const summary = `${facts.length} task(s): ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ')}${
    latencies.length ? `; max CDC latency ${round(Math.max(...latencies))} s` : ''
  }`;
  return checkResult('taskHealth', summary, findings, {
    tasks: facts.map((f) => ({
      group: f.group,
      task: f.taskIdentifier,
      status: f.task?.status ?? 'missing',
      stopReason: f.task ? (stopReason(f.task) ?? null) : null,
      tables: f.tables.length,
      erroredTables: f.erroredTables.length,
      cdcLatencySourceMaxSeconds: f.latency?.sourceMax ?? null,
      cdcLatencyTargetMaxSeconds: f.latency?.targetMax ?? null,
    })),
  });
}
