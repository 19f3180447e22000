import type { RunbookKind } from '../config';

/**
 * What the pipeline doctor reports: findings with a severity, the figures that prove them, and the command that
 * fixes them. Every check produces a CheckResult; the report gathers them.
 */

export const DOCTOR_CHECKS = [
  'taskHealth',
  'instanceHealth',
  'binlogMargin',
  'smallFiles',
  'validation',
  'schemaDrift',
  'leftovers',
  'consumers',
] as const;
export type DoctorCheck = (typeof DOCTOR_CHECKS)[number];

export const CHECK_TITLES: Record<DoctorCheck, string> = {
  taskHealth: 'Task health: status, stop reason, errored tables, CDC latency',
  instanceHealth: 'Replication instances: state, free storage, CPU, memory',
  binlogMargin: 'Binlog margin: retention vs the minimum and the longest CDC lag',
  smallFiles: 'Small files: sizes per table and partition, file settings',
  validation: 'Validation: source rows vs DMS vs Parquet footers',
  schemaDrift: 'Schema drift: the last schemaDriftWatch result',
  leftovers: 'Leftovers of interrupted runs: stopped tasks, temporary DMS resources, staging and quarantine, locks',
  consumers: "The lake's consumers: paused by runbooks no longer running, last runs failed",
};

/** critical: data is or will be lost or wrong; warning: act soon; info: worth knowing, nothing is at risk. */
export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export type Figure = string | number | boolean | null;

export interface Remedy {
  /** The runbook that fixes it, when one does. */
  runbook?: RunbookKind;
  summary: string;
  /** Ready to run: `temporal workflow start …` for a runbook, else the exact CLI or SQL. */
  command: string;
  /** Commands to run around it, in order (stop a task before, check after…). */
  steps?: string[];
}

export interface Finding {
  check: DoctorCheck;
  severity: Severity;
  /** What it is about: `task shop-core`, `table shop.orders`, `instance shop-repl-1`, `source shop`. */
  subject: string;
  title: string;
  evidence: Record<string, Figure>;
  remedy?: Remedy;
}

export type CheckStatus = 'ok' | 'findings' | 'error' | 'skipped';

export interface CheckResult {
  check: DoctorCheck;
  status: CheckStatus;
  /** One line: what was looked at, and the gist. */
  summary: string;
  findings: Finding[];
  /** Per-check figures for machines (per table, per instance…), bounded in size. */
  figures?: Record<string, unknown>;
}

export function checkResult(check: DoctorCheck, summary: string, findings: Finding[], figures?: Record<string, unknown>): CheckResult {
  return { check, status: findings.length ? 'findings' : 'ok', summary, findings, figures };
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** A check that failed to run is itself a finding: the doctor reports what it could not see. */
export function checkError(check: DoctorCheck, message: string): CheckResult {
  return {
    check,
    status: 'error',
    summary: `could not run: ${message}`,
    findings: [
      {
        check,
        severity: 'warning',
        subject: `check ${check}`,
        title: `the doctor could not run the ${check} check: ${message}`,
        evidence: {},
      },
    ],
  };
}
