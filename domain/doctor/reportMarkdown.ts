import type { DoctorReport } from './doctorReport';
import type { CheckStatus, Figure, Finding, Severity } from './findings';

/** The doctor's report for people: the Web UI's current details and the `completed` notification. */

const SEVERITY_MARK: Record<Severity, string> = { critical: '🔴', warning: '🟠', info: '🔵' };
const STATUS_MARK: Record<CheckStatus, string> = { ok: '✅ ok', findings: '⚠️ findings', error: '❌ could not run', skipped: '⏭️ skipped' };

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function formatFigure(value: Figure): string {
  if (value === null) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return String(value);
}

function findingMarkdown(f: Finding): string[] {
  const lines = [`#### ${SEVERITY_MARK[f.severity]} ${f.severity} — ${f.subject}`, '', f.title, ''];
  const evidence = Object.entries(f.evidence);
  if (evidence.length) lines.push(`Evidence: ${evidence.map(([k, v]) => `${k} \`${cell(formatFigure(v))}\``).join(' · ')}`, '');
  if (f.remedy) {
    lines.push(
      `Fix${f.remedy.runbook ? ` (runbook \`${f.remedy.runbook}\`)` : ''}: ${f.remedy.summary}`,
      '',
      '```sh',
      f.remedy.command,
      '```',
    );
    if (f.remedy.steps?.length) lines.push(...f.remedy.steps.map((s) => `- \`${s}\``));
    lines.push('');
  }
  return lines;
}

export function reportToMarkdown(report: DoctorReport): string {
  const { critical, warning, info } = report.counts;
  const lines = [
    `## Pipeline doctor — ${report.pipeline}`,
    '',
    `Scope: ${report.scope.allGroups ? 'all task groups' : `task groups ${report.scope.taskGroups.join(', ')}`} · ${report.generatedAt}`,
    '',
    report.healthy
      ? `**✅ Healthy** — no critical or warning finding${info ? ` (${info} info)` : ''}`
      : `**${SEVERITY_MARK.critical} ${critical} critical · ${SEVERITY_MARK.warning} ${warning} warning · ${SEVERITY_MARK.info} ${info} info**`,
    '',
    '| check | status | summary |',
    '| --- | --- | --- |',
    ...report.checks.map(
      (c) => `| ${cell(c.title)} | ${STATUS_MARK[c.status]}${c.findings ? ` (${c.findings})` : ''} | ${cell(c.summary)} |`,
    ),
    '',
  ];
  if (report.findings.length) {
    lines.push('### Findings', '');
    for (const f of report.findings) lines.push(...findingMarkdown(f));
  }
  return lines.join('\n').trimEnd();
}
