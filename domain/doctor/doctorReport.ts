import { CHECK_TITLES, CheckResult, CheckStatus, DoctorCheck, Finding, SEVERITY_ORDER, Severity } from './findings';

/** The doctor's result for machines: every finding sorted by severity, and each check's summary and figures. */
export interface DoctorReport {
  pipeline: string;
  generatedAt: string;
  scope: { taskGroups: string[]; allGroups: boolean };
  /** No critical and no warning finding (info findings do not make a pipeline unhealthy). */
  healthy: boolean;
  counts: Record<Severity, number>;
  checks: Array<{ check: DoctorCheck; title: string; status: CheckStatus; summary: string; findings: number }>;
  findings: Finding[];
  figures: Partial<Record<DoctorCheck, Record<string, unknown>>>;
}

export function buildDoctorReport(input: {
  pipeline: string;
  generatedAt: string;
  taskGroups: string[];
  allGroups: boolean;
  results: CheckResult[];
}): DoctorReport {
  const findings = input.results
    .flatMap((r) => r.findings)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const figures: DoctorReport['figures'] = {};
  for (const r of input.results) if (r.figures) figures[r.check] = r.figures;
  return {
    pipeline: input.pipeline,
    generatedAt: input.generatedAt,
    scope: { taskGroups: input.taskGroups, allGroups: input.allGroups },
    healthy: counts.critical === 0 && counts.warning === 0,
    counts,
    checks: input.results.map((r) => ({
      check: r.check,
      title: CHECK_TITLES[r.check],
      status: r.status,
      summary: r.summary,
      findings: r.findings.length,
    })),
    findings,
    figures,
  };
}

/** One line for the result message and the notification's first line. */
export function reportHeadline(report: DoctorReport): string {
  const { critical, warning, info } = report.counts;
  return report.healthy
    ? `healthy: no critical or warning finding${info ? ` (${info} info)` : ''} across ${report.checks.length} check(s)`
    : `${critical} critical, ${warning} warning, ${info} info finding(s) across ${report.checks.length} check(s)`;
}
