import type { CdcAfterReloadCheck } from './cdcAfterReload';
import { listed, PLAN_TABLES_LISTED, type ReloadTaskFacts } from './fullReload';
import type { FullReloadInput } from './inputs/fullReload';
import { formatBytes, Plan } from './plan';
import { QuarantineLayout, quarantineRoot } from './quarantineLayout';
import { formatTableName } from './tableName';
import { ChecksumComparison, describeComparison } from './verification';

/** What fullReload reports, and the words it shows at each step and gate (workflows/fullReload.ts acts; this says). */

export interface TableVerification {
  table: string;
  sourceRows: number;
  dmsFullLoadRows: number;
  parquetLoadRows: number;
  parquetLoadFiles: number;
  /** Rows the files hold once CDC changes written since the reload are folded in. */
  fileRows: number;
  comparison: ChecksumComparison;
  matches: boolean;
}

export interface MovedFiles {
  table: string;
  from: string;
  to: string;
  objects: number;
  bytes: number;
  manifest: string;
}

export interface RolledBackTable {
  table: string;
  removed: MovedFiles;
  restored: MovedFiles;
  restoredAsQuarantined: boolean;
}

export interface FullReloadReport {
  mode: 'tables' | 'task';
  /** Why this mode: chosen from the schema changes behind the reload when not asked for (domain/reloadMethod.ts). */
  method?: { why: string; definitionChanges: number };
  reason: string;
  ticket?: string;
  requested: string[];
  /** Every table reloaded (in task mode, all tables of the task). */
  reloaded: string[];
  tasks: Array<{ task: string; taskArn: string; statusBefore: string; recoveryCheckpoint: string | null }>;
  /** The current files compared with the source before the gate (what made the reload necessary, if anything). */
  currentFiles?: ChecksumComparison[];
  refusals?: string[];
  quarantine?: { root: string; tables: MovedFiles[] };
  verification?: TableVerification[];
  /** The CDC written after the reload against the source (what a LOAD-only verification cannot see). */
  cdcAfterReload?: CdcAfterReloadCheck[];
  /** LOAD verification passed and the CDC written after the reload was judged and agrees. */
  verified?: boolean;
  finalize?: {
    decision: 'approved' | 'rejected';
    /** Approved: the quarantine deleted. */
    deleted?: { prefix: string; detail: string };
    /** Rejected: per table, the reload's files moved aside and the quarantined files put back. */
    rolledBack?: RolledBackTable[];
  };
}

/** The result of one `moveObjects`, as the report lists it. */
export function movedFiles(
  table: string,
  from: string,
  to: string,
  moved: { objects: number; bytes: number; manifestKey: string },
): MovedFiles {
  return { table, from, to, objects: moved.objects, bytes: moved.bytes, manifest: moved.manifestKey };
}

const sum = <T>(items: T[], of: (item: T) => number) => items.reduce((s, item) => s + of(item), 0);

export function factsNote(tasks: ReloadTaskFacts[], inventories: Array<{ objects: number; bytes: number }>): string {
  return `${inventories.length} table(s) in task ${tasks.map((t) => `${t.task.identifier} (${t.task.status})`).join(', ')}; ${sum(inventories, (i) => i.objects)} files, ${formatBytes(sum(inventories, (i) => i.bytes))}`;
}

export function currentFilesNote(comparisons: ChecksumComparison[]): string {
  const bad = comparisons.filter((c) => !c.matches);
  return bad.length
    ? `${bad.length} table(s) differ from the source: ${bad.map(describeComparison).join(' || ')}`
    : 'the current files match the source';
}

/** What the reload gate says beside its plan: why, how much, and the evidence gathered before it. */
export function reloadGateNote(
  input: Pick<FullReloadInput, 'reason' | 'ticket' | 'schemaDrift'>,
  plan: Plan,
  currentFiles: ChecksumComparison[] | undefined,
): string {
  const driftNote = input.schemaDrift
    ? ` Schema drift detected by ${input.schemaDrift.detectedBy}: ${input.schemaDrift.changes.map((c) => `${c.table}${c.column ? `.${c.column}` : ''} ${c.kind}`).join(', ')}.`
    : '';
  const mismatched = (currentFiles ?? []).filter((c) => !c.matches);
  return `Reason: ${input.reason}${input.ticket ? ` (${input.ticket})` : ''}. Affected: ${plan.details.affectedObjects as number} files, ${formatBytes(plan.details.affectedBytes as number)}.${driftNote}${mismatched.length ? ` The current files differ from the source: ${mismatched.map(describeComparison).join(' || ')}` : ''}`;
}

