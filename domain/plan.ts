/**
 * A runbook's plan: every mutating call it will make with its parameters, the S3 prefixes it touches, how long it
 * should take and what it costs. Built by pure code from facts; shown at each gate; returned as is by a dry run.
 */
export interface PlannedCall {
  service: 'dms' | 's3' | 'rds' | 'temporal' | 'consumer';
  operation: string;
  /** The parameters the call will carry (ARNs, classes, mapping, prefixes). */
  params: Record<string, unknown>;
  why: string;
}

export interface PlannedPrefix {
  prefix: string;
  action: 'write' | 'move-to-quarantine' | 'restore' | 'delete' | 'publish';
  objects?: number;
  bytes?: number;
}

/** One row of a cost table: an option, its class, price per hour, hours and total (blank where it does not apply). */
export interface CostLine {
  item: string;
  instanceClass?: string;
  hourly?: number;
  hours?: number;
  total?: number;
}

export interface CostEstimate {
  currency: 'USD';
  currentHourly?: number;
  targetHourly?: number;
  /** Cost of the change itself for its expected duration. */
  estimate: number;
  note: string;
  /** The comparison an approver reads (current vs target, and what a plan saves). */
  lines?: CostLine[];
}

export interface Plan {
  summary: string;
  calls: PlannedCall[];
  prefixes: PlannedPrefix[];
  expectedMinutes: number;
  cost?: CostEstimate;
  warnings: string[];
  /** Runbook-specific evidence shown with the plan: mapping diff, schema diff, per-partition counts… */
  details: Record<string, unknown>;
}

export function emptyPlan(summary: string): Plan {
  return { summary, calls: [], prefixes: [], expectedMinutes: 0, warnings: [], details: {} };
}

export function planToMarkdown(plan: Plan): string {
  const lines = [`**Plan:** ${plan.summary}`, ''];
  if (plan.calls.length) {
    lines.push('| # | call | parameters | why |', '|---|---|---|---|');
    plan.calls.forEach((call, i) => {
      const params = JSON.stringify(call.params).replace(/\|/g, '\\|');
      lines.push(
        `| ${i + 1} | ${call.service}:${call.operation} | \`${params.length > 300 ? params.slice(0, 297) + '…' : params}\` | ${call.why} |`,
      );
    });
    lines.push('');
  } else {
    lines.push('No mutating call.', '');
  }
  if (plan.prefixes.length) {
    lines.push('S3 prefixes touched:');
    for (const p of plan.prefixes) {
      const size = p.objects !== undefined ? ` (${p.objects} objects, ${formatBytes(p.bytes ?? 0)})` : '';
      lines.push(`- \`${p.prefix}\` — ${p.action}${size}`);
    }
    lines.push('');
  }
  lines.push(`Expected duration: about ${plan.expectedMinutes} min.`);
  if (plan.cost) {
    lines.push(`Cost: ~${plan.cost.estimate.toFixed(2)} ${plan.cost.currency} — ${plan.cost.note}`);
    if (plan.cost.lines?.length) lines.push('', ...costTableMarkdown(plan.cost.lines, plan.cost.currency), '');
  }
  for (const warning of plan.warnings) lines.push(`> ⚠ ${warning}`);
  return lines.join('\n');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `| item | class | USD/hour | hours | USD |`; blanks where a figure does not apply or a price is unknown. */
export function costTableMarkdown(lines: CostLine[], currency = 'USD'): string[] {
  // Small prices keep their third decimal (dms.t3.medium is 0.078 USD/hour).
  const money = (v?: number) => (v === undefined ? '' : v.toFixed(v !== 0 && Math.abs(v) < 0.1 ? 3 : 2));
  const hours = (v?: number) => (v === undefined ? '' : String(Math.round(v * 100) / 100));
  return [
    `| item | class | ${currency}/hour | hours | ${currency} |`,
    '|---|---|---:|---:|---:|',
    ...lines.map((l) => `| ${l.item} | ${l.instanceClass ?? ''} | ${money(l.hourly)} | ${hours(l.hours)} | ${money(l.total)} |`),
  ];
}
