import { CheckResult, checkResult, Finding } from './findings';
import { fullReloadRemedy, schemaDriftScheduleRemedy } from './remedies';

/**
 * The doctor reports what the last `schemaDriftWatch` run found; it does not diff schemas itself. The watch's
 * result is read as opaque JSON, best effort: lists named `unsafe`/`unsafeChanges` (every item unsafe) or
 * `changes` (items marked unsafe by `unsafe: true`, `safe: false`, or a classification/kind/severity that says
 * "unsafe"), found at the top level or under `report`.
 */
export interface DriftRun {
  workflowId: string;
  runId: string;
  closedAt?: string;
  result: unknown;
}

export interface DriftChange {
  table: string;
  column?: string;
  change: string;
  unsafe: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function tableOf(item: Json): string | undefined {
  const t = item.table;
  if (typeof t === 'string') return t.includes('.') || typeof item.schema !== 'string' ? t : `${item.schema}.${t}`;
  if (isObject(t) && typeof t.schema === 'string' && typeof t.table === 'string') return `${t.schema}.${t.table}`;
  return undefined;
}

function describeChange(item: Json): string {
  for (const key of ['description', 'classification', 'kind', 'change', 'type']) {
    if (typeof item[key] === 'string') return item[key];
  }
  return JSON.stringify(item).slice(0, 200);
}

function saysUnsafe(item: Json): boolean {
  if (item.unsafe === true || item.safe === false) return true;
  return ['classification', 'kind', 'severity', 'verdict', 'safety'].some((k) => typeof item[k] === 'string' && /unsafe/i.test(item[k]));
}

export function readDriftChanges(result: unknown): { changes: DriftChange[]; recognised: boolean } {
  const roots = [result, isObject(result) ? result.report : undefined].filter(isObject);
  const changes: DriftChange[] = [];
  let recognised = false;
  const take = (items: unknown, allUnsafe: boolean) => {
    if (!Array.isArray(items)) return;
    recognised = true;
    for (const item of items.filter(isObject)) {
      const table = tableOf(item);
      if (!table) continue;
      const column = typeof item.column === 'string' ? item.column : undefined;
      const change = describeChange(item);
      const unsafe = allUnsafe || saysUnsafe(item);
      if (!changes.some((c) => c.table === table && c.column === column && c.change === change && c.unsafe === unsafe))
        changes.push({ table, column, change, unsafe });
    }
  };
  for (const root of roots) {
    take(root.unsafe, true);
    take(root.unsafeChanges, true);
    take(root.changes, false);
  }
  return { changes, recognised };
}

export function evaluateSchemaDrift(run: DriftRun | null, inScope: (table: string) => boolean, at: string, running?: string): CheckResult {
  if (!run && running) {
    return checkResult('schemaDrift', `schemaDriftWatch ${running} is running; no run has completed yet`, [
      {
        check: 'schemaDrift',
        severity: 'info',
        subject: 'schemaDriftWatch',
        title: `schemaDriftWatch is running (${running}) but no run has completed yet: its findings appear here once one does`,
        evidence: { workflowId: running },
      },
    ]);
  }
  if (!run) {
    return checkResult('schemaDrift', 'schemaDriftWatch is not running: no completed run found', [
      {
        check: 'schemaDrift',
        severity: 'info',
        subject: 'schemaDriftWatch',
        title: 'schemaDriftWatch is not running: no completed run found, so ENUM/SET changes that corrupt CDC go unnoticed',
        evidence: {},
        remedy: schemaDriftScheduleRemedy(),
      },
    ]);
  }
  const { changes, recognised } = readDriftChanges(run.result);
  const evidenceBase = { workflowId: run.workflowId, runId: run.runId, closedAt: run.closedAt ?? null };
  if (!recognised) {
    return checkResult('schemaDrift', `last schemaDriftWatch run ${run.workflowId}: result not understood`, [
      {
        check: 'schemaDrift',
        severity: 'info',
        subject: 'schemaDriftWatch',
        title: `the last schemaDriftWatch run (${run.workflowId}) returned a result without a changes/unsafe list; read it with temporal workflow show`,
        evidence: evidenceBase,
      },
    ]);
  }
  const scoped = changes.filter((c) => inScope(c.table));
  const unsafeByTable = new Map<string, DriftChange[]>();
  for (const c of scoped.filter((c) => c.unsafe)) unsafeByTable.set(c.table, [...(unsafeByTable.get(c.table) ?? []), c]);
  const findings: Finding[] = [...unsafeByTable].map(([table, list]) => ({
    check: 'schemaDrift',
    severity: 'critical',
    subject: `table ${table}`,
    title: `unsafe schema change on ${table}: ${list.map((c) => `${c.column ? `${c.column}: ` : ''}${c.change}`).join('; ')} — CDC rows written since may carry wrong values`,
    evidence: { ...evidenceBase, changes: list.length },
    remedy: {
      // ReloadTables keeps the old table definition, so CDC would stay wrong: restart with reload-target (domain/reloadMethod.ts).
      ...fullReloadRemedy([table], `unsafe schema change: ${list.map((c) => c.change).join('; ')}`, at, 'task'),
      steps: [
        `schemaDriftWatch may already have started a fullReload waiting at its gate: temporal workflow list --query 'RunbookKind="fullReload" AND ExecutionStatus="Running"'`,
      ],
    },
  }));
  const safe = scoped.filter((c) => !c.unsafe).length;
  const outside = changes.length - scoped.length;
  return checkResult(
    'schemaDrift',
    `last schemaDriftWatch run ${run.workflowId}${run.closedAt ? ` closed ${run.closedAt}` : ''}: ${unsafeByTable.size} table(s) with unsafe changes, ${safe} safe change(s) in scope${outside ? `; ${outside} change(s) to tables outside it` : ''}`,
    findings,
    { run: evidenceBase, changes: scoped },
  );
}