export function quarantineNote(moved: MovedFiles[], workflowId: string): string {
  return `${sum(moved, (m) => m.objects)} files (${formatBytes(sum(moved, (m) => m.bytes))}) under ${quarantineRoot(workflowId)}`;
}

export function verifyNote(verification: TableVerification[]): string {
  const failed = verification.filter((v) => !v.matches);
  return failed.length
    ? `FAILED for ${failed.length} of ${verification.length}: ${firstOf(failed.map((v) => describeComparison(v.comparison)))}`
    : `${verification.length} table(s): ${listed(verification.map((v) => `${v.table} ${v.sourceRows} rows`))}; counts, key checksums and distributions match`;
}

/**
 * The first PLAN_TABLES_LISTED descriptions, then how many more: a gate or a note over thousands of tables would
 * not fit in the status a person reads (nor in Temporal's 4 MB gRPC messages). The report lists every table.
 */
function firstOf(descriptions: string[]): string {
  const shown = descriptions.slice(0, PLAN_TABLES_LISTED).join(' || ');
  return descriptions.length > PLAN_TABLES_LISTED
    ? `${shown} || and ${descriptions.length - PLAN_TABLES_LISTED} more (the report lists every table)`
    : shown;
}

/** The verdicts the finalize gate weighs: LOAD files that differ, CDC that differs, CDC too thin to judge. */
function verdicts(verification: TableVerification[], cdcChecks: CdcAfterReloadCheck[]) {
  return {
    failures: verification.filter((v) => !v.matches),
    cdcWrong: cdcChecks.filter((c) => c.verdict === 'mismatch'),
    cdcUnjudged: cdcChecks.filter((c) => c.verdict === 'not-enough-cdc' || c.verdict === 'cannot-check'),
  };
}

/** What the finalize gate says beside its plan: the verdict and the recommended decision. */
export function finalizeGateNote(verification: TableVerification[], cdcChecks: CdcAfterReloadCheck[]): string {
  const { failures, cdcWrong, cdcUnjudged } = verdicts(verification, cdcChecks);
  const cdcNote = cdcUnjudged.length
    ? ` CDC written after the reload: NOT ENOUGH TO JUDGE for ${firstOf(cdcUnjudged.map((c) => `${c.table} (${c.detail})`))}. Do not finalize on the LOAD files alone: let changes arrive, then compare the files (CDC included) with the source by a dry run of fullReload for these tables (its check-current step; a dry run takes no lock), or reject.`
    : cdcChecks.length
      ? ` CDC written after the reload agrees with the source: ${listed(cdcChecks.map((c) => `${c.table} ${c.compared} changed rows`))}.`
      : '';
  return failures.length || cdcWrong.length
    ? `Verification FAILED: ${firstOf([...failures.map((v) => describeComparison(v.comparison)), ...cdcWrong.map((c) => `${c.table}: ${c.detail}`)])}. Recommended: reject to roll back (the reload's files move aside, the quarantined files return).${cdcNote}`
    : `Verification passed for ${verification.length} table(s).${cdcNote} Approve to delete the quarantine; reject to roll back.`;
}

/** The gate's expiry: nothing is rolled back by itself, the operator is told where the old files wait. */
export function finalizeExpiredMessage(expired: string, quarantineRootUrl: string): string {
  return `${expired}. The reloaded files stay in place and the quarantine is kept at ${quarantineRootUrl}: roll back or delete it by hand (docs/runbooks/fullReload.md#rolling-back)`;
}

