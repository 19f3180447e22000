import type { TableStatSnapshot, TaskSnapshot } from '../dmsStates';
import { CheckResult, checkResult, Figure, Finding, Remedy, round } from './findings';
import { fullReloadRemedy, readinessCommand } from './remedies';

/**
 * Binlog margin: how much longer than the worst CDC lag seen the source keeps its binary logs. A binlog that
 * expires while a task is behind loses those events for good, so the question is whether one more outage as long
 * as the longest one observed would outlast the retention.
 *
 * What "lag" is built from, because DMS keeps no history of task stops:
 * - the maximum of CloudWatch `CDCLatencySource` per task over the retention window (a task that resumes after an
 *   outage reports the outage as its source latency), and
 * - for a task stopped or failed now, a lower bound of how long it has been stopped: the latest DMS timestamp seen
 *   in the pipeline (other tasks' start/stop dates, table statistics' LastUpdateTime) minus its StopDate. Only DMS
 *   timestamps are compared with each other, never with the worker's clock.
 */
export interface BinlogTaskLag {
  identifier: string;
  status: string;
  tables: string[];
  latencyMaxSeconds?: number;
  latencyLatestSeconds?: number;
  stoppedForSecondsAtLeast?: number;
  stopDate?: string;
}

export interface BinlogMarginFacts {
  source: string;
  retention: { hours: number | undefined; via: string };
  /** RDS/Aurora keep retention in mysql.rds_set_configuration, others in a server variable. */
  onRds: boolean;
  minimumHours: number;
  /** How far back CloudWatch was read (the retention, capped). */
  lookbackHours: number;
  tasks: BinlogTaskLag[];
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** The latest DMS timestamp among tasks and table statistics: "now" on DMS's clock, never the worker's. */
export function latestDmsTime(tasks: TaskSnapshot[], stats: TableStatSnapshot[]): number | undefined {
  const times = [
    ...tasks.flatMap((t) => [time(t.startDate), time(t.stopDate)]),
    ...stats.flatMap((s) => [time(s.lastUpdateTime), time(s.fullLoadEndTime), time(s.fullLoadStartTime)]),
  ].filter((t) => Number.isFinite(t));
  return times.length ? Math.max(...times) : undefined;
}

/** How long a stopped or failed task has been stopped, at least: the latest DMS time seen minus its StopDate. */
export function stoppedForSeconds(task: TaskSnapshot, dmsNow: number | undefined): number | undefined {
  if ((task.status !== 'stopped' && task.status !== 'failed') || !task.stopDate || dmsNow === undefined) return undefined;
  return Math.max(0, (dmsNow - time(task.stopDate)) / 1000);
}

/** `45 s`, `12 min`, `36.5 h`: lags span seconds to days. */
export function formatLag(hoursValue: number): string {
  if (hoursValue < 1 / 60) return `${Math.round(hoursValue * 3600)} s`;
  if (hoursValue < 1) return `${Math.round(hoursValue * 60)} min`;
  return `${round(hoursValue, 1)} h`;
}

const hours = (seconds: number | undefined) => (seconds ?? 0) / 3600;

export function retentionCommand(onRds: boolean, hoursWanted: number): string {
  return onRds
    ? `CALL mysql.rds_set_configuration('binlog retention hours', ${hoursWanted});`
    : `SET GLOBAL binlog_expire_logs_seconds = ${hoursWanted * 3600}; -- and persist it in my.cnf or the DB parameter group`;
}

export interface BinlogMargin {
  retentionHours?: number;
  longestLagHours: number;
  longestLagTask?: string;
  currentLagHours: number;
  marginHours?: number;
}

export function binlogMargin(facts: BinlogMarginFacts): BinlogMargin {
  let longest = 0;
  let longestTask: string | undefined;
  let current = 0;
  for (const task of facts.tasks) {
    const seen = Math.max(hours(task.latencyMaxSeconds), hours(task.stoppedForSecondsAtLeast));
    if (seen > longest) {
      longest = seen;
      longestTask = task.identifier;
    }
    const now = task.status === 'running' ? hours(task.latencyLatestSeconds) : hours(task.stoppedForSecondsAtLeast);
    current = Math.max(current, now);
  }
  const retention = facts.retention.hours;
  return {
    retentionHours: retention,
    longestLagHours: longest,
    longestLagTask: longestTask,
    currentLagHours: current,
    marginHours: retention === undefined ? undefined : retention - current - longest,
  };
}

function evaluateSource(facts: BinlogMarginFacts, at: string): Finding[] {
  const subject = `source ${facts.source}`;
  const margin = binlogMargin(facts);
  const retention = margin.retentionHours;
  const evidence: Record<string, Figure> = {
    retentionHours: retention === undefined ? null : round(retention, 2),
    retentionVia: facts.retention.via,
    minimumHours: facts.minimumHours,
    longestLagHours: round(margin.longestLagHours, 2),
    longestLagTask: margin.longestLagTask ?? null,
    currentLagHours: round(margin.currentLagHours, 2),
    marginHours: margin.marginHours === undefined ? null : round(margin.marginHours, 2),
    lookbackHours: round(facts.lookbackHours, 2),
    cdcTasks: facts.tasks.length,
  };
  // Whole days, from hours rounded to a tenth: a lag of seconds must not add a day.
  const wanted = Math.max(facts.minimumHours, Math.ceil(round(2 * margin.longestLagHours + margin.currentLagHours) / 24) * 24);
  const fix = (summary: string): Remedy => ({
    summary,
    command: retentionCommand(facts.onRds, wanted),
    steps: [`then check: ${readinessCommand(facts.source, at)}`],
  });
  if (retention === undefined) {
    return [
      {
        check: 'binlogMargin',
        severity: 'info',
        subject,
        title: `source ${facts.source} keeps binlogs until they are purged by hand (${facts.retention.via}); longest CDC lag seen ${round(margin.longestLagHours, 2)} h`,
        evidence,
      },
    ];
  }
  const findings: Finding[] = [];
  if (retention < facts.minimumHours) {
    findings.push({
      check: 'binlogMargin',
      severity: 'critical',
      subject,
      title: `binlog retention of source ${facts.source} is ${round(retention / 24, 2)} days, under the pipeline's minimum of ${round(facts.minimumHours / 24, 2)} days`,
      evidence,
      remedy: fix(`keep binlogs ${wanted / 24} days: an outage longer than the retention loses events for good`),
    });
  }
  if (margin.currentLagHours >= retention) {
    const lagging = facts.tasks.filter((t) => Math.max(hours(t.latencyLatestSeconds), hours(t.stoppedForSecondsAtLeast)) >= retention);
    findings.push({
      check: 'binlogMargin',
      severity: 'critical',
      subject,
      title: `task(s) ${lagging.map((t) => t.identifier).join(', ')} lag ${round(margin.currentLagHours, 2)} h behind a source that keeps ${round(retention, 2)} h of binlog: events may already be lost`,
      evidence,
      remedy: fullReloadRemedy(
        lagging.flatMap((t) => t.tables),
        `CDC lag ${round(margin.currentLagHours, 2)} h exceeds binlog retention ${round(retention, 2)} h`,
        at,
        'task',
      ),
    });
  } else if (margin.currentLagHours + margin.longestLagHours >= retention) {
    findings.push({
      check: 'binlogMargin',
      severity: 'warning',
      subject,
      title: `one more outage as long as the longest seen (${round(margin.longestLagHours, 2)} h, task ${margin.longestLagTask ?? '?'}) would outlast the ${round(retention, 2)} h binlog retention of source ${facts.source}`,
      evidence,
      remedy: fix(`keep binlogs ${wanted / 24} days: twice the longest lag seen plus the current lag`),
    });
  }
  return findings;
}

export function evaluateBinlogMargin(facts: BinlogMarginFacts[], at: string): CheckResult {
  const findings = facts.flatMap((f) => evaluateSource(f, at));
  const summary = facts
    .map((f) => {
      const m = binlogMargin(f);
      return `source ${f.source}: retention ${m.retentionHours === undefined ? 'unlimited' : formatLag(m.retentionHours)}, longest CDC lag seen ${formatLag(m.longestLagHours)}, current ${formatLag(m.currentLagHours)}`;
    })
    .join('; ');
  return checkResult('binlogMargin', summary || 'no source in scope', findings, {
    sources: facts.map((f) => ({ source: f.source, ...binlogMargin(f), minimumHours: f.minimumHours, tasks: f.tasks })),
  });
}