export function finalizedMessage(
  report: FullReloadReport,
  verification: TableVerification[],
  cdcChecks: CdcAfterReloadCheck[],
  deletedDetail: string,
): string {
  const { failures, cdcWrong } = verdicts(verification, cdcChecks);
  return `${listed(report.reloaded)} reloaded${
    report.verified
      ? ' and verified'
      : failures.length || cdcWrong.length
        ? ' (verification FAILED, kept by the approver)'
        : ' (LOAD files verified; the CDC written after the reload was not judged, kept by the approver)'
  }; quarantine deleted (${deletedDetail})`;
}

export function rolledBackNote(rolledBack: RolledBackTable[]): string {
  if (rolledBack.length > PLAN_TABLES_LISTED) return `rolled back ${rollbackTotals(rolledBack)}`;
  return `rolled back: ${rolledBack.map((r) => `${r.table}: ${r.removed.objects} reloaded files moved aside, ${r.restored.objects} files restored`).join('; ')}`;
}

/** Thousands of tables rolled back, said once: the counts, and the first names (the report lists every table). */
function rollbackTotals(rolledBack: RolledBackTable[]): string {
  const removed = { objects: sum(rolledBack, (r) => r.removed.objects), bytes: sum(rolledBack, (r) => r.removed.bytes) };
  const restored = { objects: sum(rolledBack, (r) => r.restored.objects), bytes: sum(rolledBack, (r) => r.restored.bytes) };
  return `${rolledBack.length} tables (${listed(rolledBack.map((r) => r.table))}): removed ${removed.objects} reloaded files (${formatBytes(removed.bytes)}), restored ${restored.objects} quarantined files (${formatBytes(restored.bytes)})`;
}

/** `_quarantine/<run>/_rolled-back/` of one table's `_quarantine/<run>/_rolled-back/<folder>/<schema>/<table>/`. */
function rolledBackRoot(to: string): string {
  const marker = '_rolled-back/';
  return to.includes(marker) ? to.slice(0, to.indexOf(marker) + marker.length) : to;
}

export function rolledBackMessage(rolledBack: RolledBackTable[], bucket: string): string {
  const what =
    rolledBack.length > PLAN_TABLES_LISTED
      ? `${rollbackTotals(rolledBack)}; each table's reloaded files were moved under s3://${bucket}/${rolledBackRoot(rolledBack[0]!.removed.to)}`
      : rolledBack
          .map(
            (r) =>
              `${r.table}: removed ${r.removed.objects} reloaded files (${formatBytes(r.removed.bytes)}, moved to s3://${bucket}/${r.removed.to}), restored ${r.restored.objects} quarantined files (${formatBytes(r.restored.bytes)})`,
          )
          .join('; ');
  return `rolled back ${what}. The task keeps running: DMS keeps writing CDC files for these tables`;
}

/**
 * A failure after the quarantine (reload refused, a table in error, a verification that cannot run) leaves the old
 * files in the quarantine and the table's prefix with what the reload wrote so far: the message says so, with the
 * commands that put the old files back.
 */
export function keptInQuarantineMessage(cause: string, bucket: string, root: string, layouts: QuarantineLayout[]): string {
  const command = (l: { tablePrefix: string; rolledBackPrefix: string; quarantinePrefix: string }) =>
    `aws s3 mv --recursive s3://${bucket}/${l.tablePrefix} s3://${bucket}/${l.rolledBackPrefix} && aws s3 mv --recursive s3://${bucket}/${l.quarantinePrefix} s3://${bucket}/${l.tablePrefix}`;
  // Thousands of commands would make a failure too large for Temporal (2 MB): one pattern and the first tables.
  const first = layouts[0];
  const commands =
    layouts.length > PLAN_TABLES_LISTED && first
      ? [
          `for each of the ${layouts.length} tables (the manifests under s3://${bucket}/${root}_manifests/ name them):`,
          command({
            tablePrefix: prefixPattern(first.tablePrefix, first),
            rolledBackPrefix: prefixPattern(first.rolledBackPrefix, first),
            quarantinePrefix: prefixPattern(first.quarantinePrefix, first),
          }),
        ]
      : layouts.map(command);
  return (
    `${cause}. The files from before the reload are kept in the quarantine at s3://${bucket}/${root} ` +
    `(every key and size in its _manifests/); the tables' prefixes hold what the reload wrote so far. Fix the cause and ` +
    `run fullReload again, or put the old files back by hand (docs/runbooks/fullReload.md#rolling-back):\n${commands.join('\n')}`
  );
}

/** What the finalize gate shows: the quarantine to delete on approval, the rollback on rejection. */
export function planFinalize(
  workflowId: string,
  bucket: string,
  quarantined: MovedFiles[],
  verification: TableVerification[],
  layouts: QuarantineLayout[],
  cdcChecks: CdcAfterReloadCheck[],
  /** Past PLAN_TABLES_LISTED tables: each per-table thing once, with counts and the first names (fullReload decides). */
  compact = false,
): Plan {
  if (compact) return compactFinalizePlan({ workflowId, bucket, quarantined, verification, layouts, cdcChecks });
  const root = quarantineRoot(workflowId);
  const objects = sum(quarantined, (q) => q.objects);
  const bytes = sum(quarantined, (q) => q.bytes);
  const { failures, cdcWrong, cdcUnjudged } = verdicts(verification, cdcChecks);
  const failed = [...failures, ...cdcWrong.map((c) => ({ table: c.table }))];
  return {
    summary: failed.length
      ? `verification FAILED for ${failed.map((v) => v.table).join(', ')}: reject to roll back (recommended), or approve to keep the reloaded files and delete the quarantine (${objects} files, ${formatBytes(bytes)})`
      : cdcUnjudged.length
        ? `the LOAD files verify, but the CDC written after the reload cannot be judged yet for ${cdcUnjudged.map((c) => c.table).join(', ')}: do not finalize on the LOAD files alone; approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}), reject to roll back`
        : `verification passed (LOAD files and the CDC written after the reload): approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}); reject to roll back`,
    calls: [
      {
        service: 's3',
        operation: 'DeleteQuarantine',
        params: { prefix: root },
        why: `on approval: the quarantined files are deleted for good`,
      },
      ...layouts.flatMap((layout) => [
        {
          service: 's3' as const,
          operation: 'MoveReloadedFilesAside',
          params: { from: layout.tablePrefix, to: layout.rolledBackPrefix },
          why: `on rejection: the reload's files of ${formatTableName(layout.table)} leave the table's prefix (kept for inspection)`,
        },
        {
          service: 's3' as const,
          operation: 'RestoreQuarantinedFiles',
          params: { from: layout.quarantinePrefix, to: layout.tablePrefix },
          why: `on rejection: ${formatTableName(layout.table)}'s files from before the reload return`,
        },
      ]),
    ],
    prefixes: [
      { prefix: root, action: 'delete', objects, bytes },
      ...quarantined.map((q) => ({ prefix: q.to, action: 'restore' as const, objects: q.objects, bytes: q.bytes })),
    ],
    expectedMinutes: Math.max(1, Math.ceil(bytes / (100 * 1024 * 1024) / 60)),
    warnings: [
      ...failures.map((v) => describeComparison(v.comparison)),
      ...cdcChecks.filter((c) => c.verdict !== 'matches').map((c) => `${c.table}: CDC after the reload ${c.verdict}: ${c.detail}`),
    ],
    details: { verification, cdcAfterReload: cdcChecks, quarantineRoot: `s3://${bucket}/${root}` },
  };
}

/** A table's prefix with its schema and table as placeholders: `lake/<schema>/<table>/`. */
function prefixPattern(prefix: string, layout: QuarantineLayout): string {
  const own = `${layout.table.schema}/${layout.table.table}/`;
  return prefix.endsWith(own) ? `${prefix.slice(0, -own.length)}<schema>/<table>/` : prefix;
}

/**
 * The finalize plan of thousands of tables: the same decision, said once for all tables with counts, the failures
 * first and the first PLAN_TABLES_LISTED tables named. At 2,000 tables the per-table plan was 1.8 MB, frozen into the
 * history each way and in the status, past Temporal's 4 MB gRPC message with the rest (docs/performance.md).
 */
function compactFinalizePlan(run: {
  workflowId: string;
  bucket: string;
  quarantined: MovedFiles[];
  verification: TableVerification[];
  layouts: QuarantineLayout[];
  cdcChecks: CdcAfterReloadCheck[];
}): Plan {
  const { workflowId, bucket, quarantined, verification, layouts, cdcChecks } = run;
  const root = quarantineRoot(workflowId);
  const objects = sum(quarantined, (q) => q.objects);
  const bytes = sum(quarantined, (q) => q.bytes);
  const { failures, cdcWrong, cdcUnjudged } = verdicts(verification, cdcChecks);
  const failed = [...new Set([...failures.map((v) => v.table), ...cdcWrong.map((c) => c.table)])];
  const first = layouts[0]!;
  const n = layouts.length;
  const byFailureFirst = [...failures, ...verification.filter((v) => v.matches)];
  const cdcNotMatching = cdcChecks.filter((c) => c.verdict !== 'matches');
  return {
    summary: failed.length
      ? `verification FAILED for ${failed.length} of ${n} tables (${listed(failed)}): reject to roll back (recommended), or approve to keep the reloaded files and delete the quarantine (${objects} files, ${formatBytes(bytes)})`
      : cdcUnjudged.length
        ? `the LOAD files of ${n} tables verify, but the CDC written after the reload cannot be judged yet for ${cdcUnjudged.length} (${listed(cdcUnjudged.map((c) => c.table))}): do not finalize on the LOAD files alone; approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}), reject to roll back`
        : `verification passed for ${n} tables (LOAD files and the CDC written after the reload): approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}); reject to roll back`,
    calls: [
      {
        service: 's3',
        operation: 'DeleteQuarantine',
        params: { prefix: root },
        why: 'on approval: the quarantined files are deleted for good',
      },
      {
        service: 's3',
        operation: 'MoveReloadedFilesAside',
        params: { tables: n, from: prefixPattern(first.tablePrefix, first), to: prefixPattern(first.rolledBackPrefix, first) },
        why: `on rejection: the reload's files of each of the ${n} tables leave the table's prefix (kept for inspection), one table after the other`,
      },
      {
        service: 's3',
        operation: 'RestoreQuarantinedFiles',
        params: { tables: n, from: prefixPattern(first.quarantinePrefix, first), to: prefixPattern(first.tablePrefix, first) },
        why: `on rejection: each table's files from before the reload return`,
      },
    ],
    prefixes: [
      { prefix: root, action: 'delete', objects, bytes },
      { prefix: prefixPattern(first.quarantinePrefix, first), action: 'restore', objects, bytes },
    ],
    expectedMinutes: Math.max(1, Math.ceil(bytes / (100 * 1024 * 1024) / 60)),
    warnings: [
      ...failures.slice(0, PLAN_TABLES_LISTED).map((v) => describeComparison(v.comparison)),
      ...(failures.length > PLAN_TABLES_LISTED
        ? [`and ${failures.length - PLAN_TABLES_LISTED} more tables whose verification failed: see the report`]
        : []),
      ...cdcNotMatching.slice(0, PLAN_TABLES_LISTED).map((c) => `${c.table}: CDC after the reload ${c.verdict}: ${c.detail}`),
      ...(cdcNotMatching.length > PLAN_TABLES_LISTED
        ? [`and ${cdcNotMatching.length - PLAN_TABLES_LISTED} more tables whose CDC after the reload does not match: see the report`]
        : []),
    ],
    details: {
      tables: n,
      verified: verification.length - failures.length,
      failed: failures.length,
      cdcAfterReloadMismatched: cdcWrong.length,
      cdcAfterReloadUnjudged: cdcUnjudged.length,
      tablesListed: `the failures first, then the first tables, ${PLAN_TABLES_LISTED} in all; the report lists every table`,
      verification: byFailureFirst.slice(0, PLAN_TABLES_LISTED),
      cdcAfterReload: [...cdcNotMatching, ...cdcChecks.filter((c) => c.verdict === 'matches')].slice(0, PLAN_TABLES_LISTED),
      quarantineRoot: `s3://${bucket}/${root}`,
    },
  };
}
